/* SPDX-License-Identifier: GPL-2.0 */
/* `--confirm SECONDS`: roll back unless `xdp-reflector confirm` runs in time. */
#ifndef XR_CMD_CONFIRM_H
#define XR_CMD_CONFIRM_H

#include "cli.h"

/*
 * Record a pending confirmation in the pins and start a detached process
 * that, after o->confirm_secs, puts the previous state back: the previous
 * generation after a reload, no program after a first load.
 */
int xr_confirm_arm(const struct xr_opts *o, int first_load);

#endif /* XR_CMD_CONFIRM_H */
