/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the datapath modules share among themselves (datapath.c, generation.c,
 * xdp_attach.c, egress.c); the commands use datapath.h only.
 */
#ifndef XR_DATAPATH_PRIV_H
#define XR_DATAPATH_PRIV_H

#include <stddef.h>

#include "datapath.h"

/* DIR/NAME into BUF: 0 or -ENAMETOOLONG. */
int xr_dp_pin_path(const char *dir, const char *name, char *buf, size_t len);
/* The I-th map pin load makes (the maps come first in pins[]), NULL past them. */
const char *xr_dp_map_pin(size_t i);
/* Create DIR and pin every map of M in it; on failure nothing is left. */
int xr_dp_pin_maps(const struct xr_maps *m, const char *dir);
/* Remove every pin load can make under DIR, then DIR itself. */
void xr_dp_unpin_all(const char *dir);

struct xdp_reflector_bpf;
/*
 * Load this build's object and write POLICY into generation 0 (meta for
 * IFINDEX in MODE, active generation 0): the skeleton and its maps' fds in
 * M, nothing pinned or attached. Prints the reason on failure.
 */
int xr_dp_new_object(int ifindex, int mode, const struct xr_policy *policy,
		     int verbose, struct xdp_reflector_bpf **skel,
		     struct xr_maps *m);

/* Fill generation GEN with POLICY without making it active (generation.c). */
int xr_dp_write_generation(const struct xr_maps *m, __u32 gen,
			   const struct xr_policy *policy);
/* A reload, before the flip from FROM to TO: counts follow their rules. */
int xr_dp_ledger_carry(const struct xr_maps *m, __u32 from, __u32 to,
		       const struct xr_policy *policy);
/* A first load: generation GEN's rules count from zero, from now. */
int xr_dp_ledger_start(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *policy);

#endif /* XR_DATAPATH_PRIV_H */
