// SPDX-License-Identifier: GPL-2.0
/*
 * The --confirm rollback process: `xdp-reflector __rollback IFACE ROOT TOKEN
 * SECONDS RESTORE_MODE`, started by xr_confirm_arm() (cmd_confirm.c) as a
 * transient systemd unit or a detached process, never by hand. It records
 * its PID, start time and deadline in xr_meta; the load or reload returns
 * right after that, so the operator has the full SECONDS however long the
 * start took. It waits on the monotonic clock, polling so that a confirm, a
 * detach or a newer change ends it early, then, if TOKEN is still the
 * pending confirmation, puts the previous state back under the pin root's
 * lock. It signals no one.
 *
 * Also here: the restore pin, ROOT/IFACE/xr_restore, which keeps the XDP
 * program a --replace --confirm load took over alive for this process (a
 * systemd unit inherits no file descriptor).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "audit.h"
#include "cli.h"
#include "cmd_confirm.h"
#include "datapath.h"
#include "iface.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int restore_path(const char *root, const char *iface, char *buf,
			size_t len)
{
	char dir[256];
	int n, err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));

	if (err)
		return err;
	n = snprintf(buf, len, "%s/%s", dir, XR_PIN_RESTORE);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xr_confirm_pin_restore(const char *root, const char *iface, int fd)
{
	char path[320];
	int err = restore_path(root, iface, path, sizeof(path));

	if (err)
		return err;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

void xr_confirm_drop_restore(const char *root, const char *iface)
{
	char path[320];

	if (restore_path(root, iface, path, sizeof(path)))
		return;
	unlink(path);
	/* After a detach it was the last entry: the directory goes too. */
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

/*
 * Record this process as TOKEN's rollback, due SECS from now (UNTIL, on the
 * monotonic clock). The command that armed it holds the pin root's lock and
 * waits for this write, so it is made without the lock, on that command's
 * behalf. 0, or -ESRCH when TOKEN is not pending.
 */
static int record_self(const char *root, const char *iface, __u64 token,
		       __u64 secs, __u64 *until)
{
	struct xr_meta meta;
	struct xr_maps m;
	int running, err = xr_dp_open(root, iface, &m);

	if (err)
		return err;
	err = xr_dp_read_meta(&m, &meta);
	if (!err && (meta.confirm_token != token || meta.confirm_pid))
		err = -ESRCH;
	if (!err) {
		*until = mono_ns() + secs * 1000000000ULL;
		meta.confirm_deadline = (__u64)time(NULL) + secs;
		meta.confirm_pid = (__u32)getpid();
		meta.confirm_pid_start = xr_proc_start(getpid(), &running);
		err = meta.confirm_pid_start ? xr_dp_write_meta(&m, &meta)
					     : -ESRCH;
	}
	xr_dp_close(&m);
	return err;
}

/*
 * Put the previous state back if TOKEN is still the pending confirmation,
 * and say so in the audit trail (audit.c): one line, with who made the
 * change that was not confirmed.
 */
