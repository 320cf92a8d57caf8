/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers the benchmark tools share. */
#ifndef XR_BENCH_H
#define XR_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <linux/types.h>

/* Keep this process on CPU: 0 or -errno. */
static inline int bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The Internet checksum of an IPv4 header (RFC 1071). */
static inline __u16 bench_ip_checksum(const void *hdr, size_t len)
{
	const __u16 *w = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* XR_BENCH_H */
