/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pcap file of Ethernet frames through libpcap's dump API (pcap_file.c).
 * Apart from cmd_capture.c because <pcap/pcap.h> and libbpf's
 * <linux/bpf.h> both define struct bpf_insn.
 */
#ifndef XR_PCAP_FILE_H
#define XR_PCAP_FILE_H

#include <stddef.h>
#include <stdint.h>

struct xr_pcap;

/* Open PATH ("-": stdout) for frames of at most SNAPLEN bytes; NULL with
 * the reason in ERR. */
struct xr_pcap *xr_pcap_open(const char *path, int snaplen, char *err,
			     size_t errlen);
/* One frame: TS_NS since the epoch, CAPLEN bytes of DATA of a LEN-byte frame.
 */
void xr_pcap_write(struct xr_pcap *f, uint64_t ts_ns, uint32_t caplen,
		   uint32_t len, const void *data);
/* 0, or -1 when the write failed (a full disk, a reader gone). */
int xr_pcap_flush(struct xr_pcap *f);
void xr_pcap_close(struct xr_pcap *f);

#endif /* XR_PCAP_FILE_H */
