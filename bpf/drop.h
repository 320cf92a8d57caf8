/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The drop end of every verdict: monitor mode and drop capture.
 *
 * Enforce mode without a capture pays one compare for them, on a value
 * the path already holds in a register, and only where it drops: the
 * straight path tests the port key (active_gen shifted into it) and sends
 * such drops to xr_verdict(); xr_verdict() tests active_gen once and runs
 * either a copy of the verdict without any drop end or one with it. Here
 * the drop is counted (as a drop, or in monitor mode as a would-drop, and
 * then passed) and, while a capture runs, copied into the ring buffer
 * (include/xdp_reflector.h).
 */
#ifndef XR_DROP_H
#define XR_DROP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdp_reflector.h"
#include "maps.h"

/* What `capture` asked for: snap length, port filter, its owner. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xr_capture_cfg);
} xr_capture SEC(".maps");

/* The copies; written only while XR_GEN_CAPTURE is set. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XR_CAPTURE_RING_BYTES);
} xr_capture_rb SEC(".maps");

/*
 * Does a drop under active_gen FLAGS go to the drop end: monitor mode or
 * a capture, the bits above the generation? A compare, not a mask: the
 * BPF backend has no bit test it would emit, and a jgt on the live value
 * is one instruction where an AND needs a copy too.
 */
static __always_inline int xr_drop_end_on(__u64 flags)
{
	return flags > XR_GEN_MASK;
}

/* Does the capture's filter admit a drop of KEY (a port key or a class)? */
static __always_inline int xr_capture_wants(const struct xr_capture_cfg *cfg,
					    __u32 key, __u32 is_class)
{
	__u32 n = cfg->nranges, i;
	__u16 port = key & 0xffff;
	__u8 proto = key >> 16;

	if (!n)
		return 1;
	if (is_class)
		return 0; /* a filter names ports; classes have none */
#pragma unroll
	for (i = 0; i < XR_CAPTURE_RANGES; i++) {
		const struct xr_capture_range *r = &cfg->ranges[i];

		if (i < n && r->proto == proto && port >= r->first_port &&
		    port <= r->last_port)
			return 1;
	}
	return 0;
}

/* Copy at most snaplen bytes of the frame into one ring record. */
static __always_inline void xr_capture_copy(struct xdp_md *ctx, __u32 key,
					    __u32 is_class, __u32 monitor)
{
	struct xr_capture_cfg *cfg;
	struct xr_capture_rec *rec;
	__u32 zero = 0, caplen;
	__u64 wire;

	cfg = bpf_map_lookup_elem(&xr_capture, &zero);
	if (!cfg || !xr_capture_wants(cfg, key, is_class))
		return;
	rec = bpf_ringbuf_reserve(&xr_capture_rb, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&cfg->ring_full, 1);
		return;
	}
	wire = bpf_xdp_get_buff_len(ctx);
	caplen = cfg->snaplen;
	if (caplen > wire)
		caplen = wire;
	if (caplen > XR_CAPTURE_SNAP_MAX)
		caplen = XR_CAPTURE_SNAP_MAX;
	if (!caplen) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
	/*
	 * 1 <= caplen <= XR_CAPTURE_SNAP_MAX already; the mask says so in a
	 * form the verifier keeps (clang folds the compares into forms it
	 * loses), and leaves every such value as it is.
	 */
	caplen = ((caplen - 1) & (XR_CAPTURE_SNAP_MAX - 1)) + 1;
	if (!wire || bpf_xdp_load_bytes(ctx, 0, rec->data, caplen)) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
	rec->ts_ns = bpf_ktime_get_ns();
	rec->wire_len = wire;
	rec->caplen = caplen;
	rec->key = key;
	rec->is_class = is_class;
	rec->monitor = monitor;
	rec->pad = 0;
	bpf_ringbuf_submit(rec, 0);
}

static __always_inline void xr_count_drop(struct xr_counters *c, __u32 monitor,
					  __u64 len)
{
	if (!c)
		return;
	if (monitor) {
		c->would_drop_packets += 1;
		c->would_drop_bytes += len;
	} else {
		c->drop_packets += 1;
		c->drop_bytes += len;
	}
}

/*
 * One function per map: in one function clang merges the two lookups into
 * one on a map chosen at run time, which the verifier cannot inline.
 */
static __noinline void xr_count_class_drop(__u32 cls, __u32 monitor, __u64 len)
{
	xr_count_drop(bpf_map_lookup_elem(&xr_class_stats, &cls), monitor, len);
}

static __noinline void xr_count_port_drop(__u32 key, __u32 monitor, __u64 len)
{
	xr_count_drop(bpf_map_lookup_elem(&xr_port_stats, &key), monitor, len);
}

/*
 * A drop while monitor mode or a capture is on (FLAGS: the active_gen the
 * verdict was made under): count it as a drop or a would-drop on KEY of
 * xr_port_stats or, with IS_CLASS, of xr_class_stats; copy it if a capture
 * runs; pass it in monitor mode.
 */
static __noinline int xr_drop_slow(struct xdp_md *ctx, __u32 key,
				   __u32 is_class, __u32 flags, __u64 len)
{
	__u32 monitor = !!(flags & XR_GEN_MONITOR);

	if (is_class)
		xr_count_class_drop(key, monitor, len);
	else
		xr_count_port_drop(key, monitor, len);
	if (flags & XR_GEN_CAPTURE)
		xr_capture_copy(ctx, key, is_class, monitor);
	return monitor ? XDP_PASS : XDP_DROP;
}

#endif /* XR_DROP_H */
