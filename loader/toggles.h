/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a profile and the operator's toggles to a compiled policy: the one
 * call every command that needs a policy makes.
 */
#ifndef XR_TOGGLES_H
#define XR_TOGGLES_H

#include <stddef.h>

#include "policy.h"

#define XR_TOGGLES_MAX 64

/* What the operator said on the command line: --enable, --disable, --source. */
struct xr_toggles {
	const char *enable[XR_TOGGLES_MAX];
	size_t nenable;
	const char *disable[XR_TOGGLES_MAX];
	size_t ndisable;
	const char *source[XR_TOGGLES_MAX]; /* "FEATURE=CIDR" as given */
	size_t nsource;
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

#endif /* XR_TOGGLES_H */
