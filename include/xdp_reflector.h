/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole contract between the XDP program (bpf/) and the loader (loader/):
 * map names, keys, value layouts, class and flag numbers. Both sides include
 * this file; nothing is mirrored by hand.
 *
 * Policy generations. Everything a profile decides (port tables, source
 * lists, class defaults) exists twice, as generation 0 and 1. The packet path
 * reads the active generation from xr_config once per packet and uses only
 * that generation's entries. A reload writes the inactive generation, then
 * flips xr_config.active_gen with one map update: the new policy becomes
 * visible in one step and a packet never sees half of two policies.
 *
 * Counter memory, per CPU: xr_port_stats holds 2 protocols x 65536 ports x
 * 32 bytes = 4 MiB; xr_class_stats XR_CLASS_MAX x 32 bytes. Counters are keyed
 * by (protocol, port), not by generation, so a reload keeps them.
 */
#ifndef XDP_REFLECTOR_H
#define XDP_REFLECTOR_H

#include <linux/types.h>

/*
 * Pin names of the maps (<= 15 chars), and the names the BPF object
 * declares them under, except the three tables that are globals of the
 * object (see "Where the tables live" below).
 */
#define XR_MAP_CONFIG "xr_config"
#define XR_MAP_PORTS "xr_ports"
#define XR_MAP_SOURCES "xr_sources"
#define XR_MAP_PORT_STATS "xr_port_stats"
#define XR_MAP_CLASS_STATS "xr_class_stats"
#define XR_MAP_RULES "xr_rules"
#define XR_MAP_META "xr_meta"
#define XR_MAP_FLOWS "xr_flows"
#define XR_MAP_FLOW_PORTS "xr_flow_ports"
#define XR_MAP_RATE_RULES "xr_rate_rules" /* rate limits of both generations */
#define XR_MAP_RATE_SRC "xr_rate_src" /* per-source token buckets (LRU) */
#define XR_MAP_LIMIT_STATS "xr_limit_stats" /* guard and rate drops per port */
#define XR_PIN_LINK "link"
#define XR_PIN_EGRESS_LINK "egress_link" /* the tcx link of xr_egress */
#define XR_PROG_EGRESS "xr_egress"
#define XR_PROG_NAME "xdp_reflector"

#define XR_GENS 2
#define XR_PORTS_PER_PROTO 65536
#define XR_PROTO_TCP 0
#define XR_PROTO_UDP 1
#define XR_PROTOS 2

/* Key of xr_ports: generation, protocol and destination port in one index. */
static inline __u32 xr_port_key(__u32 gen, __u32 proto, __u32 port)
{
	return (gen << 17) | (proto << 16) | port;
}

#define XR_PORT_KEYS (XR_GENS * XR_PROTOS * XR_PORTS_PER_PROTO)
#define XR_STAT_KEYS (XR_PROTOS * XR_PORTS_PER_PROTO)

/* Key of xr_port_stats. */
static inline __u32 xr_stat_key(__u32 proto, __u32 port)
{
	return (proto << 16) | port;
}

/* xr_ports value flags. */
#define XR_PORT_ALLOW (1U << 0) /* the profile allows this port */
#define XR_PORT_SOURCES (1U << 1) /* ...but only from the rule's source list */
/* Added for the WebRTC guard and rate limits (bpf/guard.h, bpf/rate.h): */
#define XR_PORT_GUARD (1U << 2) /* UDP only: RFC 7983 first-byte demux */
#define XR_PORT_RATE (1U << 3) /* per-source limit in xr_rate_rules[gen, rule] */

struct xr_port_entry {
	__u16 rule; /* index of the profile rule that covers the port */
	__u8 flags; /* XR_PORT_* */
	__u8 pad;
};
_Static_assert(sizeof(struct xr_port_entry) == 4, "xr_port_entry layout");

/*
 * Key of xr_sources, an LPM trie. The first 32 bits select the set (the
 * generation and the rule), so one trie holds every rule's list in both
 * generations. IPv4 sources are stored v4-mapped (::ffff:a.b.c.d).
 */
struct xr_source_key {
	__u32 prefixlen; /* XR_SOURCE_SET_BITS + address prefix length */
	__u32 set; /* xr_source_set(gen, rule): always matched in full */
	__u8 addr[16];
};
_Static_assert(sizeof(struct xr_source_key) == 24, "xr_source_key layout");
#define XR_SOURCE_SET_BITS 32
#define XR_SOURCES_MAX 16384

static inline __u32 xr_source_set(__u32 gen, __u32 rule)
{
	return (gen << 16) | rule;
}

/*
 * Replies: how long after the host last sent in a flow its replies still
 * pass (seconds). TCP after a FIN or RST in either direction uses the
 * closed timeout. Defaults; a profile may set others (policies/README.md).
 */
#define XR_REPLY_TCP_SECS 3600
#define XR_REPLY_UDP_SECS 120
#define XR_REPLY_CLOSED_SECS 10

