/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every map of the BPF object, with why it exists. Names, keys and values
 * come from include/xdp_reflector.h; the loader pins them under those names.
 */
#ifndef XR_MAPS_H
#define XR_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdp_reflector.h"

/*
 * What the packet path reads for every packet lives in globals of the
 * object rather than in array maps: a global is one direct load, where even
 * an inlined array lookup stores the key to the stack, reloads it, bounds-
 * checks it and tests for NULL, and costs the compiler a call's worth of
 * clobbered registers (about 1 ns per packet of the ~3 the program adds on
 * the bench machine). libbpf turns each global section into a one-entry
 * array map whose value is the section; the loader pins them under the
 * contract's names (include/xdp_reflector.h, "Where the tables live").
 */

/* Active generation and the class defaults of both generations (XR_MAP_CONFIG). */
struct xr_config xr_config SEC(".data.xr_config");

/*
 * The port tables and source lists of both generations (pins XR_MAP_PORTS
 * and XR_MAP_SOURCES: the loader fills them through mmap) and the reply
 * prefilter (pin XR_MAP_FLOW_PORTS, written by the egress program), struct
 * xr_tables: zero-initialised, so in .bss, the one such section libbpf 1.1
 * supports.
 */
struct xr_tables xr_tables SEC(".bss");

/* The port table entry of KEY (xr_port_key); the mask shows the verifier it is in range. */
static __always_inline const struct xr_port_entry *xr_port(__u32 key)
{
	return &xr_tables.ports[key & (XR_PORT_KEYS - 1)].entry;
}

/* Per (protocol, port) counters; per CPU so the hot path needs no atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XR_STAT_KEYS);
	__type(key, __u32);
	__type(value, struct xr_counters);
} xr_port_stats SEC(".maps");

/* Per class counters (enum xr_class). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XR_CLASS_MAX);
	__type(key, __u32);
	__type(value, struct xr_counters);
} xr_class_stats SEC(".maps");

/* Loader state (include/xdp_reflector.h); pinned with the rest, never read here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XR_GENS * XR_RULES_PER_GEN);
	__type(key, __u32);
	__type(value, struct xr_rule_info);
} xr_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xr_meta);
} xr_meta SEC(".maps");

/* Counters per rule identity (include/xdp_reflector.h); loader state, never read here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XR_RULE_STATS_KEYS);
	__type(key, __u32);
	__type(value, struct xr_rule_stats);
} xr_rule_stats SEC(".maps");

/* Flows the host opened, keyed from the host's side (reply.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XR_FLOWS_MAX);
	__type(key, struct xr_flow_key);
	__type(value, struct xr_flow);
} xr_flows SEC(".maps");

/*
 * Rate limits of both generations' rules (struct xr_rate_rule): an array,
 * so its lookup is inlined; read only for ports with XR_PORT_RATE.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XR_GENS * XR_RULES_PER_GEN);
	__type(key, __u32);
	__type(value, struct xr_rate_rule);
} xr_rate_rules SEC(".maps");

/*
 * One token bucket per (entry, source) of rate-limited entries (bpf/rate.h):
 * sets of XR_RATE_WAYS slots (struct xr_rate_set), an array so that the
 * lookup is inlined (an LRU hash cost a call, a hash of the key and a
 * bucket walk: about 20 ns here). The loader sets max_entries from the
 * profile (defaults: rate_sources, xr_rate_sets()) before loading; stats
 * reads it through mmap.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XR_RATE_SOURCES_DEFAULT / XR_RATE_WAYS);
	__type(key, __u32);
	__type(value, struct xr_rate_set);
} xr_rate_src SEC(".maps");

/* Guard and rate drops per (protocol, port), per CPU (struct xr_limit_counters). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XR_STAT_KEYS);
	__type(key, __u32);
	__type(value, struct xr_limit_counters);
} xr_limit_stats SEC(".maps");

#endif /* XR_MAPS_H */
