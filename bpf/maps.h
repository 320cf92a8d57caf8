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

/* Active generation and the class defaults of both generations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xr_config);
} xr_config SEC(".maps");

/* Port tables of both generations; mmapable so a reload fills them with stores. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XR_PORT_KEYS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xr_port_entry);
} xr_ports SEC(".maps");

/* Source lists of source-restricted rules, both generations in one trie. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XR_GENS * XR_SOURCES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xr_source_key);
	__type(value, __u8);
} xr_sources SEC(".maps");

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

/* Flows the host opened, keyed from the host's side (reply.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XR_FLOWS_MAX);
	__type(key, struct xr_flow_key);
	__type(value, struct xr_flow);
} xr_flows SEC(".maps");

/* Per local port: until when a flow from it may have replies (prefilter). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XR_FLOW_PORT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} xr_flow_ports SEC(".maps");

#endif /* XR_MAPS_H */
