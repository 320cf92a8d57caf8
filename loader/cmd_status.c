// SPDX-License-Identifier: GPL-2.0
/* status: where xdp-reflector is loaded, in which mode, with which policy. */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "cmd_capture.h"
#include "cmd_confirm.h"
#include "datapath.h"
#include "iface.h"
#include "json.h"
#include "pin_compat.h"

struct iface_status {
	char iface[IF_NAMESIZE];
	const char *mode; /* what the kernel reports now */
	__u32 prog_id;
	__u32 gen;
	struct xr_meta meta;
	const char *egress; /* the recorder's hook: tcx or clsact */
	/* the pin root, where the audit record is */
	const char *root;
	bool monitor; /* the policy in force drops nothing (monitor mode) */
	__u32 capture_pid; /* a running capture, or 0 */
};

static void iso_time(__u64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int read_status(const struct xr_opts *o, const char *iface,
		       struct iface_status *st)
{
	struct xr_xdp_info xdp;
	struct xr_maps m;
	__u32 link_ifindex = 0, flags = 0;
	int ifindex, err, lock;

	memset(st, 0, sizeof(*st));
	snprintf(st->iface, sizeof(st->iface), "%s", iface);
	st->root = o->pin_root;
	err = xr_dp_open(o->pin_root, iface, &m);
	if (err)
		return err;
	/* A capture killed before it could clear its flag: clear it now. */
	lock = xr_dp_lock(o->pin_root);
	if (lock >= 0) {
		if (xr_capture_clear_stale(&m) == 1)
			fprintf(stderr, "warning: %s: a capture that was killed had left drop copies on; cleared\n",
				iface);
		close(lock);
	}
	err = xr_dp_read_meta(&m, &st->meta);
	if (!err)
		err = xr_dp_active_gen(&m, &st->gen);
	if (!err)
		err = xr_dp_active_flags(&m, &flags);
	st->monitor = !!(flags & XR_GEN_MONITOR);
	st->capture_pid = xr_capture_owner(&m);
	if (!err)
		xr_dp_link_info(&m, &st->prog_id, &link_ifindex);
	st->egress = xr_dp_egress_hook(&m);
	xr_dp_close(&m);
	if (err)
		return err;
	/* Report the mode the kernel has, not the one that was asked for. */
	st->mode = "detached";
	ifindex = (int)if_nametoindex(iface);
	if (ifindex && !xr_dp_query(ifindex, &xdp) && xdp.prog_id &&
	    xdp.prog_id == st->prog_id)
		st->mode = xdp.mode == XR_MODE_GENERIC ? "generic" : "native";
	return 0;
}

/*
 * A pin root may be a bpffs root itself, holding maps.debug, progs.debug and
 * iproute2's tc/ ip/ xdp/: ours are the directories with our meta map pin.
 */
static bool is_our_pin_dir(const char *root, const char *name)
{
	char path[320];
	struct stat st;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", root, name);
	if (n < 0 || (size_t)n >= sizeof(path) || lstat(path, &st) ||
	    !S_ISDIR(st.st_mode))
		return false;
	n = snprintf(path, sizeof(path), "%s/%s/%s", root, name, XR_MAP_META);
	return n > 0 && (size_t)n < sizeof(path) && !access(path, F_OK);
}

static void print_json(struct json *j, const struct iface_status *st)
{
	const struct xr_meta_policy *mp = &st->meta.gen[st->gen];
	char digest[17], when[32];
	const char *f = mp->features;

	snprintf(digest, sizeof(digest), "%016llx",
		 (unsigned long long)mp->digest);
	iso_time(mp->loaded_at, when, sizeof(when));
	json_object_start(j, NULL);
	json_string(j, "interface", st->iface);
	json_string(j, "mode", st->mode);
	json_string(j, "policy_mode", st->monitor ? "monitor" : "enforce");
	json_uint(j, "capture_pid", st->capture_pid);
	json_string(j, "egress", st->egress);
	json_uint(j, "prog_id", st->prog_id);
	json_string(j, "profile", mp->profile);
	json_string(j, "digest", digest);
	json_array_start(j, "features");
	while (*f) {
		const char *comma = strchr(f, ',');
		size_t n = comma ? (size_t)(comma - f) : strlen(f);
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)n, f);
		json_string(j, NULL, name);
		f += n + (comma ? 1 : 0);
	}
	json_array_end(j);
	json_uint(j, "rules", mp->nrules);
	json_uint(j, "seeded_flows", st->meta.seeded_flows);
	json_uint(j, "loaded_at", mp->loaded_at);
	json_string(j, "loaded", when);
	json_bool(j, "confirm_pending", st->meta.confirm_deadline != 0);
	json_uint(j, "confirm_deadline", st->meta.confirm_deadline);
	json_uint(j, "rollback_pid", st->meta.confirm_pid);
	json_bool(j, "rollback_alive",
		  st->meta.confirm_deadline && xr_confirm_rollback_alive(&st->meta));
	xr_audit_show(st->root, st->iface, j);
	json_object_end(j);
}

