// SPDX-License-Identifier: GPL-2.0
/*
 * Are the pins under PIN_ROOT/IFACE this build's? An upgrade of the package
 * leaves the old program attached with the maps it was built with; a map
 * this build added is missing there, one whose layout changed has another
 * value size. Opening such pins as ours would read and write values of the
 * wrong size. The reference is this build's object, read from the skeleton
 * (opened, never loaded), and the loader's own xr_audit. See pin_compat.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd_confirm.h"
#include "datapath_priv.h"
#include "pin_compat.h"
#include "xdp_reflector.skel.h"

struct map_spec {
	char name[BPF_OBJ_NAME_LEN]; /* the kernel's name, as it truncates it */
	__u32 type, key_size, value_size, max_entries;
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

/* The object's map behind pin NAME (globals are pinned under their own names).
 */
static struct bpf_map *object_map(struct xdp_reflector_bpf *s, const char *name)
{
	if (!strcmp(name, XR_MAP_CONFIG))
		return s->maps.data_xr_config;
	if (!strcmp(name, XR_MAP_PORTS) || !strcmp(name, XR_MAP_SOURCES) ||
	    !strcmp(name, XR_MAP_FLOW_PORTS))
		return s->maps.bss;
	return bpf_object__find_map_by_name(s->obj, name);
}

/* This build's spec of map pin NAME (S: the opened skeleton): 0, or
 * -ENOENT for a name it does not pin. */
static int build_spec(struct xdp_reflector_bpf *s, const char *name,
		      struct map_spec *out)
{
	struct bpf_map *map;

	memset(out, 0, sizeof(*out));
	if (!strcmp(name, XR_PIN_AUDIT)) {
		snprintf(out->name, sizeof(out->name), "%s", XR_PIN_AUDIT);
		out->type = BPF_MAP_TYPE_ARRAY;
		out->key_size = sizeof(__u32);
		out->value_size = sizeof(struct xr_audit_rec);
		out->max_entries = XR_AUDIT_KEYS;
		return 0;
	}
	map = object_map(s, name);
	if (!map)
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "%s", bpf_map__name(map));
	out->type = bpf_map__type(map);
	out->key_size = bpf_map__key_size(map);
	out->value_size = bpf_map__value_size(map);
	/* Sized by the profile at load (defaults: rate_sources): any size. */
	out->max_entries = strcmp(name, XR_MAP_RATE_SRC) ?
				   bpf_map__max_entries(map) : 0;
	return 0;
}

static bool is_map_pin(const char *name)
{
	size_t i;

	if (!strcmp(name, XR_PIN_AUDIT))
		return true;
	for (i = 0; xr_dp_map_pin(i); i++)
		if (!strcmp(name, xr_dp_map_pin(i)))
			return true;
	return false;
}

static bool is_known_pin(const char *name)
{
	return is_map_pin(name) || !strcmp(name, XR_PIN_LINK) ||
	       !strcmp(name, XR_PIN_EGRESS_LINK) ||
	       !strcmp(name, XR_PIN_RESTORE);
}

/* Append "NAME: WHAT" to WHY (separated by "; "). */
static void note(char *why, size_t len, const char *name, const char *what)
{
	size_t n = len ? strlen(why) : 0;

	if (n + 4 < len)
		snprintf(why + n, len - n, "%s%s: %s", n ? "; " : "", name,
			 what);
}

/* Compare pin PATH (named NAME) with this build's spec; note a difference. */
static int check_map(struct xdp_reflector_bpf *s, const char *path,
		     const char *name, char *why, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	struct map_spec want;
	char what[160];
	int fd, err;

	err = build_spec(s, name, &want);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		if (!strcmp(name, XR_PIN_AUDIT))
			return 0; /* made at the first audited change */
		note(why, len, name, "missing");
		return 1;
	}
	err = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? -errno : 0;
	close(fd);
	if (err) {
		/* Not a map (a link or program pinned under a map's name). */
		if (err != -EINVAL)
			return err;
		note(why, len, name, "not a map");
		return 1;
	}
	what[0] = '\0';
	if (info.type != want.type)
		snprintf(what, sizeof(what), "map type %u, this build's %u",
			 info.type, want.type);
	else if (info.key_size != want.key_size)
		snprintf(what, sizeof(what), "key size %u, this build's %u",
			 info.key_size, want.key_size);
	else if (info.value_size != want.value_size)
		snprintf(what, sizeof(what), "value size %u, this build's %u",
			 info.value_size, want.value_size);
	else if (want.max_entries && info.max_entries != want.max_entries)
		snprintf(what, sizeof(what), "max_entries %u, this build's %u",
			 info.max_entries, want.max_entries);
	else if (strncmp(info.name, want.name, BPF_OBJ_NAME_LEN - 1))
		snprintf(what, sizeof(what),
			 "the map '%.15s', this build's '%.15s'", info.name,
			 want.name);
	if (!what[0])
		return 0;
	note(why, len, name, what);
	return 1;
}

int xr_pin_compat(const char *dir, char *why, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct xdp_reflector_bpf *s = xdp_reflector_bpf__open();
	int err = 0, differ = 0;
	char path[320];
	struct dirent *de;
	size_t i;
	DIR *d;

	libbpf_set_print(old);
	if (!s)
		return -errno;
	if (len)
		why[0] = '\0';
	for (i = 0; xr_dp_map_pin(i) && err >= 0; i++) {
		xr_dp_pin_path(dir, xr_dp_map_pin(i), path, sizeof(path));
		err = check_map(s, path, xr_dp_map_pin(i), why, len);
		differ |= err > 0;
	}
	if (err >= 0) {
		xr_dp_pin_path(dir, XR_PIN_AUDIT, path, sizeof(path));
		err = check_map(s, path, XR_PIN_AUDIT, why, len);
		differ |= err > 0;
	}
	xdp_reflector_bpf__destroy(s);
	if (err < 0)
		return err;
	/* A pin this build does not make: a newer build's (a downgrade). */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || is_known_pin(de->d_name))
			continue;
		note(why, len, de->d_name, "not made by this build");
		differ = 1;
	}
	if (d)
		closedir(d);
	return differ ? -XR_EOTHERBUILD : 0;
}

bool xr_pins_live(const char *root, const char *iface)
{
	char dir[256], path[320];
	struct xr_maps m;
	bool live;

	if (xr_dp_pin_dir(root, iface, dir, sizeof(dir)) ||
	    xr_dp_pin_path(dir, XR_PIN_LINK, path, sizeof(path)))
		return false;
	memset(&m, 0xff, sizeof(m));
	m.link = bpf_obj_get(path);
	live = m.link >= 0 && !xr_dp_check_live(&m, iface);
	if (m.link >= 0)
		close(m.link);
	return live;
}

void xr_pin_compat_report(const char *root, const char *iface)
{
	char dir[256], why[512] = "";

	if (xr_dp_pin_dir(root, iface, dir, sizeof(dir)) ||
	    xr_pin_compat(dir, why, sizeof(why)) != -XR_EOTHERBUILD)
		snprintf(why, sizeof(why), "?");
	if (xr_pins_live(root, iface))
		fprintf(stderr,
			"error: pins of %s were made by another xdp-reflector "
			"build (%s); "
			"`xdp-reflector load %s PROFILE --replace` takes over "
			"without a gap\n",
			iface, why, iface);
	else
		fprintf(stderr,
			"error: %s: the pins under %s were made by another "
			"xdp-reflector "
			"build (%s) for a program that is no longer attached; "
			"run `xdp-reflector detach %s`, then load\n",
			iface, dir, why, iface);
}
