/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `detect`: from a deployment read by compose.c (plus livekit.yaml and
 * coturn's turnserver.conf) to the profile it needs, and the warnings about
 * what the deployment publishes that the profile keeps closed (and the
 * reverse). The profile is compiled with the same code as `check` before it
 * is handed out. Nothing here links libbpf; cmd_detect.c adds the command
 * line, --listening (sock_diag) and the output.
 */
#ifndef XR_DETECT_H
#define XR_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "compose.h"
#include "policy.h"

/* What the operator must replace before `check` accepts the profile. */
#define XR_DETECT_PLACEHOLDER "ADMIN-NETWORK/LEN"

struct xr_detected {
	char base[XR_NAME_MAX]; /* the built-in extended, "" for none */
	char *yaml;		/* the profile */
	/* The profile compiled (the placeholder as a documentation network). */
	struct xr_policy *policy;
};

/*
 * Read livekit.yaml and turnserver.conf of D's directory, decide the
 * profile and compile it; warnings go to D. 0, -ENOENT (nothing to read: no
 * compose file, livekit.yaml or turnserver.conf; reported), -EINVAL
 * (reported) or another -errno.
 */
int xr_detect(struct xr_deploy *d, struct xr_detected *out);
void xr_detected_free(struct xr_detected *r);

/* Print D's warnings to stderr, each as "file:line:col: warning: ...". */
void xr_dwarnings_print(const struct xr_deploy *d);

#endif /* XR_DETECT_H */
