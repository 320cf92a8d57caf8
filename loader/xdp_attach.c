// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program on an interface: load (program, policy, pins, the egress
 * recorder through egress.c, then the XDP link), --replace and its
 * rollback, detach, and what is attached now. See datapath.h for the
 * contract of each function.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_priv.h"
#include "egress.h"
#include "xdp_reflector.skel.h"

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

int xr_dp_new_object(int ifindex, int mode, const struct xr_policy *policy,
		     int verbose, struct xdp_reflector_bpf **out,
		     struct xr_maps *mp)
{
	struct xdp_reflector_bpf *skel;
	struct xr_maps m;
	struct xr_config cfg = {};
	struct xr_meta meta = {};
	__u32 zero = 0, sets;
	int err;

	libbpf_set_print(verbose ? libbpf_verbose : libbpf_quiet);
	skel = xdp_reflector_bpf__open();
	/*
	 * The profile sizes the rate limits' table (defaults: rate_sources,
	 * in sets of XR_RATE_WAYS); each load draws the seed of its hash, so
	 * that no one can aim sources at one set, and tells the program the
	 * tick its clock counts in (bpf/rate.h).
	 */
	sets = xr_rate_sets(policy->rate_sources ? policy->rate_sources
						 : XR_RATE_SOURCES_DEFAULT);
	if (skel) {
		skel->bss->xr_tables.rate_set_mask = sets - 1;
		skel->bss->xr_tables.rate_tick_ns = xr_rate_tick_ns();
		if (getrandom(&skel->bss->xr_tables.rate_seed,
			      sizeof(skel->bss->xr_tables.rate_seed),
			      0) != sizeof(skel->bss->xr_tables.rate_seed))
			skel->bss->xr_tables.rate_seed = (__u64)time(NULL) ^
							 ((__u64)getpid() << 32);
	}
	if (skel && (bpf_map__set_max_entries(skel->maps.xr_rate_src, sets) ||
		     xdp_reflector_bpf__load(skel))) {
		int e = errno;

		xdp_reflector_bpf__destroy(skel);
		skel = NULL;
		errno = e;
	}
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
	m.sources = m.ports; /* xr_tables holds the source lists too */
	m.port_stats = bpf_map__fd(skel->maps.xr_port_stats);
	m.class_stats = bpf_map__fd(skel->maps.xr_class_stats);
	m.rules = bpf_map__fd(skel->maps.xr_rules);
	m.meta = bpf_map__fd(skel->maps.xr_meta);
	m.flows = bpf_map__fd(skel->maps.xr_flows);
	m.capture = bpf_map__fd(skel->maps.xr_capture);
	m.capture_rb = bpf_map__fd(skel->maps.xr_capture_rb);
	m.rule_stats = bpf_map__fd(skel->maps.xr_rule_stats);
	m.rate_rules = bpf_map__fd(skel->maps.xr_rate_rules);
	m.rate_src = bpf_map__fd(skel->maps.xr_rate_src);
	m.limit_stats = bpf_map__fd(skel->maps.xr_limit_stats);
	m.flow_ports = m.ports; /* the same global, pinned under both names */

	meta.mode = (__u32)mode;
	meta.ifindex = (__u32)ifindex;
	meta.attached_at = (__u64)time(NULL);
	meta.counters_since = meta.attached_at;
	if (bpf_map_update_elem(m.meta, &zero, &meta, BPF_ANY) ||
	    bpf_map_update_elem(m.config, &zero, &cfg, BPF_ANY)) {
		err = -errno;
		goto out_skel;
	}
	err = xr_dp_write_generation(&m, 0, policy);
	if (!err)
		err = xr_dp_ledger_start(&m, 0, policy);
	if (!err) /* active_gen takes generation 0's mode */
		err = xr_dp_set_active(&m, 0);
	if (err) {
		fprintf(stderr, "error: cannot write the policy into the maps: %s\n",
			strerror(-err));
		goto out_skel;
	}
	*out = skel;
	*mp = m;
	return 0;
out_skel:
	xdp_reflector_bpf__destroy(skel);
	return err;
}

