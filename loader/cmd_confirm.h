/* SPDX-License-Identifier: GPL-2.0 */
/* `--confirm SECONDS`: roll back unless `xdp-reflector confirm` runs in time.
 */
#ifndef XR_CMD_CONFIRM_H
#define XR_CMD_CONFIRM_H

#include <sys/types.h>

#include "cli.h"
#include "xdp_reflector.h"

/* The hidden command that runs the rollback (cmd_rollback.c). */
#define XR_ROLLBACK_CMD "__rollback"
/* Under PIN_ROOT/IFACE/: the program a --replace --confirm load took over. */
#define XR_PIN_RESTORE "xr_restore"

/* The XDP program a --replace load took over, to put back on rollback. */
struct xr_restore {
	int prog_fd; /* -1: none */
	int mode;    /* XR_MODE_* it was attached in */
	int ifindex;
};

/*
 * Record a pending confirmation in the pins and start the rollback process
 * (a transient systemd unit when systemd is PID 1, else a detached process),
 * which puts the previous state back after o->confirm_secs: the previous
 * generation after a reload; after a first load, no program, or the one
 * --replace took over (RESTORE). Returns once the rollback process has
 * recorded itself in xr_meta. Called under the pin root's lock. On failure
 * nothing pending is left (the caller undoes its change) and the reason is
 * printed.
 */
int xr_confirm_arm(const struct xr_opts *o, int first_load, __u32 rollback_gen,
		   const struct xr_restore *restore);

/*
 * Is the process that would roll META's pending confirmation back alive, and
 * the one that recorded itself (same PID and start time, not a zombie)?
 */
int xr_confirm_rollback_alive(const struct xr_meta *meta);

/* Forget META's pending confirmation (the caller writes META back). */
void xr_confirm_clear(struct xr_meta *meta);

/* Start time of PID (/proc/PID/stat field 22, clock ticks since boot) and
 * whether it runs (not a zombie): 0 when unreadable. */
__u64 xr_proc_start(pid_t pid, int *running);

/* The restore pin (cmd_rollback.c): pin program FD; remove the pin, and
 * the pin directory if that was its last entry (after a detach). */
int xr_confirm_pin_restore(const char *root, const char *iface, int fd);
void xr_confirm_drop_restore(const char *root, const char *iface);

#endif /* XR_CMD_CONFIRM_H */