/* Per-generation class defaults, written from the profile's `defaults`. */
struct xr_class_policy {
	__u8 drop_echo; /* drop ICMP/ICMPv6 echo requests */
	__u8 drop_frags; /* drop every IP fragment, first ones included */
	__u8 other_ip_pass; /* default for IP protocols other than TCP/UDP/ICMP */
	__u8 replies; /* pass replies to connections the host opened */
	__u8 icmp_info_pass; /* pass informational ICMP (timestamp, node info...) */
	__u8 pad[3];
	__u32 reply_tcp_secs;
	__u32 reply_udp_secs;
	__u32 reply_closed_secs;
	__u64 other_ip_allow[4]; /* bitmap of IP protocol numbers always passed */
};
_Static_assert(sizeof(struct xr_class_policy) == 56, "xr_class_policy layout");

/* The single value of xr_config (key 0). */
struct xr_config {
	__u32 active_gen; /* 0 or 1: which generation the packet path uses */
	__u32 pad;
	struct xr_class_policy gen[XR_GENS];
};
_Static_assert(sizeof(struct xr_config) == 120, "xr_config layout");

/* Classes of packets not judged by a port (keys of xr_class_stats). */
enum xr_class {
	XR_CLASS_NON_IP = 0, /* ARP, LLDP, ...: always passed */
	XR_CLASS_ICMP, /* ICMPv4 and ICMPv6 */
	XR_CLASS_FRAGMENT, /* IP fragments after the first */
	XR_CLASS_OTHER_IP, /* IP protocols other than TCP, UDP, ICMP */
	XR_CLASS_MALFORMED, /* headers that do not parse: always dropped */
	XR_CLASS_REPLY, /* replies to connections the host opened */
	XR_CLASS_DHCP, /* DHCP replies to the host's client: always passed */
	/*
	 * The two classes below are counted per port in xr_limit_stats, never
	 * in xr_class_stats (their slots there stay zero): stats sums them.
	 */
	XR_CLASS_GUARD, /* dropped by `guard: webrtc` (not RFC 7983 traffic) */
	XR_CLASS_RATE, /* dropped by a `rate` limit */
	XR_CLASS_MAX,
};

/* One counter slot: per (protocol, port) and per class. */
struct xr_counters {
	__u64 pass_packets;
	__u64 pass_bytes;
	__u64 drop_packets;
	__u64 drop_bytes;
};
_Static_assert(sizeof(struct xr_counters) == 32, "xr_counters layout");

/*
 * Guard and rate drops, per CPU, keyed by xr_stat_key(proto, port) like
 * xr_port_stats: a reload keeps them, and stats sums a rule's ports. A
 * packet dropped here is counted here only, not in xr_port_stats.
 */
struct xr_limit_counters {
	__u64 guard_packets;
	__u64 guard_bytes;
	__u64 rate_packets;
	__u64 rate_bytes;
};
_Static_assert(sizeof(struct xr_limit_counters) == 32, "xr_limit_counters layout");

/*
 * Rate limits (`rate: {per_source: N/s, burst: M}` on an entry): a token
 * bucket per source and entry, kept as GCRA's theoretical arrival time
 * (one u64): a packet at NOW passes when tat - NOW <= burst_ns, and then
 * tat = max(tat, NOW) + interval_ns. burst_ns = (burst - 1) * interval_ns,
 * so BURST packets pass at once and then one per interval.
 *
 * xr_rate_rules[gen * XR_RULES_PER_GEN + rule]: written with the rest of a
 * generation, so a flip changes the limits with everything else.
 */
struct xr_rate_rule {
	__u64 interval_ns; /* 1e9 / per_source; 0: no limit */
	__u64 burst_ns;
	__u32 bucket; /* xr_stat_key(proto, first port of the rule) */
	__u32 pad;
};
_Static_assert(sizeof(struct xr_rate_rule) == 24, "xr_rate_rule layout");

/*
 * Key of xr_rate_src: the entry (its bucket, the same from one reload to
 * the next while the entry is) and the source: an IPv4 address, or the
 * /64 of an IPv6 one (addr[0..7]), so that a host cannot escape its
 * limit by rotating addresses inside its /64.
 */
struct xr_rate_key {
	__u32 bucket;
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[8];
};
_Static_assert(sizeof(struct xr_rate_key) == 16, "xr_rate_key layout");

struct xr_rate_state {
	__u64 tat_ns; /* GCRA's theoretical arrival time, bpf_ktime_get_ns() */
	__u64 dropped; /* packets this source had dropped (stats' top list) */
};
_Static_assert(sizeof(struct xr_rate_state) == 16, "xr_rate_state layout");

/* Sources tracked when the profile does not say (defaults: rate_sources). */
#define XR_RATE_SOURCES_DEFAULT 65536
#define XR_RATE_SOURCES_MIN 1024
#define XR_RATE_SOURCES_MAX (16 * 1024 * 1024)

/*
 * Flows the host opened, recorded on egress by the TC program (after any
 * masquerade, so containers' flows are seen as the host's). Addresses are
 * 16 bytes, IPv4 v4-mapped; ports in network byte order.
 */
#define XR_FLOWS_MAX 65536

