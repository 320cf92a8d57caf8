// SPDX-License-Identifier: GPL-2.0
/*
 * The single libbpf module: load, attach, pin, write policy generations,
 * read counters. See datapath.h for the contract of each function.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/file.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "xdp_reflector.skel.h"

#define XR_BPFFS "/sys/fs/bpf"
/* Identity of our TC egress filter (reply.h), so detach removes only it. */
#define XR_TC_HANDLE 0x5852
#define XR_TC_PRIORITY 0x5852

/* Every pinned map: its pin name and where struct xr_maps keeps its fd. */
static const struct {
	const char *name;
	size_t off;
} pins[] = {
	{ XR_MAP_CONFIG, offsetof(struct xr_maps, config) },
	{ XR_MAP_PORTS, offsetof(struct xr_maps, ports) },
	{ XR_MAP_SOURCES, offsetof(struct xr_maps, sources) },
	{ XR_MAP_PORT_STATS, offsetof(struct xr_maps, port_stats) },
	{ XR_MAP_CLASS_STATS, offsetof(struct xr_maps, class_stats) },
	{ XR_MAP_RULES, offsetof(struct xr_maps, rules) },
	{ XR_MAP_META, offsetof(struct xr_maps, meta) },
	{ XR_MAP_FLOWS, offsetof(struct xr_maps, flows) },
	{ XR_MAP_FLOW_PORTS, offsetof(struct xr_maps, flow_ports) },
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

static int *map_fd_slot(struct xr_maps *m, size_t i)
{
	return (int *)((char *)m + pins[i].off);
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

int xr_dp_pin_dir(const char *root, const char *iface, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", root, iface);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int pin_path(const char *dir, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xr_dp_query(int ifindex, struct xr_xdp_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	int fd, err;

	memset(info, 0, sizeof(*info));
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	if (q.attach_mode == XDP_ATTACHED_SKB) {
		info->mode = XR_MODE_GENERIC;
		info->prog_id = q.skb_prog_id;
	} else {
		info->mode = XR_MODE_NATIVE;
		info->prog_id = q.drv_prog_id ? q.drv_prog_id : q.prog_id;
	}
	fd = bpf_prog_get_fd_by_id(info->prog_id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
			snprintf(info->name, sizeof(info->name), "%s", pi.name);
		close(fd);
	}
	return 0;
}

/* ---- writing a generation ---------------------------------------------- */

static void *map_mmap(int fd, size_t entries, size_t value_size, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t elem = (value_size + 7) & ~(size_t)7;
	void *p;

	*len = (entries * elem + page - 1) & ~(size_t)(page - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int write_ports(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *p)
{
	/* xr_ports is BPF_F_MMAPABLE: 8-byte slots, one store per port. */
	size_t len;
	__u64 *slots = map_mmap(m->ports, XR_PORT_KEYS,
				sizeof(struct xr_port_entry), &len);
	__u32 proto, port;

	if (!slots)
		return -errno;
	for (proto = 0; proto < XR_PROTOS; proto++)
		for (port = 0; port < XR_PORTS_PER_PROTO; port++)
			memcpy(&slots[xr_port_key(gen, proto, port)],
			       &p->ports[proto][port],
			       sizeof(struct xr_port_entry));
	munmap(slots, len);
	return 0;
}

static int write_rules(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *p)
{
	struct xr_rule_info info;
	__u32 key;
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		memset(&info, 0, sizeof(info));
		snprintf(info.service, sizeof(info.service), "%s", r->service);
		snprintf(info.feature, sizeof(info.feature), "%s", r->feature);
		info.proto = r->proto;
		info.first_port = r->first_port;
		info.last_port = r->last_port;
		info.nsources = (__u16)r->nsources;
		key = gen * XR_RULES_PER_GEN + (__u32)i;
		if (bpf_map_update_elem(m->rules, &key, &info, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void source_key(struct xr_source_key *k, __u32 gen, __u32 rule,
		       const struct xr_cidr *c)
{
	memset(k, 0, sizeof(*k));
	k->set = xr_source_set(gen, rule);
	if (c->family == AF_INET) {
		k->addr[10] = 0xff;
		k->addr[11] = 0xff;
		memcpy(&k->addr[12], c->addr, 4);
		k->prefixlen = XR_SOURCE_SET_BITS + 96 + c->prefixlen;
	} else {
		memcpy(k->addr, c->addr, 16);
		k->prefixlen = XR_SOURCE_SET_BITS + c->prefixlen;
	}
}

/* Remove generation GEN's source entries (the trie is shared by both). */
static int clear_sources(const struct xr_maps *m, __u32 gen)
{
	struct xr_source_key key, next, *batch;
	size_t n = 0, cap = 256, i;
	int err = 0, more;

	batch = malloc(cap * sizeof(*batch));
	if (!batch)
		return -ENOMEM;
	more = !bpf_map_get_next_key(m->sources, NULL, &next);
	while (more) {
		key = next;
		more = !bpf_map_get_next_key(m->sources, &key, &next);
		if ((key.set >> 16) != gen)
			continue;
		if (n == cap) {
			struct xr_source_key *b =
				realloc(batch, 2 * cap * sizeof(*batch));
			if (!b) {
				err = -ENOMEM;
				goto out;
			}
			batch = b;
			cap *= 2;
		}
		batch[n++] = key;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(m->sources, &batch[i]) &&
		    errno != ENOENT) {
			err = -errno;
			break;
		}
out:
	free(batch);
	return err;
}

static int write_sources(const struct xr_maps *m, __u32 gen,
			 const struct xr_policy *p)
{
	struct xr_source_key key;
	__u8 one = 1;
	size_t i, j;
	int err;

	err = clear_sources(m, gen);
	if (err)
		return err;
	for (i = 0; i < p->nrules; i++)
		for (j = 0; j < p->rules[i].nsources; j++) {
			source_key(&key, gen, (__u32)i, &p->rules[i].sources[j]);
			if (bpf_map_update_elem(m->sources, &key, &one, BPF_ANY))
				return -errno;
		}
	return 0;
}

static void meta_policy(struct xr_meta_policy *mp, const struct xr_policy *p)
{
	size_t i, off = 0, nsources = 0;

	memset(mp, 0, sizeof(*mp));
	snprintf(mp->profile, sizeof(mp->profile), "%s", p->name);
	for (i = 0; i < p->nfeatures; i++) {
		if (!p->features[i].enabled)
			continue;
		off += snprintf(mp->features + off, sizeof(mp->features) - off,
				"%s%s", off ? "," : "", p->features[i].name);
		if (off >= sizeof(mp->features))
			break;
	}
	for (i = 0; i < p->nrules; i++)
		nsources += p->rules[i].nsources;
	mp->digest = xr_policy_digest(p);
	mp->loaded_at = (__u64)time(NULL);
	mp->nrules = (__u32)p->nrules;
	mp->nsources = (__u32)nsources;
}

static int read_config(const struct xr_maps *m, struct xr_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->config, &zero, cfg) ? -errno : 0;
}

static int write_config(const struct xr_maps *m, const struct xr_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->config, &zero, cfg, BPF_ANY) ? -errno : 0;
}

/*
 * Fill generation GEN completely while the packet path keeps using the other
 * one. Its class defaults go in with a config update that leaves
 * active_gen as it is, so the packet path sees no change yet.
 */
static int write_generation(const struct xr_maps *m, __u32 gen,
			    const struct xr_policy *p)
{
	struct xr_config cfg;
	struct xr_meta meta;
	int err;

	if (p->nrules > XR_RULES_PER_GEN)
		return -E2BIG;
	err = write_ports(m, gen, p);
	if (!err)
		err = write_rules(m, gen, p);
	if (!err)
		err = write_sources(m, gen, p);
	if (!err)
		err = read_config(m, &cfg);
	if (err)
		return err;
	cfg.gen[gen] = p->classes;
	err = write_config(m, &cfg);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (err)
		return err;
	meta_policy(&meta.gen[gen], p);
	return xr_dp_write_meta(m, &meta);
}

int xr_dp_active_gen(const struct xr_maps *m, __u32 *gen)
{
	struct xr_config cfg;
	int err = read_config(m, &cfg);

	if (!err)
		*gen = cfg.active_gen & 1;
	return err;
}

int xr_dp_set_active(const struct xr_maps *m, __u32 gen)
{
	struct xr_config cfg;
	int err = read_config(m, &cfg);

	if (err)
		return err;
	/*
	 * Only active_gen differs from what the map holds, so however the
	 * kernel copies the value, the packet path sees the old or the new
	 * generation, never a mix.
	 */
	cfg.active_gen = gen & 1;
	return write_config(m, &cfg);
}

int xr_dp_reload(const struct xr_maps *m, const struct xr_policy *p)
{
	__u32 active;
	int err;

	err = xr_dp_active_gen(m, &active);
	if (!err)
		err = write_generation(m, !active, p);
	if (!err)
		err = xr_dp_set_active(m, !active);
	return err;
}

/* ---- pins -------------------------------------------------------------- */

void xr_dp_close(struct xr_maps *m)
{
	size_t i;

	for (i = 0; i < NPINS; i++)
		if (*map_fd_slot(m, i) >= 0)
			close(*map_fd_slot(m, i));
	if (m->link >= 0)
		close(m->link);
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
	for (i = 0; i < NPINS; i++) {
		pin_path(dir, pins[i].name, path, sizeof(path));
		*map_fd_slot(m, i) = bpf_obj_get(path);
		if (*map_fd_slot(m, i) < 0) {
			err = -errno;
			xr_dp_close(m);
			return err == -ENOENT ? -ENOENT : err;
		}
	}
	pin_path(dir, XR_PIN_LINK, path, sizeof(path));
	m->link = bpf_obj_get(path);
	return 0;
}

static void unpin_all(const char *dir)
{
	char path[320];
	size_t i;

	for (i = 0; i < NPINS; i++) {
		pin_path(dir, pins[i].name, path, sizeof(path));
		unlink(path);
	}
	pin_path(dir, XR_PIN_LINK, path, sizeof(path));
	unlink(path);
	rmdir(dir);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static int libbpf_verbose(enum libbpf_print_level level, const char *fmt,
			  va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

static __u32 xdp_flags(int mode)
{
	return mode == XR_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

static void attach_error(const char *iface, int mode, int err)
{
	if (mode == XR_MODE_NATIVE)
		fprintf(stderr,
			"error: %s: the driver refused native XDP: %s; "
			"`--mode generic` works on any interface but is slower\n",
			iface, strerror(-err));
	else
		fprintf(stderr, "error: %s: cannot attach generic XDP: %s\n",
			iface, strerror(-err));
}

static int tc_attach(int ifindex, int prog_fd, int *created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XR_TC_HANDLE,
		    .priority = XR_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	*created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err && *created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		*created = 0;
	}
	return err;
}

/*
 * Does any tc filter other than ours remain on IFINDEX's clsact hooks? A
 * netlink dump of each hook; on any doubt, say yes (keep the qdisc).
 */
static int tc_other_filters(int ifindex)
{
	static const __u32 parents[] = {
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
	};
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	char buf[16384];
	size_t i;
	int fd, found = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return 1;
	for (i = 0; i < 2 && !found; i++) {
		int done = 0;

		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = sizeof(req);
		req.nh.nlmsg_type = RTM_GETTFILTER;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req.nh.nlmsg_seq = (__u32)i + 1;
		req.tc.tcm_family = AF_UNSPEC;
		req.tc.tcm_ifindex = ifindex;
		req.tc.tcm_parent = parents[i];
		if (send(fd, &req, sizeof(req), 0) < 0) {
			found = 1;
			break;
		}
		while (!done && !found) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			struct nlmsghdr *nh = (struct nlmsghdr *)buf;

			if (n <= 0) {
				found = 1;
				break;
			}
			for (; NLMSG_OK(nh, (__u32)n); nh = NLMSG_NEXT(nh, n)) {
				struct tcmsg *t = NLMSG_DATA(nh);

				if (nh->nlmsg_type == NLMSG_DONE) {
					done = 1;
					break;
				}
				if (nh->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr *e = NLMSG_DATA(nh);

					/* no such hook: nothing there */
					found = e->error != -EINVAL && e->error != -ENOENT;
					done = 1;
					break;
				}
				if (nh->nlmsg_type == RTM_NEWTFILTER &&
				    TC_H_MAJ(t->tcm_info) >> 16 != XR_TC_PRIORITY)
					found = 1;
			}
		}
	}
	close(fd);
	return found;
}

/* Remove our egress filter, and the clsact qdisc if load added it and no
 * one else has put a filter on it since. */
static void tc_detach(int ifindex, int created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XR_TC_HANDLE,
		    .priority = XR_TC_PRIORITY);

	bpf_tc_detach(&hook, &opts);
	if (created && !tc_other_filters(ifindex)) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

int xr_dp_load(const char *root, const char *iface, int ifindex, int mode,
	       const struct xr_policy *policy, const struct xr_xdp_info *other,
	       int verbose)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = xdp_flags(mode));
	struct xdp_reflector_bpf *skel;
	char dir[256], path[320];
	struct xr_maps m;
	struct xr_config cfg = {};
	struct xr_meta meta = {};
	int err, prog_fd, link_fd = -1, other_fd = -1, tc_created = 0;
	__u32 zero = 0;
	size_t i;

	libbpf_set_print(verbose ? libbpf_verbose : libbpf_quiet);
	err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));
	if (err)
		return err;

	skel = xdp_reflector_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "error: the kernel refused to load the XDP program: %s%s\n",
			strerror(errno),
			verbose ? "" : " (run with -v for the verifier log)");
		return err;
	}
	memset(&m, 0xff, sizeof(m));
	m.config = bpf_map__fd(skel->maps.data_xr_config);
	m.ports = bpf_map__fd(skel->maps.bss); /* struct xr_tables */
	m.sources = bpf_map__fd(skel->maps.xr_sources);
	m.port_stats = bpf_map__fd(skel->maps.xr_port_stats);
	m.class_stats = bpf_map__fd(skel->maps.xr_class_stats);
	m.rules = bpf_map__fd(skel->maps.xr_rules);
	m.meta = bpf_map__fd(skel->maps.xr_meta);
	m.flows = bpf_map__fd(skel->maps.xr_flows);
	m.flow_ports = m.ports; /* the same global, pinned under both names */

	meta.mode = (__u32)mode;
	meta.ifindex = (__u32)ifindex;
	meta.attached_at = (__u64)time(NULL);
	if (bpf_map_update_elem(m.meta, &zero, &meta, BPF_ANY) ||
	    bpf_map_update_elem(m.config, &zero, &cfg, BPF_ANY)) {
		err = -errno;
		goto out_skel;
	}
	err = write_generation(&m, 0, policy);
	if (err) {
		fprintf(stderr, "error: cannot write the policy into the maps: %s\n",
			strerror(-err));
		goto out_skel;
	}

	if (mkdir(dir, 0700)) {
		err = -errno;
		fprintf(stderr, "error: cannot create pin directory %s: %s%s\n",
			dir, strerror(-err),
			err == -EEXIST ? " (left by an earlier load: `xdp-reflector detach` removes it)" : "");
		goto out_skel;
	}
	for (i = 0; i < NPINS; i++) {
		pin_path(dir, pins[i].name, path, sizeof(path));
		if (bpf_obj_pin(*map_fd_slot(&m, i), path)) {
			err = -errno;
			fprintf(stderr, "error: cannot pin %s: %s\n", path,
				strerror(errno));
			goto out_unpin;
		}
	}

	if (other && other->prog_id) {
		/* --replace: hold the other program so it can be put back. */
		other_fd = bpf_prog_get_fd_by_id(other->prog_id);
		if (other_fd < 0 ||
		    bpf_xdp_detach(ifindex, xdp_flags(other->mode), NULL)) {
			err = -errno;
			fprintf(stderr, "error: %s: cannot take over XDP program %u: %s%s\n",
				iface, other->prog_id, strerror(-err),
				err == -EBUSY ? " (it is attached through a bpf_link: detach it with the tool that owns it)" : "");
			goto out_unpin;
		}
	}
	err = tc_attach(ifindex, bpf_program__fd(skel->progs.xr_egress),
			&tc_created);
	if (err) {
		fprintf(stderr, "error: %s: cannot attach the egress flow recorder (tc): %s\n",
			iface, strerror(-err));
		goto out_restore;
	}
	err = xr_dp_read_meta(&m, &meta);
	if (!err) {
		meta.tc_hook_created = (__u32)tc_created;
		err = xr_dp_write_meta(&m, &meta);
	}
	if (err)
		goto out_restore;
	prog_fd = bpf_program__fd(skel->progs.xdp_reflector);
	link_fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lopts);
	if (link_fd < 0) {
		err = -errno;
		attach_error(iface, mode, err);
		goto out_restore;
	}
	pin_path(dir, XR_PIN_LINK, path, sizeof(path));
	if (bpf_obj_pin(link_fd, path)) {
		err = -errno;
		fprintf(stderr, "error: cannot pin %s: %s\n", path,
			strerror(errno));
		goto out_restore;
	}
	err = 0;
	goto out_close;

