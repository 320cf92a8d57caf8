/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `load --replace` over IFACE's own pins, whichever build made them (an
 * upgrade of the package): this build's program takes over without a gap.
 */
#ifndef XR_TAKEOVER_H
#define XR_TAKEOVER_H

#include "policy.h"

/*
 * Load this build's object with POLICY and pin its maps beside the old
 * ones (PIN_ROOT/IFACE:new, a name no interface has), put its egress
 * recorder beside the old one (tcx) or in its place (clsact: for the few ms
 * until the swap, flows the host opens reach only the new table), seed its
 * flow table, swap the program on the pinned XDP link (bpf_link_update with
 * BPF_F_REPLACE: every packet sees the old program or the new one), then
 * exchange the two pin directories and remove the old pins, which lets the
 * old recorder and maps go. MODE is the mode in force (a link keeps its
 * mode). On any failure the old program and its pins are as they were.
 * Prints the reason on failure.
 */
int xr_takeover(const char *root, const char *iface, int ifindex, int mode,
		const struct xr_policy *policy, int verbose);

#endif /* XR_TAKEOVER_H */
