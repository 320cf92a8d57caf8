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

#include "audit.h"
#include "cli.h"
#include "cmd_capture.h"
#include "cmd_confirm.h"
#include "datapath.h"
#include "iface.h"
#include "pin_compat.h"
#include "seed.h"
#include "ssh_guard.h"
#include "takeover.h"

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
	xr_audit_policy(*p);
	if (!o->force && xr_ssh_guard(*p, o->iface)) {
		xr_policy_free(*p);
		*p = NULL;
		return -EINVAL;
	}
	return 0;
}

/* A confirmation left pending by a rollback process that died resolves
 * nothing: say so, and treat it as confirmed. */
static int pending_confirm(const struct xr_opts *o, const struct xr_maps *m,
			   struct xr_meta *meta)
{
	int err;

	if (!meta->confirm_deadline)
		return 0;
	if (xr_confirm_rollback_alive(meta)) {
		fprintf(stderr, "error: %s: the last change is waiting for `xdp-reflector confirm %s`; "
				"confirm it or let it roll back first\n",
			o->iface, o->iface);
		return -EBUSY;
	}
	fprintf(stderr, "warning: %s: the rollback process of the last --confirm is gone; "
			"treating that change as confirmed\n",
		o->iface);
	xr_confirm_clear(meta);
	err = xr_dp_write_meta(m, meta);
	if (!err)
		xr_confirm_drop_restore(o->pin_root, o->iface);
	return err;
}

static void stale_pins(const struct xr_opts *o)
{
	fprintf(stderr, "error: %s: the pins under %s/%s describe a program that is no longer "
			"attached (interface recreated or program removed); "
			"run `xdp-reflector detach %s`, then load\n",
		o->iface, o->pin_root, o->iface, o->iface);
}

/*
 * `load --replace` where xdp-reflector is loaded (another build's pins after
 * an upgrade, or this build's): the new program takes over on the same XDP
 * link, never a moment without a filter. The lock is held.
 */
static int takeover(struct xr_opts *o, struct xr_policy *p, int ifindex,
		    int mode, const struct xr_xdp_info *now)
{
	struct xr_meta meta;
	struct xr_maps m;
	int err;

	if (now->mode != mode) {
		fprintf(stderr, "error: %s: the program runs in %s mode and a takeover keeps it; "
				"pass `--mode %s` (changing the mode needs detach and load)\n",
			o->iface, mode_name(now->mode), mode_name(now->mode));
		return XR_EXIT_USAGE;
	}
	if (o->confirm_secs) {
		fprintf(stderr, "error: %s: --confirm cannot undo a takeover; "
				"take over first, then `reload --confirm`\n",
			o->iface);
		return XR_EXIT_USAGE;
	}
	/* This build's pins: a pending --confirm must resolve first. */
	if (!xr_dp_open(o->pin_root, o->iface, &m)) {
		err = xr_dp_read_meta(&m, &meta);
		if (!err)
			err = pending_confirm(o, &m, &meta);
		xr_dp_close(&m);
		if (err)
			return XR_EXIT_RUNTIME;
	}
	if (xr_takeover(o->pin_root, o->iface, ifindex, mode, p, o->verbose))
		return XR_EXIT_RUNTIME;
	printf("%s: loaded %s (%s mode, %zu rules, digest %016llx%s), taking over from the program "
	       "that was there\n",
	       o->iface, p->name, mode_name(mode), p->nrules,
	       (unsigned long long)xr_policy_digest(p),
	       p->classes.monitor ? ", monitor: nothing is dropped" : "");
	return XR_EXIT_OK;
}

