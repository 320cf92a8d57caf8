// SPDX-License-Identifier: GPL-2.0
/*
 * Where the pins are when the loader runs under `ip netns exec NS`. That
 * command gives its child a private mount namespace with a fresh /sys, in
 * which /sys/fs/bpf is no bpffs: pins made there would vanish with the
 * namespace (and our program with them), pins made from the host would not
 * be seen. The pins belong to the mount namespace `ip netns exec` was run
 * from: the loader moves there, to the nearest ancestor process whose own
 * /sys/fs/bpf is a bpffs, and works as if started there. Its network
 * namespace, and so the interfaces it sees, stay the same.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cli.h"
#include "pin_root.h"

#define XR_BPFFS_DIR "/sys/fs/bpf"
/* How far up the process tree to look: ip netns exec sh -c ... is 2. */
#define XR_ANCESTORS_MAX 64

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int pp = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* pid (comm) state ppid: comm may hold spaces and parentheses. */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %*c %d", &pp) != 1)
		pp = 0;
	fclose(f);
	return (pid_t)pp;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The name under /run/netns of the network namespace we are in, if any. */
static void netns_name(char *buf, size_t len)
{
	struct dirent *de;
	char path[300];
	DIR *d;

	snprintf(buf, len, "NS");
	d = opendir("/run/netns");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (same_file(path, "/proc/self/ns/net")) {
			snprintf(buf, len, "%s", de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

/* Enter the mount namespace of PID, keeping the working directory. */
static int enter_mntns_of(pid_t pid)
{
	char path[64], cwd[PATH_MAX];
	int fd, err = 0, have_cwd;

	have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNS))
		err = -errno;
	close(fd);
	/* setns moved us to its root: keep relative paths working. */
	if (!err && have_cwd && chdir(cwd))
		(void)!chdir("/");
	return err;
}

/* 1 when PID's mount namespace is not ours, 0 when it is, -1 unknown. */
static int mntns_differs(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &a) || stat("/proc/self/ns/mnt", &b))
		return -1;
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

int xr_pin_root_resolve(const char *pin_root)
{
	pid_t pid = getpid(), target = 0, nearest = 0;
	char path[PATH_MAX], ns[NAME_MAX + 1];
	int i, err;

	/* Only the default place is ambiguous; a bpffs there is the host's. */
	if (strncmp(pin_root, XR_BPFFS_DIR "/", strlen(XR_BPFFS_DIR) + 1) ||
	    is_bpffs(XR_BPFFS_DIR))
		return 0;
	for (i = 0; i < XR_ANCESTORS_MAX && pid > 1; i++) {
		pid = parent_of(pid);
		if (pid <= 0)
			break;
		if (mntns_differs(pid) != 1)
			continue;
		if (!nearest)
			nearest = pid;
		snprintf(path, sizeof(path), "/proc/%d/root" XR_BPFFS_DIR,
			 (int)pid);
		if (is_bpffs(path)) {
			target = pid;
			break;
		}
	}
	/*
	 * No bpffs up there either: the host has none yet, and load mounts it
	 * there. In the mount namespace of every parent: that is the host.
	 */
	if (!target)
		target = nearest;
	if (!target)
		return 0;
	err = enter_mntns_of(target);
	if (!err)
		return 0;
	netns_name(ns, sizeof(ns));
	fprintf(stderr,
		"error: %s here is not the host's bpffs (`ip netns exec` "
		"mounts a /sys of its own) and the host's mount namespace is "
		"out of reach (%s); run `nsenter --net=/run/netns/%s "
		"xdp-reflector ...` instead\n",
		XR_BPFFS_DIR, strerror(-err), ns);
	return err;
}
