// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over from the xdp-reflector program on an interface, whichever
 * build made it, without a moment unfiltered. See takeover.h for the
 * steps; each one before the directory exchange is undone on failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_priv.h"
#include "egress.h"
#include "seed.h"
#include "takeover.h"
#include "xdp_reflector.skel.h"

/* ':' is in no interface name, so `status` never lists the staging dir. */
#define XR_STAGE_SUFFIX ":new"

/* Remove DIR with every pin in it, of any build. */
static void remove_pins(const char *dir)
{
	char path[320];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !xr_dp_pin_path(dir, de->d_name, path, sizeof(path)))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* An fd of the map pinned as DIR/NAME when it is an array of VALUE_SIZE
 * bytes and ENTRIES entries (an older build's may differ), else -1. */
static int open_array(const char *dir, const char *name, __u32 value_size,
		      __u32 entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[320];
	int fd;

	if (xr_dp_pin_path(dir, name, path, sizeof(path)))
		return -1;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != value_size || info.max_entries != entries) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the old load created the clsact qdisc (detach removes it then). */
static int carry_meta(const char *dir, const struct xr_maps *m)
{
	struct xr_meta old, meta;
	__u32 zero = 0;
	int fd, err;

	fd = open_array(dir, XR_MAP_META, sizeof(old), 1);
	if (fd >= 0) {
		if (!bpf_map_lookup_elem(fd, &zero, &old)) {
			err = xr_dp_read_meta(m, &meta);
			if (!err) {
				meta.tc_hook_created = old.tc_hook_created;
				err = xr_dp_write_meta(m, &meta);
			}
			if (err) {
				close(fd);
				return err;
			}
		}
		close(fd);
	}
	return 0;
}

/* The audit trail goes on (status shows the last change across builds). */
static void carry_audit(const char *dir, const char *stage)
{
	char path[320];
	int fd;

	fd = open_array(dir, XR_PIN_AUDIT, sizeof(struct xr_audit_rec),
			XR_AUDIT_KEYS);
	if (fd >= 0) {
		xr_dp_pin_path(stage, XR_PIN_AUDIT, path, sizeof(path));
		if (bpf_obj_pin(fd, path))
			fprintf(stderr,
				"warning: cannot carry the audit trail to %s: "
				"%s\n",
				path, strerror(errno));
		close(fd);
	}
}

int xr_takeover(const char *root, const char *iface, int ifindex, int mode,
		const struct xr_policy *policy, int verbose)
{
	LIBBPF_OPTS(bpf_link_update_opts, fwd, .flags = BPF_F_REPLACE);
	LIBBPF_OPTS(bpf_link_update_opts, back, .flags = BPF_F_REPLACE);
	struct xr_egress eg = {.link_fd = -1};
	struct xdp_reflector_bpf *skel = NULL;
	char dir[256], stage[256], name[64], path[320];
	struct bpf_link_info li = {};
	__u32 lilen = sizeof(li), egress_id = 0;
	int err, link_fd, old_prog = -1, old_egress = -1, new_prog, hook;
	struct xr_seed_run seed;
	struct xr_maps m, now;

	snprintf(name, sizeof(name), "%s%s", iface, XR_STAGE_SUFFIX);
	err = xr_dp_pin_dir(root, iface, dir, sizeof(dir));
	if (!err)
		err = xr_dp_pin_dir(root, name, stage, sizeof(stage));
	if (!err)
		err = xr_dp_pin_path(dir, XR_PIN_LINK, path, sizeof(path));
	if (err)
		return err;
	link_fd = bpf_obj_get(path);
	if (link_fd < 0 || bpf_obj_get_info_by_fd(link_fd, &li, &lilen) ||
	    (old_prog = bpf_prog_get_fd_by_id(li.prog_id)) < 0) {
		err = -errno;
		fprintf(stderr,
			"error: %s: cannot hold the program on the XDP link "
			"%s: %s\n",
			iface, path, strerror(-err));
		goto out;
	}
	/* The recorder goes where the old one is (tcx pins its link). */
	xr_dp_pin_path(dir, XR_PIN_EGRESS_LINK, path, sizeof(path));
	hook = access(path, F_OK) ? XR_EGRESS_CLSACT : XR_EGRESS_TCX;
	if (hook == XR_EGRESS_CLSACT &&
	    !xr_egress_clsact_prog(ifindex, &egress_id) && egress_id)
		old_egress = bpf_prog_get_fd_by_id(egress_id);
	remove_pins(stage); /* left by a takeover that was killed */

	err = xr_dp_new_object(ifindex, mode, policy, verbose, &skel, &m);
	if (err)
		goto out;
	err = carry_meta(dir, &m);
	if (!err)
		err = xr_dp_pin_maps(&m, stage);
	if (err)
		goto out_unstage;
	carry_audit(dir, stage);
	/* The recorder first: what the host opens from now on is in the new
	 * table too (the old recorder keeps the old one until the swap). */
	err = xr_egress_attach_as(ifindex,
				  bpf_program__fd(skel->progs.xr_egress), stage,
				  hook, &eg);
	if (err) {
		fprintf(stderr,
			"error: %s: cannot attach the egress flow recorder: "
			"%s\n",
			iface, strerror(-err));
		goto out_unstage;
	}
	/* The new program starts with the host's connections in its table. */
	xr_seed_begin(&seed);
	err = xr_seed_pass(&seed, &m, policy, iface);
	if (err) {
		fprintf(stderr,
			"error: %s: cannot seed the new flow table: %s\n",
			iface, strerror(-err));
		goto out_egress;
	}
	new_prog = bpf_program__fd(skel->progs.xdp_reflector);
	fwd.old_prog_fd = old_prog;
	if (bpf_link_update(link_fd, new_prog, &fwd)) {
		err = -errno;
		fprintf(stderr,
			"error: %s: cannot swap the program on the XDP link: "
			"%s\n",
			iface, strerror(-err));
		goto out_egress;
	}
	xr_dp_pin_path(stage, XR_PIN_LINK, path, sizeof(path));
	if (bpf_obj_pin(link_fd, path) ||
	    renameat2(AT_FDCWD, stage, AT_FDCWD, dir, RENAME_EXCHANGE)) {
		err = -errno;
		fprintf(stderr,
			"error: %s: cannot put the new pins in place of %s: "
			"%s\n",
			iface, dir, strerror(-err));
		goto out_back;
	}
	/* STAGE holds the old pins now: the old recorder and maps go with them.
	 */
	remove_pins(stage);
	if (!xr_dp_open(root, iface, &now)) {
		/* Again, for a connection accepted since the first pass. */
		if (!xr_seed_pass(&seed, &now, policy, iface))
			xr_seed_record(&seed, &now);
		xr_dp_close(&now);
	}
	err = 0;
	goto out;

out_back:
	back.old_prog_fd = new_prog;
	if (bpf_link_update(link_fd, old_prog, &back))
		fprintf(stderr,
			"error: %s: could not put the old program back on the "
			"XDP link: %s\n",
			iface, strerror(errno));
out_egress:
	if (eg.hook == XR_EGRESS_CLSACT && old_egress >= 0) {
		if (xr_egress_clsact_restore(ifindex, old_egress))
			fprintf(stderr,
				"error: %s: could not put the old egress "
				"recorder back\n",
				iface);
		eg.hook = XR_EGRESS_NONE;
	} else {
		xr_egress_undo(ifindex, stage, &eg);
	}
out_unstage:
	remove_pins(stage);
out:
	xr_egress_close(&eg);
	if (link_fd >= 0)
		close(link_fd);
	if (old_prog >= 0)
		close(old_prog);
	if (old_egress >= 0)
		close(old_egress);
	if (skel)
		xdp_reflector_bpf__destroy(skel);
	return err;
}