int xr_cmd_load(struct xr_opts *o)
{
	int mode = strcmp(o->mode, "generic") ? XR_MODE_NATIVE : XR_MODE_GENERIC;
	struct xr_restore restore = { .prog_fd = -1 };
	struct xr_policy *p = NULL;
	struct xr_seed_run seed;
	struct xr_xdp_info other;
	int ifindex, err, lock = -1, rc = XR_EXIT_RUNTIME;
	struct xr_maps m;

	err = prepare(o, &p);
	if (err)
		return xr_exit_code(err);
	p->classes.monitor = o->monitor == 1;
	ifindex = (int)if_nametoindex(o->iface);
	if (!ifindex) {
		fprintf(stderr, "error: no interface '%.40s' here (see `ip link`)\n",
			o->iface);
		goto out;
	}
	err = xr_iface_check_ethernet(o->iface);
	if (err) {
		if (err == -EINVAL)
			rc = XR_EXIT_USAGE;
		else
			fprintf(stderr, "error: %s: cannot read the link type: %s\n",
				o->iface, strerror(-err));
		goto out;
	}
	err = xr_dp_query(ifindex, &other);
	if (err) {
		fprintf(stderr, "error: %s: cannot query XDP: %s\n", o->iface,
			strerror(-err));
		goto out;
	}
	err = xr_dp_ensure_bpffs(o->pin_root);
	if (err)
		goto out;
	lock = xr_dp_lock(o->pin_root);
	if (lock < 0) {
		fprintf(stderr, "error: cannot lock %s: %s\n", o->pin_root,
			strerror(-lock));
		goto out;
	}
	err = xr_dp_open(o->pin_root, o->iface, &m);
	if ((!err || err == -XR_EOTHERBUILD) && o->replace &&
	    xr_pins_live(o->pin_root, o->iface)) {
		if (!err)
			xr_dp_close(&m);
		rc = takeover(o, p, ifindex, mode, &other);
		goto out;
	}
	if (err == -XR_EOTHERBUILD) {
		xr_pin_compat_report(o->pin_root, o->iface);
		goto out;
	}
	if (!err) {
		err = xr_dp_check_live(&m, o->iface);
		xr_dp_close(&m);
		if (err)
			stale_pins(o);
		else
			fprintf(stderr, "error: %s: xdp-reflector is already loaded; "
					"use `xdp-reflector reload %s PROFILE`\n",
				o->iface, o->iface);
		goto out;
	}
	if (err != -ENOENT) {
		fprintf(stderr, "error: %s: cannot read the pins under %s: %s\n",
			o->iface, o->pin_root, strerror(-err));
		goto out;
	}
	if (other.prog_id && !o->replace) {
		fprintf(stderr, "error: %s: XDP program %u (%s, %s mode) is already attached; "
				"pass --replace to take over from it\n",
			o->iface, other.prog_id, other.name[0] ? other.name : "?",
			mode_name(other.mode));
		goto out;
	}
	if (other.prog_id && o->confirm_secs) {
		/* Hold the replaced program so a rollback can put it back. */
		restore.prog_fd = xr_dp_prog_hold(other.prog_id);
		restore.mode = other.mode;
		restore.ifindex = ifindex;
		if (restore.prog_fd < 0) {
			fprintf(stderr, "error: %s: cannot hold XDP program %u for a rollback: %s\n",
				o->iface, other.prog_id,
				strerror(-restore.prog_fd));
			goto out;
		}
	}
	err = xr_dp_load(o->pin_root, o->iface, ifindex, mode, p,
			 other.prog_id ? &other : NULL, o->verbose);
	if (err)
		goto out;
	/*
	 * Seeded right after the attach: from then on no connection to a
	 * port the policy closes can form, so this snapshot misses none that
	 * needs an entry. What arrives in the few ms before is dropped once
	 * (TCP retransmits). Entries pass only the exact tuples of
	 * connections the kernel holds: nothing more is reachable.
	 */
	if (!xr_dp_open(o->pin_root, o->iface, &m)) {
		xr_seed_begin(&seed);
		if (!xr_seed_pass(&seed, &m, p, o->iface))
			xr_seed_record(&seed, &m);
		xr_dp_close(&m);
	}
	if (o->confirm_secs && xr_confirm_arm(o, 1, 0, &restore)) {
		/* No rollback armed: take the change back now. */
		xr_dp_detach(o->pin_root, o->iface);
		if (restore.prog_fd >= 0)
			xr_dp_reattach(ifindex, restore.prog_fd, restore.mode);
		fprintf(stderr, "error: %s: not loaded: a --confirm load needs its rollback\n",
			o->iface);
		goto out;
	}
	printf("%s: loaded %s (%s mode, %zu rules, digest %016llx%s)%s\n",
	       o->iface, p->name, mode_name(mode), p->nrules,
	       (unsigned long long)xr_policy_digest(p),
	       p->classes.monitor ? ", monitor: nothing is dropped" : "",
	       o->confirm_secs ? "; run `xdp-reflector confirm` to keep it" : "");
	rc = XR_EXIT_OK;
out:
	if (lock >= 0)
		close(lock);
	if (restore.prog_fd >= 0)
		close(restore.prog_fd);
	xr_policy_free(p);
	return rc;
}

