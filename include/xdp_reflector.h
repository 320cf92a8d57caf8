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
 * 48 bytes = 6 MiB; xr_class_stats XR_CLASS_MAX x 48 bytes. Counters are keyed
 * by (protocol, port), not by generation, so a reload keeps them; the loader
 * attributes them to rules by identity (xr_rule_stats, below).
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
#define XR_MAP_CAPTURE "xr_capture" /* drop capture: settings (capture.h) */
#define XR_MAP_CAPTURE_RING "xr_capture_rb" /* drop capture: the copies */
#define XR_MAP_RULE_STATS "xr_rule_stats" /* counters per rule identity */
#define XR_MAP_RATE_RULES "xr_rate_rules" /* rate limits of both generations */
#define XR_MAP_RATE_SRC "xr_rate_src" /* per-source token buckets (LRU) */
#define XR_MAP_LIMIT_STATS "xr_limit_stats" /* guard and rate drops per port */
#define XR_PIN_LINK "link"
#define XR_PIN_EGRESS_LINK "egress_link" /* the tcx link of xr_egress */
#define XR_PIN_AUDIT "xr_audit" /* made by the loader, not the object */
#define XR_PROG_EGRESS "xr_egress"
#define XR_PROG_NAME "xdp_reflector"

#define XR_GENS 2
#define XR_PORTS_PER_PROTO 65536
#define XR_PROTO_TCP 0
#define XR_PROTO_UDP 1
#define XR_PROTOS 2
#define XR_RULES_PER_GEN 4096 /* rules of one generation: xr_port_entry.rule < this */

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
 * Source lists of source-restricted rules (XR_PORT_SOURCES), in xr_tables
 * (pin XR_MAP_SOURCES, see "Where the tables live"). Per generation and
 * family, each rule's networks become address ranges [first, last] in host
 * byte order, sorted, merged where they touch, and laid out one rule after
 * another; src_slice[gen][rule] says where the rule's ranges start and how
 * many there are. The packet path binary-searches that slice with direct
 * loads (unless the rule's list of that family is hashed, see struct
 * xr_source_hash below): an LPM trie walk (the map this replaced) costs a few ns per level,
 * 60-90 ns for 1,000 networks on the bench machine. IPv4 sources are
 * searched among IPv4 ranges only, IPv6 among IPv6 ranges, which never
 * cover ::ffff:0:0/96 (the compiler cuts it out): an IPv4-mapped IPv6
 * source is in no list.
 */
#define XR_SOURCES_MAX 16384 /* per generation, over all rules and families */

/*
 * One family's ranges of one rule: N ranges from index FIRST on, searched
 * in STEPS + 1 probes (STEPS = floor(log2(N)): the first probe at TOP =
 * N - 2^STEPS, then 2^(STEPS-1), ..., 1 on from the last range found not
 * after the address). N = 0: no list of this family, NONEMPTY 0.
 */
struct xr_source_list {
	__u16 first;
	__u16 top;
	__u8 steps;
	__u8 nonempty;
	__u16 count; /* N, for the loader's readers */
};

struct xr_source_slice {
	struct xr_source_list v4; /* into src_v4[gen] */
	struct xr_source_list v6; /* into src_v6[gen] */
};
_Static_assert(sizeof(struct xr_source_slice) == 16, "xr_source_slice layout");

struct xr_range4 {
	__u32 first, last;
};
_Static_assert(sizeof(struct xr_range4) == 8, "xr_range4 layout");

struct xr_range6 {
	__u64 first_hi, first_lo; /* the address's two halves, host order */
	__u64 last_hi, last_lo;
};
_Static_assert(sizeof(struct xr_range6) == 32, "xr_range6 layout");

/*
 * Hashed source lists. A rule whose networks of one family have at most
 * XR_SRC_HASH_PLENS distinct prefix lengths (an operator's list usually
 * has one to three: /24s, /32s, a /16) is looked up in a hash rather than
 * searched: for each of its prefix lengths, one probe of the key (rule,
 * prefix length, the source masked to it) in a bucket of
 * XR_SRC_HASH_SLOTS slots, however many networks the rule lists. The
 * rule's xr_source_hash holds, per prefix length, the mask and the tag
 * that stands for (rule, prefix length) in the key:
 *   tag = 1 << 31 | salt << 20 | rule << 8 | prefix length
 * (salt: the loader's choice, so that the rule's keys fit their buckets;
 * tag 0 ends the list, and a zero tag4[0] / tag6[0] means "not hashed":
 * the binary search of xr_source_slice decides). Buckets, per generation:
 *   IPv4: src_h4[gen][(key * XR_SRC_HASH_MUL) >> (64 - XR_SRC_HASH_BITS4)],
 *         key = (__u64)tag << 32 | (source & mask)
 *   IPv6: src_h6[gen][(((hi ^ tag) * XR_SRC_HASH_MUL ^ lo) * XR_SRC_HASH_MUL)
 *         >> (64 - XR_SRC_HASH_BITS6)], (hi, lo) = the source masked
 * A slot matches when all its fields equal the key's; unused slots are
 * zero, and no tag is. An IPv6 list with a network that covers
 * ::ffff:0:0/96 is never hashed, and networks inside it are left out, so
 * an IPv4-mapped source matches no hashed list either.
 */
