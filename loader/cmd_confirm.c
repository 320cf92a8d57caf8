// SPDX-License-Identifier: GPL-2.0
/*
 * Commit-confirmed (iptables-apply, Junos `commit confirmed`). The pending
 * state lives in the xr_meta pin, so `confirm` works from any process and
 * the rollback happens even when the terminal that asked for it is gone.
 * Every check-and-write runs under the pin root's lock (xr_dp_lock), so a
 * confirm and a rollback never both win: the token in xr_meta decides.
 *
 * The rollback process is this binary run as `xdp-reflector __rollback ...`
 * (cmd_rollback.c):
 *  - when systemd is PID 1, as the transient system service
 *    xdp-reflector-rollback-IFACE-TOKEN.service (systemd-run): it is not in
 *    the operator's session scope, so logind's KillUserProcesses, which ends
 *    the session's processes when the SSH session closes, cannot end it;
 *  - otherwise as a double-forked process in a session of its own.
 * It records its PID and start time (/proc/PID/stat field 22) in xr_meta
 * before the load or reload returns. A PID is trusted only while it has that
 * start time: a PID now used by another process means "the rollback process
 * is gone", and that process is never signalled.
 *
 * `confirm` clears the pending state under the lock (the rollback process
 * then finds nothing to do and exits within 100 ms), then sends SIGTERM
 * through a pidfd opened before the start-time check, so the signal cannot
 * reach a process that took the PID meanwhile. In both cases that is the
 * whole stop: with systemd the process is the unit's main process, so the
 * unit ends with it and --collect unloads it.
 *
 * XR_TEST_SYSTEMD_PID1=1 (or 0), for tests only, overrides that choice
 * (use_systemd()), so that tests/e2e/rollback.sh can drive the systemd path
 * with a stub systemd-run first in PATH on a machine without systemd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_confirm.h"
#include "datapath.h"
#include "pin_compat.h"

/* How long arming waits for the rollback process to record itself. */
#define RECORD_SECS 15
#define UNIT_PREFIX "xdp-reflector-rollback-"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void xr_confirm_clear(struct xr_meta *meta)
{
	meta->confirm_deadline = 0;
	meta->confirm_token = 0;
	meta->confirm_pid = 0;
	meta->confirm_pid_start = 0;
}

__u64 xr_proc_start(pid_t pid, int *running)
{
	char path[64], buf[2048], *p;
	int field;
	FILE *f;

	*running = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* The name (field 2) may hold spaces and ')': fields 3.. follow the
	 * last ')'. Field 3 is the state, field 22 the start time. */
	p = p ? strrchr(buf, ')') : NULL;
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	*running = *p != 'Z' && *p != 'X';
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

/*
 * Is META's rollback process the one that recorded itself? With PIDFD, also
 * a pidfd for it: opened before the start time is compared, so that a match
 * proves the pidfd names that process and not one that took its PID later.
 */
static int rollback_verified(const struct xr_meta *meta, int *pidfd)
{
	pid_t pid = (pid_t)meta->confirm_pid;
	int running, fd = -1;

	if (pidfd)
		*pidfd = -1;
	if (!meta->confirm_pid || !meta->confirm_pid_start)
		return 0;
	if (pidfd) {
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (fd < 0)
			return 0;
	}
	if (xr_proc_start(pid, &running) != meta->confirm_pid_start ||
	    !running) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (pidfd)
		*pidfd = fd;
	return 1;
}

int xr_confirm_rollback_alive(const struct xr_meta *meta)
{
	return rollback_verified(meta, NULL);
}

/*
 * Run the rollback as a systemd unit? When systemd is PID 1 (sd_booted()'s
 * test, and PID 1 is systemd itself) and this process shares PID 1's mount
 * namespace, so that the unit finds the pin root at the same path.
 */
static int use_systemd(void)
{
	const char *test = getenv("XR_TEST_SYSTEMD_PID1");
	struct stat a, b;
	char comm[32] = "";
	FILE *f;

	if (test && *test)
		return !strcmp(test, "1");
	if (access("/run/systemd/system", F_OK))
		return 0;
	f = fopen("/proc/1/comm", "re");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "systemd\n") && !stat("/proc/self/ns/mnt", &a) &&
	       !stat("/proc/1/ns/mnt", &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* xdp-reflector-rollback-IFACE-TOKEN, IFACE escaped as systemd-escape does. */
static void unit_name(char *buf, size_t len, const char *iface, __u64 token)
{
	size_t n = (size_t)snprintf(buf, len, "--unit=" UNIT_PREFIX);
	const unsigned char *c;

	for (c = (const unsigned char *)iface; *c && n + 5 < len; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '.')
			buf[n++] = (char)*c;
		else
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", *c);
	}
	snprintf(buf + n, len - n, "-%016llx", (unsigned long long)token);
}

/* In a child before exec: no descriptor of ours but stdio. */
static void child_fds(int keep_stderr)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (!keep_stderr)
			dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
}