int xr_cmd_reload(struct xr_opts *o)
{
	struct xr_restore none = { .prog_fd = -1 };
	int err, lock = -1, rc = XR_EXIT_RUNTIME;
	struct xr_policy *p = NULL;
	struct xr_seed_run seed;
	struct xr_meta meta;
	struct xr_maps m;
	__u32 before, flags = 0;

	err = prepare(o, &p);
	if (err)
		return xr_exit_code(err);
	lock = xr_dp_lock(o->pin_root);
	err = lock < 0 ? lock : xr_dp_open(o->pin_root, o->iface, &m);
	if (err) {
		if (err == -ENOENT)
			fprintf(stderr, "error: %s: xdp-reflector is not loaded here; "
					"use `xdp-reflector load` first\n",
				o->iface);
		else if (err == -XR_EOTHERBUILD)
			xr_pin_compat_report(o->pin_root, o->iface);
		else
			fprintf(stderr, "error: %s: cannot read the pins under %s: %s\n",
				o->iface, o->pin_root, strerror(-err));
		goto out;
	}
	err = xr_dp_check_live(&m, o->iface);
	if (err)
		stale_pins(o);
	if (!err)
		err = xr_dp_read_meta(&m, &meta);
	if (!err)
		err = pending_confirm(o, &m, &meta);
	if (!err)
		err = xr_dp_active_gen(&m, &before);
	if (!err)
		err = xr_dp_active_flags(&m, &flags);
	if (!err) {
		/* Neither --monitor nor --enforce: the mode in force stays. */
		p->classes.monitor = o->monitor < 0 ?
					     !!(flags & XR_GEN_MONITOR) :
					     o->monitor == 1;
		if (xr_capture_clear_stale(&m) == 1)
			fprintf(stderr, "warning: %s: a capture that was killed had left drop copies on; cleared\n",
				o->iface);
	}
	if (!err) {
		__u32 tracked;

		/* A map's size is fixed once loaded: say so rather than pretend. */
		if (!xr_dp_rate_sources(&m, &tracked) &&
		    tracked != xr_rate_sets(p->rate_sources) * XR_RATE_WAYS)
			fprintf(stderr, "warning: %s: the rate limits track %u sources until the next "
					"detach and load (the profile asks for rate_sources: %u)\n",
				o->iface, tracked, p->rate_sources);
		/*
		 * Seeded before the flip, so the new policy never runs without
		 * the entries, and again after it, for a connection accepted in
		 * between (none can form on a closed port after the flip). An
		 * entry passes only its connection's exact tuple.
		 */
		xr_seed_begin(&seed);
		xr_seed_pass(&seed, &m, p, o->iface);
		err = xr_dp_reload(&m, p);
		if (err)
			fprintf(stderr, "error: %s: reload failed, the policy in force is unchanged: %s\n",
				o->iface, strerror(-err));
		else if (!xr_seed_pass(&seed, &m, p, o->iface))
			xr_seed_record(&seed, &m);
	}
	if (!err && o->confirm_secs && xr_confirm_arm(o, 0, before, &none)) {
		/* No rollback armed: take the change back now. */
		xr_dp_flip_back(&m, before);
		fprintf(stderr, "error: %s: the previous policy is back in force: "
				"a --confirm reload needs its rollback\n",
			o->iface);
		err = -ECHILD;
	}
	xr_dp_close(&m);
	if (err)
		goto out;
	printf("%s: reloaded %s (%zu rules, digest %016llx, %s)%s\n", o->iface,
	       p->name, p->nrules, (unsigned long long)xr_policy_digest(p),
	       p->classes.monitor ? "monitor: nothing is dropped" : "enforce",
	       o->confirm_secs ? "; run `xdp-reflector confirm` to keep it" : "");
	rc = XR_EXIT_OK;
out:
	if (lock >= 0)
		close(lock);
	xr_policy_free(p);
	return rc;
}

int xr_cmd_detach(struct xr_opts *o)
{
	int lock = xr_dp_lock(o->pin_root);
	int err = -ENOENT;

	if (lock >= 0) {
		err = xr_dp_detach(o->pin_root, o->iface);
		/* A pending --replace --confirm's held program goes too. */
		if (!err)
			xr_confirm_drop_restore(o->pin_root, o->iface);
	}

	if (lock >= 0)
		close(lock);
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