#define XR_SRC_HASH_PLENS 3
#define XR_SRC_HASH_SLOTS 4
#define XR_SRC_HASH_BITS4 13 /* 8192 buckets of 4 per generation */
#define XR_SRC_HASH_BITS6 12 /* 4096 buckets of 4 per generation */
#define XR_SRC_HASH_MUL 0x9e3779b97f4a7c15ULL /* 2^64 / golden ratio */

struct xr_source_hash {
	__u32 tag4[XR_SRC_HASH_PLENS];
	__u32 mask4[XR_SRC_HASH_PLENS]; /* host order */
	__u32 tag6[XR_SRC_HASH_PLENS];
	__u32 pad;
	__u64 mask6_hi[XR_SRC_HASH_PLENS];
	__u64 mask6_lo[XR_SRC_HASH_PLENS];
	__u64 pad2;
};
_Static_assert(sizeof(struct xr_source_hash) == 96, "xr_source_hash layout");

struct xr_src_bucket4 {
	__u64 key[XR_SRC_HASH_SLOTS];
};

struct xr_src_slot6 {
	__u64 hi, lo; /* the network, host order */
	__u32 tag;
	__u32 pad;
	__u64 pad2;
};

struct xr_src_bucket6 {
	struct xr_src_slot6 slot[XR_SRC_HASH_SLOTS];
};
_Static_assert(sizeof(struct xr_src_bucket4) == 32, "xr_src_bucket4 layout");
_Static_assert(sizeof(struct xr_src_bucket6) == 128, "xr_src_bucket6 layout");

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
	/*
	 * Monitor mode: nothing is dropped, what would be is counted as
	 * would_drop. Set by `load/reload --monitor`, not by the profile. The
	 * packet path reads its copy in active_gen (XR_GEN_MONITOR), which
	 * flips with the generation.
	 */
	__u8 monitor;
	__u8 pad[2];
	__u32 reply_tcp_secs;
	__u32 reply_udp_secs;
	__u32 reply_closed_secs;
	__u64 other_ip_allow[4]; /* bitmap of IP protocol numbers always passed */
};
_Static_assert(sizeof(struct xr_class_policy) == 56, "xr_class_policy layout");

/*
 * xr_config.active_gen: bit 0 is the generation the packet path uses; the
 * bits above it are read only where a packet is dropped, so that one
 * compare of a value already loaded is all enforce mode pays for them
 * (active_gen > XR_GEN_MASK, bpf/drop.h; the straight path carries the
 * whole word in its port key, above the index):
 *   XR_GEN_MONITOR  the active generation is in monitor mode (a copy of
 *                   gen[g].monitor written in the same update as the flip,
 *                   so mode and policy change in one step)
 *   XR_GEN_CAPTURE  a `capture` runs: copy drops into xr_capture_rb
 * Always take the generation as active_gen & XR_GEN_MASK.
 */
#define XR_GEN_MASK 1U
#define XR_GEN_MONITOR (1U << 1)
#define XR_GEN_CAPTURE (1U << 2)

/* The single value of xr_config (key 0). */
struct xr_config {
	__u32 active_gen; /* generation and XR_GEN_* flags, see above */
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
	 * The two classes below drop per port, counted in xr_limit_stats;
	 * their slots here hold only monitor mode's would-drops (drop.h,
	 * xr_drop_limit_slow). stats sums both.
	 */
	XR_CLASS_GUARD, /* dropped by `guard: webrtc` (not RFC 7983 traffic) */
	XR_CLASS_RATE, /* dropped by a `rate` limit */
	XR_CLASS_MAX,
};

/*
 * One counter slot: per (protocol, port) and per class. would_drop_*
 * count, in monitor mode, what enforce mode would have dropped (those
 * packets passed, and are not in pass_*).
 */
