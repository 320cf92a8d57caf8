// SPDX-License-Identifier: GPL-2.0
/*
 * The pins under PIN_ROOT/IFACE/: bpffs, opening and pinning the maps,
 * the lock, and reading loader state and counters. Attaching is in
 * xdp_attach.c and egress.c, writing a policy in generation.c. See
 * datapath.h for the contract of each function.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_priv.h"
#include "pin_compat.h"

#define XR_BPFFS "/sys/fs/bpf"

/*
 * Every pin load makes: its name and where struct xr_maps keeps its fd. The
 * maps come first and must all be there; the links may be absent (a detached
 * XDP link, or a recorder attached with clsact).
 */
static const struct {
	const char *name;
	size_t off;
	bool link;
} pins[] = {
	{ XR_MAP_CONFIG, offsetof(struct xr_maps, config), false },
	{ XR_MAP_PORTS, offsetof(struct xr_maps, ports), false },
	{ XR_MAP_SOURCES, offsetof(struct xr_maps, sources), false },
	{ XR_MAP_PORT_STATS, offsetof(struct xr_maps, port_stats), false },
	{ XR_MAP_CLASS_STATS, offsetof(struct xr_maps, class_stats), false },
	{ XR_MAP_RULES, offsetof(struct xr_maps, rules), false },
	{ XR_MAP_META, offsetof(struct xr_maps, meta), false },
	{ XR_MAP_FLOWS, offsetof(struct xr_maps, flows), false },
	{ XR_MAP_FLOW_PORTS, offsetof(struct xr_maps, flow_ports), false },
	{ XR_MAP_CAPTURE, offsetof(struct xr_maps, capture), false },
	{ XR_MAP_CAPTURE_RING, offsetof(struct xr_maps, capture_rb), false },
	{ XR_MAP_RULE_STATS, offsetof(struct xr_maps, rule_stats), false },
	{ XR_MAP_RATE_RULES, offsetof(struct xr_maps, rate_rules), false },
	{ XR_MAP_RATE_SRC, offsetof(struct xr_maps, rate_src), false },
	{ XR_MAP_LIMIT_STATS, offsetof(struct xr_maps, limit_stats), false },
	{ XR_PIN_LINK, offsetof(struct xr_maps, link), true },
	{ XR_PIN_EGRESS_LINK, offsetof(struct xr_maps, egress_link), true },
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

const char *xr_dp_map_pin(size_t i)
{
	return i < NPINS && !pins[i].link ? pins[i].name : NULL;
}

static int *fd_slot(struct xr_maps *m, size_t off)
{
	return (int *)((char *)m + off);
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int xr_dp_ensure_bpffs(const char *root)
{
	int created;

	if (!strncmp(root, XR_BPFFS, strlen(XR_BPFFS)) && !is_bpffs(XR_BPFFS)) {
		mkdir(XR_BPFFS, 0755);
		if (mount("bpf", XR_BPFFS, "bpf", 0, "mode=0700")) {
			int err = -errno;

			fprintf(stderr, "error: cannot mount bpffs at %s: %s\n",
				XR_BPFFS, strerror(-err));
			return err;
		}
	}
	created = !mkdir(root, 0700);
	if (!created && errno != EEXIST) {
		int err = -errno;

		fprintf(stderr, "error: cannot create pin directory %s: %s\n",
			root, strerror(-err));
		return err;
	}
	if (!is_bpffs(root)) {
		if (created)
			rmdir(root);
		fprintf(stderr, "error: pin directory %s is not on a bpffs (mount -t bpf bpf DIR)\n",
			root);
		return -EINVAL;
	}
	return 0;
}

int xr_dp_pin_path(const char *dir, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xr_dp_pin_dir(const char *root, const char *iface, char *buf, size_t len)
{
	return xr_dp_pin_path(root, iface, buf, len);
}

void xr_dp_close(struct xr_maps *m)
{
	size_t i;

	for (i = 0; i < NPINS; i++)
		if (*fd_slot(m, pins[i].off) >= 0)
			close(*fd_slot(m, pins[i].off));
	memset(m, 0xff, sizeof(*m));
}

int xr_dp_open(const char *root, const char *iface, struct xr_maps *m)
{
	char dir[256], path[320];
	size_t i;
	int err;

	memset(m, 0xff, sizeof(*m));
	err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));
	if (err)
		return err;
	if (access(dir, F_OK))
		return -ENOENT;
	/* Another build's maps would be read with this build's sizes. */
	err = xr_pin_compat(dir, NULL, 0);
	if (err)
		return err;
	for (i = 0; i < NPINS; i++) {
		xr_dp_pin_path(dir, pins[i].name, path, sizeof(path));
		*fd_slot(m, pins[i].off) = bpf_obj_get(path);
		if (*fd_slot(m, pins[i].off) < 0 && !pins[i].link) {
			err = -errno;
			xr_dp_close(m);
			return err;
		}
	}
	return 0;
}

int xr_dp_pin_maps(const struct xr_maps *m, const char *dir)
{
	char path[320];
	size_t i;
	int err;

	if (mkdir(dir, 0700)) {
		err = -errno;
		fprintf(stderr, "error: cannot create pin directory %s: %s%s\n",
			dir, strerror(-err),
			err == -EEXIST ? " (left by an earlier load: `xdp-reflector detach` removes it)" : "");
		return err;
	}
	for (i = 0; i < NPINS && !pins[i].link; i++) {
		xr_dp_pin_path(dir, pins[i].name, path, sizeof(path));
		if (bpf_obj_pin(*fd_slot((struct xr_maps *)m, pins[i].off),
				path)) {
			err = -errno;
			fprintf(stderr, "error: cannot pin %s: %s\n", path,
				strerror(-err));
			xr_dp_unpin_all(dir);
			return err;
		}
	}
	return 0;
}

void xr_dp_unpin_all(const char *dir)
{
	char path[320];
	size_t i;

	for (i = 0; i < NPINS; i++) {
		xr_dp_pin_path(dir, pins[i].name, path, sizeof(path));
		unlink(path);
	}
	xr_dp_pin_path(dir, XR_PIN_AUDIT, path, sizeof(path));
	unlink(path);
	rmdir(dir);
}

int xr_dp_lock(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

const char *xr_dp_egress_hook(const struct xr_maps *m)
{
	return m->egress_link >= 0 ? "tcx" : "clsact";
}

/* ---- reading ----------------------------------------------------------- */

int xr_dp_read_meta(const struct xr_maps *m, struct xr_meta *meta)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->meta, &zero, meta) ? -errno : 0;
}