static void rollback(const char *root, const char *iface, __u64 token,
		     int restore_mode)
{
	struct xr_meta_policy taken_back;
	struct xr_audit_rec change;
	struct xr_meta meta;
	struct xr_maps m;
	char path[320], what[200];
	sigset_t all, old;
	int lock, fd = -1, ok = 1;

	lock = xr_dp_lock(root);
	if (lock < 0) {
		syslog(LOG_ERR, "%s: rollback: cannot lock %s: %s", iface, root,
		       strerror(-lock));
		return;
	}
	/* A stop request (shutdown, a unit stop) waits until this is done. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (xr_dp_open(root, iface, &m))
		goto out;
	if (xr_dp_read_meta(&m, &meta) || meta.confirm_token != token) {
		xr_dp_close(&m);
		goto out;
	}
	xr_audit_read_change(root, iface, &change);
	if (meta.confirm_first_load) {
		/* A first load has one generation: 0. */
		taken_back = meta.gen[0];
		xr_dp_close(&m);
		if (restore_mode &&
		    !restore_path(root, iface, path, sizeof(path)))
			fd = bpf_obj_get(path);
		if (xr_dp_detach(root, iface)) {
			ok = 0;
			snprintf(what, sizeof(what),
				 "not confirmed in time: detach failed");
		} else {
			xr_confirm_drop_restore(root, iface);
			snprintf(what, sizeof(what),
				 "not confirmed in time: detached");
		}
		/* The program --replace took over goes back where it was. */
		if (restore_mode &&
		    (fd < 0 ||
		     xr_dp_reattach((int)meta.ifindex, fd, restore_mode))) {
			ok = 0;
			snprintf(what + strlen(what),
				 sizeof(what) - strlen(what),
				 "; could not put the replaced XDP program "
				 "back");
		} else if (restore_mode) {
			snprintf(what + strlen(what),
				 sizeof(what) - strlen(what),
				 "; the replaced XDP program is back");
		}
		if (fd >= 0)
			close(fd);
		xr_audit_rollback(root, iface, &change, &taken_back, ok, what);
		goto out;
	}
	taken_back = meta.gen[(meta.confirm_rollback_gen & 1) ^ 1];
	xr_confirm_clear(&meta);
	/* META first: the flip back writes its own fields (the ledger's). */
	if (!xr_dp_write_meta(&m, &meta) &&
	    !xr_dp_flip_back(&m, meta.confirm_rollback_gen)) {
		snprintf(
			what, sizeof(what),
			"not confirmed in time: previous policy %.64s restored",
			meta.gen[meta.confirm_rollback_gen & 1].profile);
	} else {
		ok = 0;
		snprintf(what, sizeof(what),
			 "not confirmed in time: rollback failed");
	}
	xr_dp_close(&m);
	xr_audit_rollback(root, iface, &change, &taken_back, ok, what);
out:
	close(lock);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Is TOKEN still pending? 0 when not (or the pins are gone): nothing to do. */
static int still_pending(const char *root, const char *iface, __u64 token)
{
	struct xr_meta meta;
	struct xr_maps m;
	int pending;

	if (xr_dp_open(root, iface, &m))
		return 0;
	pending = !xr_dp_read_meta(&m, &meta) && meta.confirm_token == token;
	xr_dp_close(&m);
	return pending;
}

int xr_cmd_rollback(int argc, char **argv)
{
	const char *iface, *root;
	unsigned long long token, secs;
	__u64 until = 0;
	char *end1, *end2, *end3;
	long mode;

	if (argc != 6) {
		fprintf(stderr,
			"error: %s is started by load or reload --confirm, not "
			"by hand\n",
			XR_ROLLBACK_CMD);
		return XR_EXIT_USAGE;
	}
	iface = argv[1];
	root = argv[2];
	if (xr_iface_check_name(iface))
		return XR_EXIT_USAGE;
	errno = 0;
	token = strtoull(argv[3], &end1, 16);
	secs = strtoull(argv[4], &end2, 10);
	mode = strtol(argv[5], &end3, 10);
	if (errno || *end1 || *end2 || *end3 || !token || !secs ||
	    secs > 86400 || root[0] != '/' ||
	    (mode != 0 && mode != XR_MODE_NATIVE && mode != XR_MODE_GENERIC)) {
		fprintf(stderr,
			"error: %s: bad arguments (IFACE ROOT TOKEN SECONDS "
			"MODE)\n",
			XR_ROLLBACK_CMD);
		return XR_EXIT_USAGE;
	}
	signal(SIGHUP, SIG_IGN);
	openlog("xdp-reflector", LOG_PID, LOG_DAEMON);
	if (record_self(root, iface, token, secs, &until)) {
		syslog(LOG_ERR,
		       "%s: rollback: not the pending confirmation; exiting",
		       iface);
		return XR_EXIT_RUNTIME;
	}
	while (mono_ns() < until) {
		if (!still_pending(root, iface, token))
			return XR_EXIT_OK;
		usleep(100 * 1000);
	}
	rollback(root, iface, token, (int)mode);
	return XR_EXIT_OK;
}