struct xr_counters {
	__u64 pass_packets;
	__u64 pass_bytes;
	__u64 drop_packets;
	__u64 drop_bytes;
	__u64 would_drop_packets;
	__u64 would_drop_bytes;
};
_Static_assert(sizeof(struct xr_counters) == 48, "xr_counters layout");

/*
 * Guard and rate drops, per CPU, keyed by xr_stat_key(proto, port) like
 * xr_port_stats: a reload keeps them, and stats sums a rule's ports. A
 * packet dropped here is counted here only, not in xr_port_stats. No
 * would-drop slots: monitor mode counts those per class (xr_class_stats
 * XR_CLASS_GUARD, XR_CLASS_RATE) rather than double this map (4 MiB per
 * CPU) for a trial mode.
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
 * Key of a source's bucket: the entry (its bucket, the same from one reload
 * to the next while the entry is) and the source: an IPv4 address, or the
 * /64 of an IPv6 one (addr[0..7]), so that a host cannot escape its limit
 * by rotating addresses inside its /64. Read by the packet path as two
 * u64 words; family 0 marks a slot never used.
 */
struct xr_rate_key {
	__u32 bucket;
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[8];
};
_Static_assert(sizeof(struct xr_rate_key) == 16, "xr_rate_key layout");

struct xr_rate_state {
	__u64 tat_ns; /* GCRA's theoretical arrival time: jiffies x the tick (bpf/rate.h) */
	__u64 dropped; /* packets this source had dropped (stats' top list) */
};
_Static_assert(sizeof(struct xr_rate_state) == 16, "xr_rate_state layout");

/*
 * xr_rate_src, the sources' buckets (bpf/rate.h): a set-associative table
 * in an array map whose lookup the verifier inlines, 32 bytes per tracked
 * source. A source's set is a hash of its key under a seed the loader
 * draws at each load (xr_tables.rate_seed), so that no one can aim sources
 * at one set; a set holds XR_RATE_WAYS sources, and a new source takes the
 * slot of the one whose bucket is fullest (the oldest tat), with its debt
 * when it has one (bpf/rate.h says why).
 */
#define XR_RATE_WAYS 4
struct xr_rate_slot {
	struct xr_rate_key key;
	struct xr_rate_state st;
};
_Static_assert(sizeof(struct xr_rate_slot) == 32, "xr_rate_slot layout");

struct xr_rate_set {
	struct xr_rate_slot slot[XR_RATE_WAYS];
};
_Static_assert(sizeof(struct xr_rate_set) == 128, "xr_rate_set layout");

/* Sources tracked when the profile does not say (defaults: rate_sources). */
#define XR_RATE_SOURCES_DEFAULT 65536
#define XR_RATE_SOURCES_MIN 1024
#define XR_RATE_SOURCES_MAX (16 * 1024 * 1024)

#ifndef __bpf__
#include <string.h>
#include <time.h>

/*
 * KEY as bpf/rate.h writes it: two native 64-bit words, bucket | family
 * << 32, then the source word as loaded from the packet (an IPv4 address
 * zero-extended, or the first 8 bytes of an IPv6 one). struct
 * xr_rate_key's bytes match those words on a little-endian host only;
 * this reads them on any. ADDR: the address bytes in network order (4 or
 * 8 of them, the rest 0).
 */
static inline void xr_rate_key_read(const struct xr_rate_key *key,
				    __u32 *bucket, __u8 *family, __u8 addr[8])
{
	__u64 w0, w1;
	__u32 a4;

	memcpy(&w0, key, sizeof(w0));
	memcpy(&w1, (const __u8 *)key + sizeof(w0), sizeof(w1));
	*bucket = (__u32)w0;
	*family = (__u8)(w0 >> 32);
	memset(addr, 0, 8);
	if (*family == 4) {
		a4 = (__u32)w1;
		memcpy(addr, &a4, sizeof(a4));
	} else {
		memcpy(addr, &w1, sizeof(w1));
	}
}

/*
 * The kernel's tick in ns, for xr_tables.rate_tick_ns: the coarse clocks'
 * resolution is the tick (TICK_NSEC), and jiffies count ticks. 0 when
 * the answer makes no sense: the program then reads the coarse clock.
 */
static inline __u32 xr_rate_tick_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec ||
	    res.tv_nsec < 100000 || res.tv_nsec > 100000000)
		return 0;
	return (__u32)res.tv_nsec;
}
#endif