int xr_dp_write_meta(const struct xr_maps *m, const struct xr_meta *meta)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->meta, &zero, meta, BPF_ANY) ? -errno : 0;
}

int xr_dp_read_rules(const struct xr_maps *m, __u32 gen, __u32 n,
		     struct xr_rule_info *out)
{
	__u32 i, key;

	for (i = 0; i < n && i < XR_RULES_PER_GEN; i++) {
		key = gen * XR_RULES_PER_GEN + i;
		if (bpf_map_lookup_elem(m->rules, &key, &out[i]))
			return -errno;
	}
	return 0;
}

/*
 * Sum a per-CPU array whose values are WORDS u64 counters (struct
 * xr_counters, struct xr_limit_counters) over CPUs with batched reads.
 * Inlined, so that each caller's constant WORDS unrolls the sum: `stats`
 * reads 2 x 131072 slots per CPU.
 */
static inline __attribute__((always_inline)) int
read_percpu_u64(int fd, __u32 entries, size_t words, __u64 *out)
{
	const __u32 chunk = 8192;
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 *keys, next, count, i;
	int c, err = 0;
	void *in = NULL;
	size_t w;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = malloc((size_t)chunk * ncpu * words * sizeof(*vals));
	keys = malloc((size_t)chunk * sizeof(*keys));
	if (!vals || !keys) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)entries * words * sizeof(*out));
	for (;;) {
		int done;

		count = chunk;
		done = bpf_map_lookup_batch(fd, in, &next, keys, vals, &count,
					    NULL);
		if (done && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		for (i = 0; i < count && keys[i] < entries; i++) {
			__u64 *o = &out[(size_t)keys[i] * words];

			for (c = 0; c < ncpu; c++) {
				const __u64 *v =
					&vals[((size_t)i * ncpu + c) * words];

				for (w = 0; w < words; w++)
					o[w] += v[w];
			}
		}
		if (done)
			break;
		in = &next;
	}
out:
	free(vals);
	free(keys);
	return err;
}

static int read_percpu_counters(int fd, __u32 entries, struct xr_counters *out)
{
	return read_percpu_u64(fd, entries, sizeof(*out) / sizeof(__u64),
			       (__u64 *)out);
}

int xr_dp_read_port_stats(const struct xr_maps *m, struct xr_counters *out)
{
	return read_percpu_counters(m->port_stats, XR_STAT_KEYS, out);
}

int xr_dp_read_class_stats(const struct xr_maps *m, struct xr_counters *out)
{
	return read_percpu_counters(m->class_stats, XR_CLASS_MAX, out);
}

/* ---- the audit record (loader/audit.c) --------------------------------- */

static bool audit_map_differs(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ||
	       info.value_size != sizeof(struct xr_audit_rec) ||
	       info.key_size != sizeof(__u32) ||
	       info.max_entries != XR_AUDIT_KEYS;
}

int xr_dp_audit_open(const char *root, const char *iface, bool create)
{
	char dir[256], path[320];
	int fd, err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));

	if (err)
		return err;
	/* Only beside a loaded filter's pins: never a directory of our own. */
	xr_dp_pin_path(dir, XR_MAP_META, path, sizeof(path));
	if (access(path, F_OK))
		return -ENOENT;
	xr_dp_pin_path(dir, XR_PIN_AUDIT, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0 && audit_map_differs(fd)) {
		close(fd); /* another build's: its records have another size */
		return -XR_EOTHERBUILD;
	}
	if (fd >= 0 || errno != ENOENT || !create)
		return fd >= 0 ? fd : -errno;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, XR_PIN_AUDIT, sizeof(__u32),
			    sizeof(struct xr_audit_rec), XR_AUDIT_KEYS, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int xr_dp_audit_read(int fd, __u32 key, struct xr_audit_rec *rec)
{
	return bpf_map_lookup_elem(fd, &key, rec) ? -errno : 0;
}

int xr_dp_audit_write(int fd, __u32 key, const struct xr_audit_rec *rec)
{
	return bpf_map_update_elem(fd, &key, rec, BPF_ANY) ? -errno : 0;
}

/* ---- guard and rate limits (bpf/guard.h, bpf/rate.h) ------------------ */

int xr_dp_read_limit_stats(const struct xr_maps *m,
			   struct xr_limit_counters *out)
{
	return read_percpu_u64(m->limit_stats, XR_STAT_KEYS,
			       sizeof(*out) / sizeof(__u64), (__u64 *)out);
}

int xr_dp_rate_sources(const struct xr_maps *m, __u32 *max)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->rate_src, &info, &len))
		return -errno;
	*max = info.max_entries * XR_RATE_WAYS; /* sets of XR_RATE_WAYS */
	return 0;
}
