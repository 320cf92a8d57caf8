/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A compiled policy: what a deployment profile (policies/README.md) turns
 * into, ready to be written into the maps of include/xdp_reflector.h.
 * toggles.c builds the rules from a profile; policy.c compiles them into the
 * per-port tables. Neither knows YAML nor links libbpf: unit-tested natively.
 */
#ifndef XR_POLICY_H
#define XR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "diag.h"
#include "xdp_reflector.h"

#define XR_NAME_MAX XR_LABEL_LEN
#define XR_SERVICE_MAX XR_LABEL_LEN
#define XR_RULES_MAX XR_RULES_PER_GEN
#define XR_FEATURES_MAX 32

/*
 * `rate: {per_source: COUNT/PERIOD, burst: BURST}` of an entry; count 0:
 * no limit. The packet path's form is struct xr_rate_rule (xr_rate_rule_of).
 */
struct xr_rate_limit {
	uint32_t count;	 /* packets per period, per source */
	uint32_t period; /* seconds: 1 (N/s) or 60 (N/min) */
	uint32_t burst;	 /* packets at once */
};

/* One allow rule after compilation: a protocol and a contiguous port range. */
struct xr_rule {
	char service[XR_SERVICE_MAX];
	char feature[XR_NAME_MAX]; /* feature that enabled it, "" if
				      unconditional */
	uint8_t proto;		   /* XR_PROTO_TCP or XR_PROTO_UDP */
	uint16_t first_port;
	uint16_t last_port;
	size_t nsources; /* 0: anyone may connect */
	struct xr_cidr *sources;
	bool guard;	     /* guard: webrtc (UDP only) */
	struct xr_rate_limit rate; /* rate.count 0: none */
};

struct xr_feature_state {
	char name[XR_NAME_MAX];
	char description[128];
	bool enabled;
};

/*
 * One generation's source lists as the packet path searches them
 * (include/xdp_reflector.h, struct xr_source_slice): per rule, its
 * networks as sorted, merged ranges of each family.
 */
struct xr_policy_sources {
	struct xr_source_slice slice[XR_RULES_MAX];
	struct xr_range4 *v4;
	struct xr_range6 *v6;
	size_t n4, n6;
	/* Hashed lists: one generation's buckets, NULL while none is hashed. */
	struct xr_source_hash hash[XR_RULES_MAX];
	struct xr_src_bucket4 *h4;
	struct xr_src_bucket6 *h6;
	/* The prefilter's bits (XR_SRC_PRE_WORDS each), NULL: none set. */
	__u64 *pre4;
	__u64 *pre6;
};

struct xr_policy {
	char name[XR_NAME_MAX];
	char description[256];
	struct xr_feature_state features[XR_FEATURES_MAX];
	size_t nfeatures;
	struct xr_rule *rules; /* sorted by protocol, then first_port */
	size_t nrules;
	struct xr_class_policy classes;
	uint32_t rate_sources; /* xr_rate_src's size, set at load */
	/* The packet path's port table for one generation, per protocol. */
	struct xr_port_entry ports[XR_PROTOS][XR_PORTS_PER_PROTO];
	struct xr_policy_sources src; /* the rules' sources, compiled */
};

/*
 * Compile RULES (N, sorted by protocol then first port, disjoint; their
 * sources are copied) into P, whose name is set: P's rules and port tables.
 * A policy over the packet path's limits is reported at AT (the profile).
 * 0, -EINVAL or -ENOMEM.
 */
int xr_policy_compile(struct xr_policy *p, const struct xr_rule *rules,
		      size_t n, const struct xr_loc *at);
void xr_policy_free(struct xr_policy *p);

/*
 * RULE's sources CIDRS (N, any order) as its slice of SRC: each family's
 * networks as ranges, sorted and merged, IPv6 without ::ffff:0:0/96.
 * 0, -E2BIG (more than XR_SOURCES_MAX ranges of a family) or -ENOMEM.
 */
int xr_sources_add(struct xr_policy_sources *src, size_t rule,
		   const struct xr_cidr *cidrs, size_t n);
void xr_sources_free(struct xr_policy_sources *src);
/*
 * SRC into generation GEN of T (the packet path's tables, mmapped): every
 * slice of GEN, then the ranges they point to.
 */
void xr_sources_store(struct xr_tables *t, uint32_t gen,
		      const struct xr_policy_sources *src);

/* Would the policy pass a new TCP/UDP flow from SRC (AF_INET/AF_INET6 bytes) to
 * PORT? */
bool xr_policy_allows(const struct xr_policy *p, int proto, uint16_t port,
		      int family, const uint8_t *src);

/* Rule R's limit as the packet path reads it (xr_rate_rules); zero if none. */
void xr_rate_rule_of(const struct xr_rule *r, struct xr_rate_rule *out);
/* "20/s burst 40", or "" without a limit. Returns BUF. */
char *xr_rate_text(const struct xr_rate_limit *rate, char *buf, size_t len);

/* A stable 64-bit digest of everything the packet path would see. */
uint64_t xr_policy_digest(const struct xr_policy *p);

#endif /* XR_POLICY_H */
