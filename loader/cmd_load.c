// SPDX-License-Identifier: GPL-2.0
/*
 * load, reload, detach: putting a policy on an interface and taking it off.
 * Every check that can fail runs before anything on the host changes.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_confirm.h"
#include "datapath.h"
#include "ssh_guard.h"

static const char *mode_name(int mode)
{
	return mode == XR_MODE_GENERIC ? "generic" : "native";
}

/* Compile the profile and run the SSH guard: nothing is touched yet. */
static int prepare(struct xr_opts *o, struct xr_policy **p)
{
	int err = xr_policy_build(o->profile, &o->toggles, p);

	if (err)
		return err;
	if (!o->force && xr_ssh_guard(*p, o->iface)) {
		xr_policy_free(*p);
		*p = NULL;
		return -EINVAL;
	}
	return 0;
}

int xr_cmd_load(struct xr_opts *o)
{
	int mode = strcmp(o->mode, "generic") ? XR_MODE_NATIVE : XR_MODE_GENERIC;
	struct xr_restore restore = { .prog_fd = -1 };
	struct xr_policy *p = NULL;
	struct xr_xdp_info other;
	struct xr_maps m;
	int ifindex, err;

	err = prepare(o, &p);
	if (err)
		return xr_exit_code(err);
	ifindex = (int)if_nametoindex(o->iface);
	if (!ifindex) {
		fprintf(stderr, "error: no interface '%.40s' here (see `ip link`)\n",
			o->iface);
		err = -ENODEV;
		goto out;
	}
	if (!xr_dp_open(o->pin_root, o->iface, &m)) {
		xr_dp_close(&m);
		fprintf(stderr, "error: %s: xdp-reflector is already loaded; "
				"use `xdp-reflector reload %s PROFILE`\n",
			o->iface, o->iface);
		err = -EEXIST;
		goto out;
	}
	err = xr_dp_query(ifindex, &other);
	if (err) {
		fprintf(stderr, "error: %s: cannot query XDP: %s\n", o->iface,
			strerror(-err));
		goto out;
	}
	if (other.prog_id && !o->replace) {
		fprintf(stderr, "error: %s: XDP program %u (%s, %s mode) is already attached; "
				"pass --replace to take over from it\n",
			o->iface, other.prog_id, other.name[0] ? other.name : "?",
			mode_name(other.mode));
		err = -EBUSY;
		goto out;
	}
	if (other.prog_id && o->confirm_secs) {
		/* Hold the replaced program so a rollback can put it back. */
		restore.prog_fd = xr_dp_prog_hold(other.prog_id);
		restore.mode = other.mode;
		restore.ifindex = ifindex;
		if (restore.prog_fd < 0) {
			err = restore.prog_fd;
			fprintf(stderr, "error: %s: cannot hold XDP program %u for a rollback: %s\n",
				o->iface, other.prog_id, strerror(-err));
			goto out;
		}
	}
	err = xr_dp_ensure_bpffs(o->pin_root);
	if (err)
		goto out;
	err = xr_dp_load(o->pin_root, o->iface, ifindex, mode, p,
			 other.prog_id ? &other : NULL, o->verbose);
	if (err)
		goto out;
	if (o->confirm_secs) {
		err = xr_confirm_arm(o, 1, &restore);
		if (err)
			goto out;
	}
	printf("%s: loaded %s (%s mode, %zu rules, digest %016llx)%s\n",
	       o->iface, p->name, mode_name(mode), p->nrules,
	       (unsigned long long)xr_policy_digest(p),
	       o->confirm_secs ? "; run `xdp-reflector confirm` to keep it" : "");
out:
	if (restore.prog_fd >= 0)
		close(restore.prog_fd);
	xr_policy_free(p);
	return xr_exit_code(err);
}

int xr_cmd_reload(struct xr_opts *o)
{
	struct xr_policy *p = NULL;
	struct xr_meta meta;
	struct xr_maps m;
	int err;

	err = prepare(o, &p);
	if (err)
		return xr_exit_code(err);
	err = xr_dp_open(o->pin_root, o->iface, &m);
	if (err) {
		fprintf(stderr, "error: %s: xdp-reflector is not loaded here%s\n",
			o->iface,
			err == -ENOENT ? "; use `xdp-reflector load` first" : "");
		goto out;
	}
	err = xr_dp_read_meta(&m, &meta);
	if (!err && meta.confirm_deadline) {
		fprintf(stderr, "error: %s: the last change is waiting for `xdp-reflector confirm %s`; "
				"confirm it or let it roll back first\n",
			o->iface, o->iface);
		err = -EBUSY;
	}
	if (!err)
		err = xr_dp_reload(&m, p);
	xr_dp_close(&m);
	if (err) {
		if (err != -EBUSY)
			fprintf(stderr, "error: %s: reload failed, the policy in force is unchanged: %s\n",
				o->iface, strerror(-err));
		goto out;
	}
	if (o->confirm_secs) {
		struct xr_restore none = { .prog_fd = -1 };

		err = xr_confirm_arm(o, 0, &none);
		if (err)
			goto out;
	}
	printf("%s: reloaded %s (%zu rules, digest %016llx)%s\n", o->iface,
	       p->name, p->nrules, (unsigned long long)xr_policy_digest(p),
	       o->confirm_secs ? "; run `xdp-reflector confirm` to keep it" : "");
out:
	xr_policy_free(p);
	return xr_exit_code(err);
}

int xr_cmd_detach(struct xr_opts *o)
{
	int err = xr_dp_detach(o->pin_root, o->iface);

	if (err == -ENOENT) {
		fprintf(stderr, "error: %s: xdp-reflector is not loaded here\n",
			o->iface);
		return XR_EXIT_RUNTIME;
	}
	if (err) {
		fprintf(stderr, "error: %s: cannot detach: %s\n", o->iface,
			strerror(-err));
		return XR_EXIT_RUNTIME;
	}
	printf("%s: detached\n", o->iface);
	return XR_EXIT_OK;
}