struct xr_flow_key {
	__u8 local[16];
	__u8 remote[16];
	__u16 local_port;
	__u16 remote_port;
	__u8 proto; /* XR_PROTO_* */
	__u8 family; /* 4 or 6: a v4-mapped IPv6 packet is no IPv4 flow's reply */
	__u8 pad[2];
};
_Static_assert(sizeof(struct xr_flow_key) == 40, "xr_flow_key layout");

struct xr_flow {
	__u64 last_egress_ns; /* bpf_ktime_get_ns() of the host's last packet */
	__u32 closing; /* a FIN or RST was seen */
	__u32 pad;
};

/*
 * xr_flow_ports[xr_stat_key(proto, local_port)]: the latest time (ns) at
 * which any flow from that local port may still have live replies: the
 * exact, one-load prefilter that keeps a flood of packets to closed
 * ports away from the flow hash. Slot XR_FLOW_CLOCK holds the time of the
 * last egress packet: a clock that lags real time, so comparing against it
 * only ever lets more packets through to the exact check.
 */
#define XR_FLOW_CLOCK XR_STAT_KEYS
#define XR_FLOW_PORT_SLOTS (XR_STAT_KEYS + 1)
/* Egress writes a timestamp at most this often per flow and per port. */
#define XR_FLOW_REFRESH_NS (100ULL * 1000 * 1000)

/*
 * Where the tables live. What the packet path reads for every packet is
 * not in array maps but in globals of the BPF object, read with a direct
 * load (bpf/maps.h says why: about a third of the program's cost on the
 * bench machine). libbpf makes each global section a one-entry array map,
 * mmapable, whose value is the whole section:
 *
 *   pin XR_MAP_CONFIG      the object's ".data.xr_config" (skeleton
 *                          maps.data_xr_config): key 0 is struct xr_config,
 *                          read and written with map lookups and updates.
 *   pin XR_MAP_PORTS and   the object's ".bss" (kernel name
 *   pin XR_MAP_FLOW_PORTS  "<object>.bss", skeleton maps.bss), one map
 *                          pinned under both names: struct xr_tables. Its
 *                          first XR_PORT_KEYS 8-byte slots are the port
 *                          tables, laid out as an mmapable array map of
 *                          struct xr_port_entry would be, so the loader
 *                          fills them with stores through mmap.
 */
struct xr_port_slot {
	struct xr_port_entry entry;
	__u32 pad;
};

struct xr_tables {
	struct xr_port_slot ports[XR_PORT_KEYS]; /* [xr_port_key()] */
	__u64 flow_ports[XR_FLOW_PORT_SLOTS]; /* [xr_stat_key()], XR_FLOW_CLOCK */
};
_Static_assert(sizeof(struct xr_port_slot) == 8, "xr_port_slot layout");
_Static_assert(sizeof(struct xr_tables) ==
		       XR_PORT_KEYS * 8 + XR_FLOW_PORT_SLOTS * 8,
	       "xr_tables layout");

/*
 * Loader state kept in the pins beside the maps the packet path reads, so
 * that stats, status, reload and a confirm rollback work from any process.
 * The packet path never reads xr_rules or xr_meta.
 */
#define XR_RULES_PER_GEN 4096

/* xr_rules[gen * XR_RULES_PER_GEN + rule]: what a port entry's .rule names. */
#define XR_LABEL_LEN 64 /* service labels and feature names, with the NUL */

struct xr_rule_info {
	char service[XR_LABEL_LEN];
	char feature[XR_LABEL_LEN];
	__u8 proto; /* XR_PROTO_* */
	__u8 pad;
	__u16 first_port;
	__u16 last_port;
	__u16 nsources;
};
_Static_assert(sizeof(struct xr_rule_info) == 136, "xr_rule_info layout");

/* What one generation of the policy holds. */
struct xr_meta_policy {
	char profile[64];
	char features[192]; /* enabled features, comma-separated */
	__u64 digest;
	__u64 loaded_at; /* unix seconds */
	__u32 nrules;
	__u32 nsources;
};

#define XR_MODE_NATIVE 1
#define XR_MODE_GENERIC 2

/* The single value of xr_meta (key 0). */
struct xr_meta {
	struct xr_meta_policy gen[XR_GENS]; /* indexed like xr_config.gen */
	__u32 mode; /* XR_MODE_* */
	__u32 ifindex;
	__u64 attached_at; /* unix seconds */
	__u64 confirm_deadline; /* unix seconds; 0: nothing to confirm */
	__u64 confirm_token; /* the pending rollback's identity */
	__u32 confirm_pid; /* process that will roll back */
	__u32 confirm_first_load; /* a rollback detaches rather than flips */
	__u32 tc_hook_created; /* detach removes the clsact qdisc it added */
	__u32 confirm_rollback_gen; /* the generation a rollback returns to */
	__u32 seeded_flows; /* flows seeded from the host's sockets at the last load/reload */
	__u32 pad;
	/* confirm_pid's start time (/proc/PID/stat field 22): a PID that now
	 * has another start time is another process, never the rollback. */
	__u64 confirm_pid_start;
};

#endif /* XDP_REFLECTOR_H */