static void print_row(const struct iface_status *st)
{
	const struct xr_meta_policy *mp = &st->meta.gen[st->gen];
	char when[32], confirm[48] = "-";

	iso_time(mp->loaded_at, when, sizeof(when));
	if (st->meta.confirm_deadline) {
		long left = (long)st->meta.confirm_deadline - (long)time(NULL);

		if (xr_confirm_rollback_alive(&st->meta))
			snprintf(confirm, sizeof(confirm), "pending (%lds left)",
				 left > 0 ? left : 0);
		else
			snprintf(confirm, sizeof(confirm),
				 "pending, rollback process gone");
	}
	printf("%-12s %-8s %-8s %-6s %-6u %-20s %016llx  %-20s %-30s %-6u %s",
	       st->iface, st->mode, st->monitor ? "monitor" : "enforce",
	       st->egress, st->prog_id, mp->profile,
	       (unsigned long long)mp->digest, when,
	       mp->features[0] ? mp->features : "-", st->meta.seeded_flows,
	       confirm);
	if (st->capture_pid)
		printf("  (capture running, pid %u)", st->capture_pid);
	putchar('\n');
	xr_audit_show(st->root, st->iface, NULL);
}

int xr_cmd_status(struct xr_opts *o)
{
	struct iface_status st;
	struct json j;
	struct dirent *de;
	DIR *d = NULL;
	int err, n = 0, failed = 0;

	/* Errors first, so that stdout holds a whole document or nothing. */
	if (o->iface) {
		err = is_our_pin_dir(o->pin_root, o->iface) ?
			      read_status(o, o->iface, &st) :
			      -ENOENT;
		if (err) {
			if (err == -ENOENT)
				fprintf(stderr, "error: %s: xdp-reflector is not loaded here\n",
					o->iface);
			else if (err == -XR_EOTHERBUILD)
				xr_pin_compat_report(o->pin_root, o->iface);
			else
				fprintf(stderr, "error: %s: cannot read the pins under %s: %s\n",
					o->iface, o->pin_root, strerror(-err));
			return XR_EXIT_RUNTIME;
		}
	}
	if (o->json) {
		json_init(&j, stdout);
		json_array_start(&j, NULL);
	} else {
		printf("%-12s %-8s %-8s %-6s %-6s %-20s %-16s  %-20s %-30s %-6s %s\n",
		       "INTERFACE", "MODE", "POLICY", "EGRESS", "PROG", "PROFILE", "DIGEST",
		       "LOADED", "FEATURES", "SEEDED", "CONFIRM");
	}
	if (o->iface) {
		o->json ? print_json(&j, &st) : print_row(&st);
		n++;
	} else {
		d = opendir(o->pin_root);
		while (d && (de = readdir(d))) {
			/* Only a directory with a valid interface name can be
			 * ours (a bpffs root also holds maps.debug, progs.debug),
			 * and only one that holds our pins (iproute2's tc/ does not). */
			if (xr_iface_name_rule(de->d_name) ||
			    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
			    !is_our_pin_dir(o->pin_root, de->d_name))
				continue;
			err = read_status(o, de->d_name, &st);
			if (err) {
				/* Ours, but unreadable: say so. */
				if (err == -XR_EOTHERBUILD) {
					xr_pin_compat_report(o->pin_root, de->d_name);
					failed = 1;
				} else if (err != -ENOENT) {
					fprintf(stderr, "error: %s: cannot read the pins under %s: %s\n",
						de->d_name, o->pin_root, strerror(-err));
					failed = 1;
				}
				continue;
			}
			o->json ? print_json(&j, &st) : print_row(&st);
			n++;
		}
		if (d)
			closedir(d);
	}
	if (o->json) {
		json_array_end(&j);
		json_finish(&j);
	} else if (!n && !failed) {
		printf("(xdp-reflector is not loaded on any interface)\n");
	}
	return failed ? XR_EXIT_RUNTIME : XR_EXIT_OK;
}
