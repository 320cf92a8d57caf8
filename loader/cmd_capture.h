/* SPDX-License-Identifier: GPL-2.0 */
/* capture: copies of dropped packets as pcap (cmd_capture.c). */
#ifndef XR_CMD_CAPTURE_H
#define XR_CMD_CAPTURE_H

#include "datapath.h"

/*
 * A capture flag left by a capture that was killed (its PID gone, or now
 * another process): clear it, so drops stop being copied. 1 when cleared,
 * 0 when no capture is on or its owner lives, -errno. The caller holds
 * xr_dp_lock().
 */
int xr_capture_clear_stale(const struct xr_maps *m);

/* The capture's owner PID when one runs, else 0. */
__u32 xr_capture_owner(const struct xr_maps *m);

#endif /* XR_CMD_CAPTURE_H */