/* Sets of xr_rate_src for SOURCES tracked: rounded up to a power of two. */
static inline __u32 xr_rate_sets(__u32 sources)
{
	__u32 sets = 1;

	while (sets * XR_RATE_WAYS < sources && sets < (1U << 30))
		sets <<= 1;
	return sets;
}

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
 *   pin XR_MAP_PORTS,      the object's ".bss" (kernel name
 *   XR_MAP_FLOW_PORTS and  "<object>.bss", skeleton maps.bss), one map
 *   XR_MAP_SOURCES         pinned under the three names: struct xr_tables. Its
 *                          first XR_PORT_KEYS 8-byte slots are the port
 *                          tables, laid out as an mmapable array map of
 *                          struct xr_port_entry would be, so the loader
 *                          fills them with stores through mmap.
 */
/*
 * The source prefilter: per generation and family, one bit per /24
 * (IPv4) or /48 (IPv6), folded to its low XR_SRC_PRE_BITS bits (IPv4:
 * address bits 8-27, i.e. (addr >> 8) & mask; IPv6: bits 28-47, i.e.
 * (high 64 bits >> 16) & mask), set where any rule lists a network that
 * covers part of such a prefix. A source whose bit is clear is in no
 * rule's list of its family, and is dropped without the rule's hash or
 * search: the source that brute-forces a source-restricted admin port is
 * almost never in a listed /24. A set bit proves nothing: the rule's own
 * list decides. A network that covers 2^XR_SRC_PRE_BITS prefixes or more
 * sets every bit.
 */
#define XR_SRC_PRE_BITS 20
#define XR_SRC_PRE_MASK ((1U << XR_SRC_PRE_BITS) - 1)
#define XR_SRC_PRE_WORDS (1U << (XR_SRC_PRE_BITS - 6))

struct xr_port_slot {
	struct xr_port_entry entry;
	__u32 pad;
};

struct xr_tables {
	struct xr_port_slot ports[XR_PORT_KEYS]; /* [xr_port_key()] */
	__u64 flow_ports[XR_FLOW_PORT_SLOTS]; /* [xr_stat_key()], XR_FLOW_CLOCK */
	/* Source lists (see struct xr_source_slice), written like the ports. */
	struct xr_source_slice src_slice[XR_GENS][XR_RULES_PER_GEN];
	struct xr_range4 src_v4[XR_GENS][XR_SOURCES_MAX];
	struct xr_range6 src_v6[XR_GENS][XR_SOURCES_MAX];
	/* Hashed source lists (see struct xr_source_hash), written likewise. */
	struct xr_source_hash src_hash[XR_GENS][XR_RULES_PER_GEN];
	struct xr_src_bucket4 src_h4[XR_GENS][1 << XR_SRC_HASH_BITS4];
	struct xr_src_bucket6 src_h6[XR_GENS][1 << XR_SRC_HASH_BITS6];
	/* The source prefilter (XR_SRC_PRE_BITS), written likewise. */
	__u64 src_pre4[XR_GENS][XR_SRC_PRE_WORDS];
	__u64 src_pre6[XR_GENS][XR_SRC_PRE_WORDS];
	/*
	 * xr_rate_src's hash seed and its sets - 1, and the kernel's tick in
	 * ns (clock_getres(CLOCK_MONOTONIC_COARSE), the rate limits' clock is
	 * jiffies times it), set by the loader when it loads the object (and
	 * so never by a reload). A mask of 0 puts every source in set 0, which
	 * only tracks fewer of them; a tick of 0 makes the clock
	 * bpf_ktime_get_coarse_ns(), the same time through a helper call.
	 * Last in the struct (bench/timing_paths.py finds the tick there).
	 */
	__u64 rate_seed;
	__u32 rate_set_mask;
	__u32 rate_tick_ns;
};
_Static_assert(sizeof(struct xr_port_slot) == 8, "xr_port_slot layout");
_Static_assert(sizeof(struct xr_tables) ==
		       XR_PORT_KEYS * 8 + XR_FLOW_PORT_SLOTS * 8 +
			       XR_GENS * (XR_RULES_PER_GEN * 16 +
					  XR_SOURCES_MAX * (8 + 32) +
					  XR_RULES_PER_GEN * 96 +
					  (32 << XR_SRC_HASH_BITS4) +
					  (128 << XR_SRC_HASH_BITS6) +
					  2 * 8 * XR_SRC_PRE_WORDS) +
			       16,
	       "xr_tables layout");

/*
 * Loader state kept in the pins beside the maps the packet path reads, so
 * that stats, status, reload and a confirm rollback work from any process.
 * The packet path never reads xr_rules or xr_meta.
 */

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
	/* Since when (unix seconds) the port and class counters count: the
	 * attach, or the last `stats --reset`. */
	__u64 counters_since;
	__u32 nremoved; /* rules in xr_rule_stats' removed block, not yet shown */
	__u32 pad2;
};