out_restore:
	if (link_fd >= 0)
		close(link_fd); /* the only reference: detaches */
	link_fd = -1;
	tc_detach(ifindex, tc_created);
	if (other_fd >= 0 &&
	    bpf_xdp_attach(ifindex, other_fd, xdp_flags(other->mode), NULL))
		fprintf(stderr, "error: %s: could not put XDP program %u back: %s\n",
			iface, other->prog_id, strerror(errno));
out_unpin:
	unpin_all(dir);
out_close:
	if (link_fd >= 0)
		close(link_fd);
	if (other_fd >= 0)
		close(other_fd);
out_skel:
	xdp_reflector_bpf__destroy(skel);
	return err;
}

int xr_dp_prog_hold(__u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	return fd < 0 ? -errno : fd;
}

int xr_dp_reattach(int ifindex, int fd, int mode)
{
	return bpf_xdp_attach(ifindex, fd, xdp_flags(mode), NULL) ? -errno : 0;
}

int xr_dp_detach(const char *root, const char *iface)
{
	char dir[256], path[320];
	struct xr_meta meta = {};
	int fd, err;
	__u32 zero = 0;

	err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));
	if (err)
		return err;
	if (access(dir, F_OK))
		return -ENOENT;
	pin_path(dir, XR_MAP_META, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &meta))
			meta.ifindex = 0;
		close(fd);
	}
	/* The XDP program first: never leave it dropping without the recorder. */
	pin_path(dir, XR_PIN_LINK, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* Detach even if another process still holds the link. */
		if (bpf_link_detach(fd) && errno != ENOLINK) {
			err = -errno;
			close(fd);
			return err;
		}
		close(fd);
	}
	if (meta.ifindex)
		tc_detach((int)meta.ifindex, (int)meta.tc_hook_created);
	unpin_all(dir);
	return 0;
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

