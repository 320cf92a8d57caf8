// SPDX-License-Identifier: GPL-2.0
/*
 * Commit-confirmed (iptables-apply, Junos `commit confirmed`). The pending
 * state lives in the xr_meta pin, so `confirm` works from any process and
 * the rollback happens even when the terminal that asked for it is gone.
 * Every check-and-write runs under the pin root's lock (xr_dp_lock), so a
 * confirm and a rollback never both win.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

static void clear_pending(struct xr_meta *meta)
{
	meta->confirm_deadline = 0;
	meta->confirm_token = 0;
	meta->confirm_pid = 0;
}

int xr_confirm_rollback_alive(const struct xr_meta *meta)
{
	char path[64], buf[256], *p;
	FILE *f;
	int alive = 0;

	if (!meta->confirm_pid)
		return 0;
	/* Alive and not a zombie nobody reaped (containers' init may not). */
	snprintf(path, sizeof(path), "/proc/%u/stat", meta->confirm_pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		alive = p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

/* Put the previous state back if TOKEN is still the pending confirmation. */
static void rollback(const struct xr_opts *o, __u64 token,
		     const struct xr_restore *restore)
{
	struct xr_meta meta;
	struct xr_maps m;
	int lock = xr_dp_lock(o->pin_root);

	if (lock < 0)
		return;
	if (xr_dp_open(o->pin_root, o->iface, &m))
		goto out;
	if (xr_dp_read_meta(&m, &meta) || meta.confirm_token != token) {
		xr_dp_close(&m);
		goto out;
	}
	if (meta.confirm_first_load) {
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
		goto out;
	}
	clear_pending(&meta);
	if (!xr_dp_set_active(&m, meta.confirm_rollback_gen) &&
	    !xr_dp_write_meta(&m, &meta))
		syslog(LOG_WARNING,
		       "%s: not confirmed in time: previous policy %s restored",
		       o->iface, meta.gen[meta.confirm_rollback_gen & 1].profile);
	else
		syslog(LOG_ERR, "%s: rollback failed", o->iface);
	xr_dp_close(&m);
out:
	close(lock);
}

/*
 * Runs in the detached process: wait the full SECS on the monotonic clock
 * (the wall-clock deadline in xr_meta is only for `status`), polling so that
 * a confirm or a detach ends this process early.
 */
static void rollback_after(const struct xr_opts *o, __u64 token, double until,
			   const struct xr_restore *restore)
{
	struct xr_meta meta;
	struct xr_maps m;
	int pending;

	openlog("xdp-reflector", LOG_PID, LOG_DAEMON);
	while (now_monotonic() < until) {
		if (xr_dp_open(o->pin_root, o->iface, &m))
			return;
		pending = !xr_dp_read_meta(&m, &meta) &&
			  meta.confirm_token == token;
		xr_dp_close(&m);
		if (!pending)
			return;
		usleep(100 * 1000);
	}
	rollback(o, token, restore);
}

/* In the rollback process: nothing of the caller's but the replaced program. */
static void close_inherited_fds(int keep)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (keep > 3)
		close_range(3, (unsigned int)keep - 1, 0);
	close_range(keep >= 3 ? (unsigned int)keep + 1 : 3, ~0U, 0);
}

int xr_confirm_arm(const struct xr_opts *o, int first_load, __u32 rollback_gen,
		   const struct xr_restore *restore)
{
	double until = now_monotonic() + o->confirm_secs;
	struct xr_meta meta;
	struct xr_maps m;
	int pipefd[2] = { -1, -1 }, err, status;
	pid_t child, daemon_pid = 0;
	__u64 token = 0;

	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	token |= 1;

	err = xr_dp_open(o->pin_root, o->iface, &m);
	if (!err)
		err = xr_dp_read_meta(&m, &meta);
	if (!err) {
		meta.confirm_deadline =
			(__u64)time(NULL) + (__u64)o->confirm_secs;
		meta.confirm_token = token;
		meta.confirm_first_load = (__u32)first_load;
		meta.confirm_rollback_gen = rollback_gen;
		err = xr_dp_write_meta(&m, &meta);
	}
	if (!err && pipe2(pipefd, O_CLOEXEC))
		err = -errno;
	if (err)
		goto fail;
	fflush(NULL);
	child = fork();
	if (child < 0) {
		err = -errno;
		goto fail;
	}
	if (child == 0) {
		/* Double fork: the rollback process outlives this terminal. */
		pid_t pid;

		setsid();
		pid = fork();
		if (pid != 0) {
			if (pid > 0)
				(void)!write(pipefd[1], &pid, sizeof(pid));
			_exit(pid < 0);
		}
		close_inherited_fds(restore->prog_fd);
		if (chdir("/"))
			_exit(1);
		rollback_after(o, token, until, restore);
		_exit(0);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	if (read(pipefd[0], &daemon_pid, sizeof(daemon_pid)) != sizeof(daemon_pid))
		daemon_pid = 0;
	waitpid(child, &status, 0);
	if (!daemon_pid) {
		err = -ECHILD;
		goto fail;
	}
	if (!xr_dp_read_meta(&m, &meta) && meta.confirm_token == token) {
		meta.confirm_pid = (__u32)daemon_pid;
		xr_dp_write_meta(&m, &meta);
	}
	close(pipefd[0]);
	xr_dp_close(&m);
	return 0;
fail:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	/* Leave no pending state that nothing will ever resolve. */
	if (!xr_dp_read_meta(&m, &meta) && meta.confirm_token == token) {
		clear_pending(&meta);
		xr_dp_write_meta(&m, &meta);
	}
	fprintf(stderr, "error: %s: cannot start the --confirm rollback: %s\n",
		o->iface, strerror(-err));
	xr_dp_close(&m);
	return err;
}

int xr_cmd_confirm(struct xr_opts *o)
{
	struct xr_meta meta;
	struct xr_maps m;
	int lock, err;

	lock = xr_dp_lock(o->pin_root);
	err = lock < 0 ? lock : xr_dp_open(o->pin_root, o->iface, &m);
	if (err) {
		fprintf(stderr, "error: %s: xdp-reflector is not loaded here\n",
			o->iface);
		if (lock >= 0)
			close(lock);
		return XR_EXIT_RUNTIME;
	}
	err = xr_dp_read_meta(&m, &meta);
	if (!err && !meta.confirm_deadline) {
		xr_dp_close(&m);
		close(lock);
		fprintf(stderr, "error: %s: nothing is waiting for confirmation\n",
			o->iface);
		return XR_EXIT_RUNTIME;
	}
	if (!err) {
		clear_pending(&meta);
		err = xr_dp_write_meta(&m, &meta);
	}
	xr_dp_close(&m);
	close(lock);
	if (err) {
		fprintf(stderr, "error: %s: cannot confirm: %s\n", o->iface,
			strerror(-err));
		return XR_EXIT_RUNTIME;
	}
	printf("%s: confirmed\n", o->iface);
	return XR_EXIT_OK;
}