int xr_dp_load(const char *root, const char *iface, int ifindex, int mode,
	       const struct xr_policy *policy, const struct xr_xdp_info *other,
	       int verbose)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = xdp_flags(mode));
	struct xr_egress eg = { .link_fd = -1 };
	struct xdp_reflector_bpf *skel;
	char dir[256], path[320];
	struct xr_maps m;
	struct xr_meta meta = {};
	int err, prog_fd, link_fd = -1, other_fd = -1;

	err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));
	if (!err)
		err = xr_dp_new_object(ifindex, mode, policy, verbose, &skel, &m);
	if (err)
		return err;
	err = xr_dp_pin_maps(&m, dir);
	if (err)
		goto out_skel;

	/* The recorder first: the filter never drops without it. */
	err = xr_egress_attach(ifindex, bpf_program__fd(skel->progs.xr_egress),
			       dir, &eg);
	if (err) {
		fprintf(stderr, "error: %s: cannot attach the egress flow recorder (tcx or tc clsact): %s\n",
			iface, strerror(-err));
		goto out_restore;
	}
	err = xr_dp_read_meta(&m, &meta);
	if (!err) {
		meta.tc_hook_created = (__u32)eg.qdisc_created;
		err = xr_dp_write_meta(&m, &meta);
	}
	if (err)
		goto out_restore;
	if (other && other->prog_id) {
		/*
		 * --replace: hold the other program so it can be put back.
		 * Taken off only now, with everything else in place, so that
		 * the interface goes unfiltered for as short a time as can
		 * be: a bpf_link cannot replace a program attached through
		 * netlink in one step.
		 */
		LIBBPF_OPTS(bpf_xdp_attach_opts, dopts);

		other_fd = bpf_prog_get_fd_by_id(other->prog_id);
		dopts.old_prog_fd = other_fd;
		/*
		 * XDP_FLAGS_REPLACE: only that program. If another tool put
		 * something else there since the query, the detach fails
		 * (EEXIST) and nothing is taken off.
		 */
		if (other_fd < 0 ||
		    bpf_xdp_detach(ifindex,
				   xdp_flags(other->mode) | XDP_FLAGS_REPLACE,
				   &dopts)) {
			err = -errno;
			fprintf(stderr, "error: %s: cannot take over XDP program %u: %s%s\n",
				iface, other->prog_id, strerror(-err),
				err == -EBUSY ? " (it is attached through a bpf_link: detach it with the tool that owns it)" : "");
			if (other_fd >= 0)
				close(other_fd);
			other_fd = -1; /* still attached: nothing to put back */
			goto out_restore;
		}
	}
	prog_fd = bpf_program__fd(skel->progs.xdp_reflector);
	link_fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lopts);
	if (link_fd < 0) {
		err = -errno;
		attach_error(iface, mode, err);
		goto out_restore;
	}
	xr_dp_pin_path(dir, XR_PIN_LINK, path, sizeof(path));
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
	xr_egress_undo(ifindex, dir, &eg);
	if (other_fd >= 0 &&
	    bpf_xdp_attach(ifindex, other_fd, xdp_flags(other->mode), NULL))
		fprintf(stderr, "error: %s: could not put XDP program %u back: %s\n",
			iface, other->prog_id, strerror(errno));
	xr_dp_unpin_all(dir);
out_close:
	xr_egress_close(&eg);
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
	xr_dp_pin_path(dir, XR_MAP_META, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &meta))
			meta.ifindex = 0;
		close(fd);
	}
	/* The XDP program first: never leave it dropping without the recorder. */
	xr_dp_pin_path(dir, XR_PIN_LINK, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* Detach even if another process still holds the link. */
		err = bpf_link_detach(fd) && errno != ENOLINK ? -errno : 0;
		close(fd);
		if (err)
			return err;
	}
	err = xr_egress_detach(dir, (int)meta.ifindex,
			       (int)meta.tc_hook_created);
	if (err)
		return err;
	xr_dp_unpin_all(dir);
	return 0;
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