int xr_dp_check_live(const struct xr_maps *m, const char *iface)
{
	struct xr_xdp_info xdp;
	__u32 prog_id = 0, ifindex = 0;
	int now = (int)if_nametoindex(iface);

	if (!now || xr_dp_link_info(m, &prog_id, &ifindex) ||
	    (int)ifindex != now || xr_dp_query(now, &xdp) ||
	    xdp.prog_id != prog_id)
		return -ESTALE;
	return 0;
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

/* Sum a per-CPU array of struct xr_counters over CPUs with batched reads. */
static int read_percpu_counters(int fd, __u32 entries, struct xr_counters *out)
{
	const __u32 chunk = 8192;
	int ncpu = libbpf_num_possible_cpus();
	struct xr_counters *vals;
	__u32 *keys, next, count, i;
	int c, err = 0;
	void *in = NULL;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = malloc((size_t)chunk * ncpu * sizeof(*vals));
	keys = malloc((size_t)chunk * sizeof(*keys));
	if (!vals || !keys) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)entries * sizeof(*out));
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
			struct xr_counters *o = &out[keys[i]];

			for (c = 0; c < ncpu; c++) {
				const struct xr_counters *v =
					&vals[(size_t)i * ncpu + c];

				o->pass_packets += v->pass_packets;
				o->pass_bytes += v->pass_bytes;
				o->drop_packets += v->drop_packets;
				o->drop_bytes += v->drop_bytes;
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

int xr_dp_read_port_stats(const struct xr_maps *m, struct xr_counters *out)
{
	return read_percpu_counters(m->port_stats, XR_STAT_KEYS, out);
}

int xr_dp_read_class_stats(const struct xr_maps *m, struct xr_counters *out)
{
	return read_percpu_counters(m->class_stats, XR_CLASS_MAX, out);
}

int xr_dp_link_info(const struct xr_maps *m, __u32 *prog_id, __u32 *ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (m->link < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(m->link, &info, &len))
		return -errno;
	*prog_id = info.prog_id;
	*ifindex = info.xdp.ifindex;
	return 0;
}