/*
 * Counters per rule identity (service, protocol, ports), kept by the
 * loader in xr_rule_stats; the packet path never reads it. Entry
 * gen * XR_RULES_PER_GEN + i belongs to rule i of generation gen, whose
 * counts are carried + (the sum of its ports' counters now - base). A
 * reload hands each rule's counts to the rule of the same identity in the
 * new generation (a new rule starts at zero); a rule with no successor is
 * copied, with its final counts, into the block XR_RULE_STATS_REMOVED
 * (xr_meta.nremoved entries), which `stats` shows once and empties.
 */
#define XR_RULE_STATS_REMOVED XR_GENS /* the block of removed rules */
#define XR_RULE_STATS_KEYS ((XR_GENS + 1) * XR_RULES_PER_GEN)

struct xr_rule_stats {
	struct xr_counters carried; /* counted under earlier generations */
	struct xr_counters base; /* its ports' sums when this generation began */
	__u64 since; /* unix seconds: when this rule began to count */
	__u64 removed_at; /* removed block: when the reload removed it */
	struct xr_rule_info info; /* removed block: the rule as it was */
};
_Static_assert(sizeof(struct xr_rule_stats) == 248, "xr_rule_stats layout");

/*
 * Drop capture (`xdp-reflector capture`, bpf/capture.h). While active_gen
 * has XR_GEN_CAPTURE, each dropped packet (would-drop in monitor mode)
 * that the filter admits is copied, at most snaplen bytes of it, into the
 * ring buffer xr_capture_rb as one struct xr_capture_rec. The capture
 * process owns the flag: it clears it on exit; a capture that was killed
 * is found by its PID and start time by the next capture, status, load
 * or reload, which clear the flag.
 */
#define XR_CAPTURE_RING_BYTES (4U << 20)
#define XR_CAPTURE_SNAP_MAX 2048 /* bytes copied per packet at most */
#define XR_CAPTURE_RANGES 8

struct xr_capture_range {
	__u8 proto; /* XR_PROTO_* */
	__u8 pad;
	__u16 first_port;
	__u16 last_port;
	__u16 pad2;
};

/* The single value of xr_capture (key 0). */
struct xr_capture_cfg {
	__u32 snaplen; /* 1..XR_CAPTURE_SNAP_MAX */
	__u32 nranges; /* 0: every drop; else port drops within ranges only */
	struct xr_capture_range ranges[XR_CAPTURE_RANGES];
	__u64 ring_full; /* copies the ring had no room for */
	__u64 owner_start; /* owner_pid's start time (/proc/PID/stat 22) */
	__u32 owner_pid; /* the capture process */
	__u32 pad;
};
_Static_assert(sizeof(struct xr_capture_cfg) == 96, "xr_capture_cfg layout");

/* One record of xr_capture_rb. */
struct xr_capture_rec {
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 wire_len; /* the whole frame */
	__u32 caplen; /* bytes of it in data */
	__u32 key; /* xr_stat_key(proto, port), or the enum xr_class */
	__u8 is_class; /* key is a class */
	__u8 monitor; /* monitor mode: the packet passed */
	__u16 pad;
	__u8 data[XR_CAPTURE_SNAP_MAX];
};

/*
 * xr_audit: who changed the policy on this interface, and who was refused
 * (loader/audit.c). Made and written by the loader only, under the pin
 * root's lock; the BPF object does not declare it. Key XR_AUDIT_CHANGE is
 * the last change that took effect (load, reload, confirm, rollback), key
 * XR_AUDIT_REFUSED the last attempt that changed nothing.
 */
#define XR_AUDIT_CHANGE 0
#define XR_AUDIT_REFUSED 1
#define XR_AUDIT_KEYS 2
#define XR_AUID_UNSET 0xffffffffU /* /proc/self/loginuid of no login */

struct xr_audit_rec {
	__u64 at; /* unix seconds; 0: no record */
	__u64 digest; /* of the compiled policy; 0: none compiled */
	__u32 uid;
	__u32 auid; /* login uid (kept across sudo), XR_AUID_UNSET */
	__s32 exit_code;
	__u32 pad;
	char action[16]; /* load, reload, confirm, rollback, detach */
	char result[16]; /* ok, refused, failed */
	char sudo_user[32]; /* SUDO_USER, "" when unset */
	char profile[64]; /* the compiled policy's name, else as given */
	char features[192]; /* enabled features, comma-separated */
	char reason[256]; /* the first error, or what a rollback did */
};
_Static_assert(sizeof(struct xr_audit_rec) == 608, "xr_audit_rec layout");

#endif /* XDP_REFLECTOR_H */