/*
 * fork() with a close-on-exec pipe between the two: 0 in the child, its
 * PID in the parent, -errno (and no pipe left open) on failure.
 */
static pid_t fork_piped(int p[2])
{
	pid_t child;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	child = fork();
	if (child < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	return child;
}

/*
 * systemd-run the rollback as a transient system service. Its properties:
 * Type=exec (systemd-run returns once the binary runs, so a failure is known
 * here), --collect (unloaded even after a failure), NetworkNamespacePath
 * (it acts in this process's network namespace, where IFACE's ifindex
 * means IFACE), --no-ask-password (never waits for a prompt). Not --user,
 * not --scope: a service of the system manager, outside any session.
 */
static int start_unit(const char *iface, __u64 token, char *const rb_argv[],
		      char *why, size_t len)
{
	char unit[160], netns[96], desc[96], err_line[160] = "";
	char *argv[24];
	int p[2], status, i = 0, j;
	pid_t child;
	ssize_t n;

	unit_name(unit, sizeof(unit), iface, token);
	snprintf(netns, sizeof(netns),
		 "--property=NetworkNamespacePath=/proc/%d/ns/net",
		 (int)getpid());
	snprintf(desc, sizeof(desc),
		 "--description=xdp-reflector: roll %s back unless confirmed",
		 iface);
	argv[i++] = "systemd-run";
	argv[i++] = unit;
	argv[i++] = "--collect";
	argv[i++] = "--quiet";
	argv[i++] = "--no-ask-password";
	argv[i++] = "--property=Type=exec";
	argv[i++] = netns;
	argv[i++] = desc;
	argv[i++] = "--";
	for (j = 0; rb_argv[j] && i < 23; j++)
		argv[i++] = rb_argv[j];
	argv[i] = NULL;

	child = fork_piped(p);
	if (child < 0)
		return child;
	if (child == 0) {
		dup2(p[1], 2); /* its reason, for our one error line */
		child_fds(1);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run systemd-run: %s\n",
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	/* Keep the first line of what it says; read all so it cannot block. */
	n = read(p[0], err_line, sizeof(err_line) - 1);
	if (n > 0) {
		char rest[512];

		err_line[n] = '\0';
		err_line[strcspn(err_line, "\n")] = '\0';
		while (read(p[0], rest, sizeof(rest)) > 0)
			;
	}
	close(p[0]);
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(why, len, "systemd-run %s %d%s%s",
		 WIFEXITED(status) ? "exited" : "killed by signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		 err_line[0] ? ": " : "", err_line);
	return -ECHILD;
}

/* A message from the children of start_detached() through the pipe. */
struct start_msg {
	int kind; /* 1: the rollback's PID, 2: its exec failed with errno */
	int value;
};

/* The rollback as a double-forked process in a session of its own. */
static int start_detached(char *const rb_argv[], pid_t *pid_out, char *why,
			  size_t len)
{
	struct start_msg msg;
	int p[2], status, exec_errno = 0;
	pid_t child;

	*pid_out = 0;
	child = fork_piped(p);
	if (child < 0)
		return child;
	if (child == 0) {
		pid_t pid;

		close(p[0]);
		setsid();
		pid = fork();
		if (pid != 0) {
			msg.kind = 1;
			msg.value = (int)pid;
			if (pid > 0)
				(void)!write(p[1], &msg, sizeof(msg));
			_exit(pid < 0);
		}
		child_fds(0);
		if (chdir("/"))
			_exit(127);
		/* The pipe closes on exec: EOF tells the loader it worked. */
		execv("/proc/self/exe", rb_argv);
		msg.kind = 2;
		msg.value = errno;
		(void)!write(p[1], &msg, sizeof(msg));
		_exit(127);
	}
	close(p[1]);
	while (read(p[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		if (msg.kind == 1)
			*pid_out = (pid_t)msg.value;
		else
			exec_errno = msg.value;
	}
	close(p[0]);
	waitpid(child, &status, 0);
	if (!*pid_out) {
		snprintf(why, len, "fork failed");
		return -ECHILD;
	}
	if (exec_errno) {
		snprintf(why, len, "cannot run %s: %s", rb_argv[0],
			 strerror(exec_errno));
		return -exec_errno;
	}
	return 0;
}

/* Wait until TOKEN's rollback process has recorded itself in xr_meta. */
static int wait_recorded(const struct xr_maps *m, __u64 token, pid_t pid,
			 char *why, size_t len)
{
	__u64 end = mono_ns() + RECORD_SECS * 1000000000ULL;
	struct xr_meta meta;
	int err, running;

	for (;;) {
		err = xr_dp_read_meta(m, &meta);
		if (err)
			return err;
		if (meta.confirm_token == token && meta.confirm_pid)
			return 0;
		/* A detached process that already ended will never record. */
		if (pid > 0 && (!xr_proc_start(pid, &running) || !running)) {
			snprintf(why, len,
				 "it exited at once (see the system log)");
			return -ECHILD;
		}
		if (mono_ns() > end) {
			snprintf(why, len, "it did not start within %d s",
				 RECORD_SECS);
			return -ETIMEDOUT;
		}
		usleep(10 * 1000);
	}
}

int xr_confirm_arm(const struct xr_opts *o, int first_load, __u32 rollback_gen,
		   const struct xr_restore *restore)
{
	char root[PATH_MAX], exe[PATH_MAX], token_s[24], secs_s[24], mode_s[8];
	char why[256] = "";
	char *rb_argv[8];
	struct xr_meta meta;
	struct xr_maps m;
	int err, systemd = 0, pinned = 0;
	pid_t pid = 0;
	ssize_t n;
	__u64 token = 0, t0;

	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = mono_ns() ^ ((__u64)getpid() << 32);
	token |= 1;

	/* The rollback runs from "/", maybe under systemd: absolute paths. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || !realpath(o->pin_root, root)) {
		err = -errno;
		fprintf(stderr,
			"error: %s: cannot start the --confirm rollback: %s\n",
			o->iface, strerror(-err));
		return err;
	}
	exe[n] = '\0';
	err = xr_dp_open(o->pin_root, o->iface, &m);
	if (err) {
		fprintf(stderr,
			"error: %s: cannot start the --confirm rollback: %s\n",
			o->iface, strerror(-err));
		return err;
	}
	err = xr_dp_read_meta(&m, &meta);
	if (!err) {
		xr_confirm_clear(&meta);
		meta.confirm_deadline =
			(__u64)time(NULL) + (__u64)o->confirm_secs;
		meta.confirm_token = token;
		meta.confirm_first_load = (__u32)first_load;
		meta.confirm_rollback_gen = rollback_gen;
		err = xr_dp_write_meta(&m, &meta);
	}
	if (!err && restore->prog_fd >= 0) {
		err = xr_confirm_pin_restore(root, o->iface, restore->prog_fd);
		pinned = !err;
		if (err)
			snprintf(why, sizeof(why),
				 "cannot pin the replaced program: %s",
				 strerror(-err));
	}
	if (err)
		goto fail;

	snprintf(token_s, sizeof(token_s), "%016llx",
		 (unsigned long long)token);
	snprintf(secs_s, sizeof(secs_s), "%d", o->confirm_secs);
	snprintf(mode_s, sizeof(mode_s), "%d",
		 restore->prog_fd >= 0 ? restore->mode : 0);
	/* What ps shows; the detached process execs /proc/self/exe. */
	rb_argv[0] = exe;
	rb_argv[1] = XR_ROLLBACK_CMD;
	rb_argv[2] = (char *)o->iface;
	rb_argv[3] = root;
	rb_argv[4] = token_s;
	rb_argv[5] = secs_s;
	rb_argv[6] = mode_s;
	rb_argv[7] = NULL;

	t0 = mono_ns();
	systemd = use_systemd();
	if (systemd && strstr(exe, " (deleted)")) {
		snprintf(why, sizeof(why),
			 "%.200s was replaced on disk; run the new one", exe);
		err = -ENOENT;
		goto fail;
	}
	err = systemd ? start_unit(o->iface, token, rb_argv, why, sizeof(why))
		      : start_detached(rb_argv, &pid, why, sizeof(why));
	if (!err)
		err = wait_recorded(&m, token, pid, why, sizeof(why));
	if (!err)
		err = xr_dp_read_meta(&m, &meta);
	if (err)
		goto fail;
	if (o->verbose)
		fprintf(stderr, "%s: rollback armed (%s, pid %u) in %.1f ms\n",
			o->iface,
			systemd ? "transient systemd unit" : "detached process",
			meta.confirm_pid, (double)(mono_ns() - t0) / 1e6);
	xr_dp_close(&m);
	return 0;
fail:
	/* Leave no pending state that nothing will ever resolve. A rollback
	 * process that started late finds its token gone and exits. */
	if (!xr_dp_read_meta(&m, &meta) && meta.confirm_token == token) {
		xr_confirm_clear(&meta);
		xr_dp_write_meta(&m, &meta);
	}
	if (pinned)
		xr_confirm_drop_restore(root, o->iface);
	fprintf(stderr,
		"error: %s: cannot start the --confirm rollback%s: %s\n",
		o->iface, systemd ? " unit" : " process",
		why[0] ? why : strerror(-err));
	xr_dp_close(&m);
	return err;
}

int xr_cmd_confirm(struct xr_opts *o)
{
	struct xr_meta meta;
	struct xr_maps m;
	int lock, err, verified, pidfd = -1;
	__u32 pid;

	lock = xr_dp_lock(o->pin_root);
	err = lock < 0 ? lock : xr_dp_open(o->pin_root, o->iface, &m);
	if (err) {
		if (err == -XR_EOTHERBUILD)
			xr_pin_compat_report(o->pin_root, o->iface);
		else
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
		fprintf(stderr,
			"error: %s: nothing is waiting for confirmation\n",
			o->iface);
		return XR_EXIT_RUNTIME;
	}
	pid = meta.confirm_pid;
	verified = !err && rollback_verified(&meta, &pidfd);
	if (!err) {
		xr_confirm_clear(&meta);
		err = xr_dp_write_meta(&m, &meta);
	}
	if (!err) {
		xr_confirm_drop_restore(o->pin_root, o->iface);
		/* It would exit by itself within 100 ms; this ends it now. */
		if (verified)
			syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	}
	if (pidfd >= 0)
		close(pidfd);
	xr_dp_close(&m);
	close(lock);
	if (err) {
		fprintf(stderr, "error: %s: cannot confirm: %s\n", o->iface,
			strerror(-err));
		return XR_EXIT_RUNTIME;
	}
	if (!verified)
		fprintf(stderr,
			"warning: %s: the rollback process (pid %u) was "
			"already gone; "
			"nothing would have rolled this change back\n",
			o->iface, pid);
	printf("%s: confirmed\n", o->iface);
	return XR_EXIT_OK;
}
