// SPDX-License-Identifier: GPL-2.0
/*
 * Commit-confirmed (iptables-apply, Junos `commit confirmed`). The pending
 * state lives in the xr_meta pin, so `confirm` works from any process and
 * the rollback happens even when the terminal that asked for it is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_confirm.h"
#include "datapath.h"

static double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs in the detached process: wait the full SECS on the monotonic clock
 * (the wall-clock deadline in xr_meta is only for `status`), then roll back
 * if still pending.
 */
static void rollback_after(const struct xr_opts *o, __u64 token, double until,
			   int first_load, const struct xr_restore *restore)
{
	struct xr_meta meta;
	struct xr_maps m;
	__u32 active;

	openlog("xdp-reflector", LOG_PID, LOG_DAEMON);
	for (;;) {
		/* Poll so that a confirm or a detach ends this process early. */
		if (xr_dp_open(o->pin_root, o->iface, &m))
			return;
		if (xr_dp_read_meta(&m, &meta) || meta.confirm_token != token ||
		    !meta.confirm_deadline) {
			xr_dp_close(&m);
			return;
		}
		if (now_monotonic() >= until)
			break;
		xr_dp_close(&m);
		usleep(200 * 1000);
	}
	if (first_load) {
		xr_dp_close(&m);
		xr_dp_detach(o->pin_root, o->iface);
		/* The program --replace took over goes back where it was. */
		if (restore->prog_fd >= 0 &&
		    xr_dp_reattach(restore->ifindex, restore->prog_fd,
				   restore->mode))
			syslog(LOG_ERR, "%s: could not put the replaced XDP program back",
			       o->iface);
		syslog(LOG_WARNING, "%s: not confirmed in time: detached",
		       o->iface);
		return;
	}
	meta.confirm_deadline = 0;
	meta.confirm_token = 0;
	meta.confirm_pid = 0;
	if (!xr_dp_active_gen(&m, &active) && !xr_dp_set_active(&m, !active) &&
	    !xr_dp_write_meta(&m, &meta))
		syslog(LOG_WARNING,
		       "%s: not confirmed in time: previous policy %s restored",
		       o->iface, meta.gen[!active].profile);
	else
		syslog(LOG_ERR, "%s: rollback failed", o->iface);
	xr_dp_close(&m);
}

int xr_confirm_arm(const struct xr_opts *o, int first_load,
		   const struct xr_restore *restore)
{
	__u64 token = 0, deadline;
	double until = now_monotonic() + o->confirm_secs;
	struct xr_meta meta;
	struct xr_maps m;
	int pipefd[2], err, status;
	pid_t child, daemon_pid = 0;

	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	token |= 1;
	deadline = (__u64)time(NULL) + (__u64)o->confirm_secs;

	err = xr_dp_open(o->pin_root, o->iface, &m);
	if (!err)
		err = xr_dp_read_meta(&m, &meta);
	if (!err) {
		meta.confirm_deadline = deadline;
		meta.confirm_token = token;
		meta.confirm_first_load = (__u32)first_load;
		err = xr_dp_write_meta(&m, &meta);
	}
	if (err || pipe(pipefd)) {
		err = err ? err : -errno;
		goto fail;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		err = -errno;
		goto fail;
	}
	if (child == 0) {
		/* Double fork: the rollback process outlives this terminal. */
		pid_t pid;
		int fd;

		setsid();
		pid = fork();
		if (pid != 0) {
			if (pid > 0)
				(void)!write(pipefd[1], &pid, sizeof(pid));
			_exit(pid < 0);
		}
		close(pipefd[0]);
		close(pipefd[1]);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		if (chdir("/"))
			_exit(1);
		rollback_after(o, token, until, first_load, restore);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &daemon_pid, sizeof(daemon_pid)) != sizeof(daemon_pid))
		daemon_pid = 0;
	close(pipefd[0]);
	waitpid(child, &status, 0);
	if (!daemon_pid) {
		err = -ECHILD;
		goto fail;
	}
	if (!xr_dp_read_meta(&m, &meta) && meta.confirm_token == token) {
		meta.confirm_pid = (__u32)daemon_pid;
		xr_dp_write_meta(&m, &meta);
	}
	xr_dp_close(&m);
	return 0;
fail:
	fprintf(stderr, "error: %s: cannot arm the --confirm rollback: %s; "
			"the new policy is in force without it\n",
		o->iface, strerror(-err));
	xr_dp_close(&m);
	return err;
}

int xr_cmd_confirm(struct xr_opts *o)
{
	struct xr_meta meta;
	struct xr_maps m;
	int err;

	err = xr_dp_open(o->pin_root, o->iface, &m);
	if (err) {
		fprintf(stderr, "error: %s: xdp-reflector is not loaded here\n",
			o->iface);
		return XR_EXIT_RUNTIME;
	}
	err = xr_dp_read_meta(&m, &meta);
	if (!err && !meta.confirm_deadline) {
		xr_dp_close(&m);
		fprintf(stderr, "error: %s: nothing is waiting for confirmation\n",
			o->iface);
		return XR_EXIT_RUNTIME;
	}
	if (!err) {
		meta.confirm_deadline = 0;
		meta.confirm_token = 0;
		meta.confirm_pid = 0;
		err = xr_dp_write_meta(&m, &meta);
	}
	xr_dp_close(&m);
	if (err) {
		fprintf(stderr, "error: %s: cannot confirm: %s\n", o->iface,
			strerror(-err));
		return XR_EXIT_RUNTIME;
	}
	printf("%s: confirmed\n", o->iface);
	return XR_EXIT_OK;
}
