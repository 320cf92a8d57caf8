/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the egress flow recorder (xr_egress) runs: a tcx link (kernel 6.6+),
 * pinned under the interface's pin dir beside the XDP link, or on older
 * kernels a clsact filter. Either way it returns TC_ACT_UNSPEC, so the
 * programs and filters after it still run. Functions return 0 or -errno and
 * print nothing.
 */
#ifndef XR_EGRESS_H
#define XR_EGRESS_H

#include <linux/types.h>

enum xr_egress_hook {
	XR_EGRESS_NONE,
	XR_EGRESS_TCX,
	XR_EGRESS_CLSACT,
};

struct xr_egress {
	int hook; /* enum xr_egress_hook */
	int link_fd; /* tcx: the link (also pinned) */
	int qdisc_created; /* clsact: this attach added the qdisc */
};

/*
 * Attach PROG_FD to IFINDEX's egress: tcx where the kernel has it (the link
 * pinned under DIR), else a clsact filter. XDP_REFLECTOR_EGRESS=clsact in
 * the environment skips tcx (tests, or a host whose tooling expects tc).
 */
int xr_egress_attach(int ifindex, int prog_fd, const char *dir,
		     struct xr_egress *eg);
/* The same with the hook chosen: XR_EGRESS_TCX (clsact where the kernel
 * has no tcx) or XR_EGRESS_CLSACT. A takeover keeps the old program's. */
int xr_egress_attach_as(int ifindex, int prog_fd, const char *dir, int hook,
			struct xr_egress *eg);
/*
 * A takeover over clsact replaces our filter (same handle and priority) in
 * one step: the program id of the one there now (0: none), and putting it
 * back (by an fd that holds it) when the takeover fails.
 */
int xr_egress_clsact_prog(int ifindex, __u32 *prog_id);
int xr_egress_clsact_restore(int ifindex, int prog_fd);
/* Take back a successful xr_egress_attach (a later step of load failed). */
void xr_egress_undo(int ifindex, const char *dir, struct xr_egress *eg);
/* Drop the attach's fd once the pin holds the link. */
void xr_egress_close(struct xr_egress *eg);
/*
 * Detach the recorder a load left under DIR: the pinned tcx link, else our
 * clsact filter on IFINDEX (0: the interface is gone, nothing to do), and
 * the qdisc too when QDISC_CREATED and no one else has a filter on it.
 */
int xr_egress_detach(const char *dir, int ifindex, int qdisc_created);

#endif /* XR_EGRESS_H */
