/* SPDX-License-Identifier: GPL-2.0 */
/* `--confirm SECONDS`: roll back unless `xdp-reflector confirm` runs in time. */
#ifndef XR_CMD_CONFIRM_H
#define XR_CMD_CONFIRM_H

#include "cli.h"
#include "xdp_reflector.h"

/* The XDP program a --replace load took over, to put back on rollback. */
struct xr_restore {
	int prog_fd; /* -1: none */
	int mode; /* XR_MODE_* it was attached in */
	int ifindex;
};

/*
 * Record a pending confirmation in the pins and start a detached process
 * that, after o->confirm_secs, puts the previous state back: the previous
 * generation after a reload; after a first load, no program, or the one
 * --replace took over (RESTORE).
 */
int xr_confirm_arm(const struct xr_opts *o, int first_load, __u32 rollback_gen,
		   const struct xr_restore *restore);

/* Is the process that would roll META's pending confirmation back alive? */
int xr_confirm_rollback_alive(const struct xr_meta *meta);

#endif /* XR_CMD_CONFIRM_H */
