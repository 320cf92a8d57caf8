/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A compiled policy: what a deployment profile (policies/README.md) turns
 * into, ready to be written into the maps of include/xdp_reflector.h.
 * Built by profile.c (YAML -> profile) and policy.c (profile -> policy);
 * neither links libbpf, so both are unit-tested natively.
 */
#ifndef XR_POLICY_H
#define XR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdp_reflector.h"

#define XR_NAME_MAX XR_LABEL_LEN
#define XR_SERVICE_MAX XR_LABEL_LEN
#define XR_RULES_MAX XR_RULES_PER_GEN
#define XR_FEATURES_MAX 32
#define XR_TOGGLES_MAX 64

struct xr_cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefixlen; /* 0..32 or 0..128 */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 bytes */
};

/* One allow rule after compilation: a protocol and a contiguous port range. */
struct xr_rule {
	char service[XR_SERVICE_MAX];
	char feature[XR_NAME_MAX]; /* feature that enabled it, "" if unconditional */
	uint8_t proto; /* XR_PROTO_TCP or XR_PROTO_UDP */
	uint16_t first_port;
	uint16_t last_port;
	size_t nsources; /* 0: anyone may connect */
	struct xr_cidr *sources;
};

struct xr_feature_state {
	char name[XR_NAME_MAX];
	char description[128];
	bool enabled;
};

/* What the operator said on the command line: --enable, --disable, --source. */
struct xr_toggles {
	const char *enable[XR_TOGGLES_MAX];
	size_t nenable;
	const char *disable[XR_TOGGLES_MAX];
	size_t ndisable;
	const char *source[XR_TOGGLES_MAX]; /* "FEATURE=CIDR" as given */
	size_t nsource;
};

struct xr_policy {
	char name[XR_NAME_MAX];
	char description[256];
	struct xr_feature_state features[XR_FEATURES_MAX];
	size_t nfeatures;
	struct xr_rule *rules; /* sorted by protocol, then first_port */
	size_t nrules;
	struct xr_class_policy classes;
	/* The packet path's port table for one generation, per protocol. */
	struct xr_port_entry ports[XR_PROTOS][XR_PORTS_PER_PROTO];
};

/*
 * Resolve PROFILE (a built-in name or a path), parse, validate and compile it
 * with the operator's toggles. Errors are printed once to stderr as
 * "file:line:column: error: what is wrong; what would be right".
 * Returns 0, -EINVAL for a profile or toggle error (exit 2), or another
 * -errno for a runtime failure (exit 1). *out is heap-allocated (the port
 * tables are 512 KiB); free it with xr_policy_free().
 */
int xr_policy_build(const char *profile, const struct xr_toggles *toggles,
		    struct xr_policy **out);
void xr_policy_free(struct xr_policy *p);

/* Would the policy pass a new TCP/UDP flow from SRC (AF_INET/AF_INET6 bytes) to PORT? */
bool xr_policy_allows(const struct xr_policy *p, int proto, uint16_t port,
		      int family, const uint8_t *src);

/* A stable 64-bit digest of everything the packet path would see. */
uint64_t xr_policy_digest(const struct xr_policy *p);

/* Format a CIDR as text ("10.0.0.0/8", "2001:db8::/32"). */
void xr_cidr_format(const struct xr_cidr *c, char *buf, size_t len);

/* The directories searched for built-in profiles, in order (NULL-terminated). */
const char *const *xr_profile_dirs(void);

#endif /* XR_POLICY_H */
