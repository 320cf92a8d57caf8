// SPDX-License-Identifier: GPL-2.0
/*
 * The bench's traffic source (bench/sender.c): run by BPF_PROG_TEST_RUN in
 * live-frames mode, it sends every frame out of the sender's veth, so the
 * frames arrive at the receiver namespace as if from a wire.
 *
 * With a rate set, frames over it are dropped here, never sent: the pacing
 * has to live in the program, because every BPF_PROG_TEST_RUN call costs
 * tens of milliseconds of setup, so the sender makes one long call.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set through the skeleton's rodata before load. */
const volatile __u32 out_ifindex = 0;
const volatile __u64 ns_per_frame = 0; /* 0: as fast as the CPU goes */

/* When the next frame may go. One sender thread, one CPU: no atomics. */
__u64 next_ns = 0;

/* Credit never exceeds 1 ms of frames: no burst after a stall. */
#define MAX_CREDIT_NS 1000000

SEC("xdp")
int bench_redirect(struct xdp_md *ctx)
{
	(void)ctx;
	if (ns_per_frame) {
		__u64 now = bpf_ktime_get_ns();

		if (now < next_ns)
			return XDP_DROP;
		next_ns = next_ns + MAX_CREDIT_NS < now
				  ? now - MAX_CREDIT_NS + ns_per_frame
				  : next_ns + ns_per_frame;
	}
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
