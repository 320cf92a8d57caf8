// SPDX-License-Identifier: GPL-2.0
/*
 * `extends` and `remove`: load a profile's chain of bases (cycles and depth
 * bounded) and merge each base into the profile that extends it, in steps:
 * the removed entries, features, entries, never_expose, defaults, and the
 * file names the merged locations point to (policies/README.md, "extends").
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The distinct service labels of BASE's entries, for a suggestion. */
static size_t service_labels(const struct xr_profile *base, const char **labels,
			     size_t max)
{
	size_t nl = 0, j, k;

	for (j = 0; j < base->nentries && nl < max; j++) {
		for (k = 0; k < nl; k++)
			if (!strcmp(labels[k], base->entries[j].service))
				break;
		if (k == nl)
			labels[nl++] = base->entries[j].service;
	}
	return nl;
}

/* Mark in DROP the entries of BASE that SITE's `remove` names. */
static int mark_removed(const struct xr_profile *base,
			const struct xr_profile *site, bool *drop)
{
	size_t i, j;

	for (i = 0; i < site->nremoves; i++) {
		const struct xr_remove *r = &site->removes[i];
		const char *labels[64], *near;
		bool found = false;

		for (j = 0; j < base->nentries; j++) {
			if (!strcmp(base->entries[j].service, r->service)) {
				drop[j] = true;
				found = true;
			}
		}
		if (found)
			continue;
		near = xr_nearest(r->service, labels,
				  service_labels(base, labels, 64));
		if (near)
			xr_error_at(&r->loc,
				    "remove '%s': profile '%s' has no entry "
				    "with that service; did you mean '%s'?",
				    XR_CLIPPED(r->service), base->name, near);
		else
			xr_error_at(&r->loc,
				    "remove '%s': profile '%s' has no entry "
				    "with that service; run 'xdp-reflector "
				    "check %s' to see its services",
				    XR_CLIPPED(r->service), base->name,
				    base->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * BASE's features with SITE's merged in (FEATS, *NFEATS): a feature of the
 * same name changes the fields SITE wrote, a new one is added. MAP takes
 * SITE's feature indexes to FEATS'.
 */
static int merge_features(const struct xr_profile *base,
			  const struct xr_profile *site,
			  struct xr_feature *feats, size_t *nfeats, int *map)
{
	size_t i, j;

	memcpy(feats, base->features, sizeof(base->features));
	*nfeats = base->nfeatures;
	for (i = 0; i < site->nfeatures; i++) {
		const struct xr_feature *f = &site->features[i];
		struct xr_feature *t = NULL;

		for (j = 0; j < *nfeats; j++)
			if (!strcmp(feats[j].name, f->name))
				t = &feats[j];
		if (!t) {
			if (!xr_feature_has_entries(site, i)) {
				xr_error_at(&f->loc,
					    "feature '%s' is not in profile "
					    "'%s' and opens no ports; give it "
					    "'allow:' entries",
					    f->name, base->name);
				return -EINVAL;
			}
			if (*nfeats == XR_FEATURES_MAX) {
				xr_error_at(&f->loc,
					    "more than %d features with those "
					    "of '%s'; merge some of them",
					    XR_FEATURES_MAX, base->name);
				return -EINVAL;
			}
			map[i] = (int)*nfeats;
			feats[(*nfeats)++] = *f;
			continue;
		}
		map[i] = (int)(t - feats);
		/* Errors about its state point where it was last set. */
		t->loc = f->loc;
		if (f->set & XR_FSET_DESCRIPTION)
			memcpy(t->description, f->description,
			       sizeof(t->description));
		if (f->set & XR_FSET_REQUIRED)
			memcpy(t->required, f->required, sizeof(t->required));
		if (f->set & XR_FSET_DEFAULT)
			t->enabled = f->enabled;
		if (f->set & XR_FSET_SOURCES)
			t->sources_required = f->sources_required;
		t->set |= f->set;
	}
	return 0;
}

/* SITE's entries become BASE's (but DROP) then its own, features mapped. */
static int merge_entries(struct xr_profile *base, struct xr_profile *site,
			 const bool *drop, const int *map)
{
	struct xr_entry *entries;
	size_t n = 0, i;

	entries = calloc(base->nentries + site->nentries + 1, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	for (i = 0; i < base->nentries; i++) {
		if (drop[i])
			continue;
		entries[n++] = base->entries[i];
		base->entries[i].sources = NULL;
	}
	for (i = 0; i < site->nentries; i++) {
		entries[n] = site->entries[i];
		if (entries[n].feature >= 0)
			entries[n].feature = map[entries[n].feature];
		n++;
	}
	if (n > XR_ENTRIES_MAX) {
		xr_error_at(&site->root_loc,
			    "%zu allow entries with those of '%s'; at most %d",
			    n, base->name, XR_ENTRIES_MAX);
		for (i = 0; i < n; i++)
			xr_entry_release(&entries[i]);
		free(entries);
		site->nentries = 0;
		return -EINVAL;
	}
	free(site->entries);
	site->entries = entries;
	site->nentries = n;
	return 0;
}

/* never_expose: BASE's and SITE's; `remove` does not touch them. */
static int merge_never(struct xr_profile *base, struct xr_profile *site)
{
	struct xr_entry *never;

	never = calloc(base->nnever + site->nnever + 1, sizeof(*never));
	if (!never)
		return -ENOMEM;
	/* memcpy() from NULL is undefined even for 0 bytes. */
	if (base->nnever)
		memcpy(never, base->never, base->nnever * sizeof(*never));
	if (site->nnever)
		memcpy(never + base->nnever, site->never,
		       site->nnever * sizeof(*never));
	free(site->never);
	site->never = never;
	site->nnever += base->nnever;
	base->nnever = 0;
	return 0;
}

/* Which bytes of struct xr_class_policy each `defaults` field sets. */
#define FIELD(bit, f)                                                          \
	{                                                                      \
		bit, offsetof(struct xr_class_policy, f),                      \
			sizeof(((struct xr_class_policy *)0)->f)               \
	}
static const struct {
	unsigned int set;
	size_t offset, size;
} default_fields[] = {
	FIELD(XR_DSET_ECHO, drop_echo),
	FIELD(XR_DSET_FRAGMENTS, drop_frags),
	FIELD(XR_DSET_OTHER, other_ip_pass),
	FIELD(XR_DSET_ALLOW_PROTOS, other_ip_allow),
	FIELD(XR_DSET_REPLIES, replies),
	FIELD(XR_DSET_REPLY_TCP, reply_tcp_secs),
	FIELD(XR_DSET_REPLY_UDP, reply_udp_secs),
	FIELD(XR_DSET_REPLY_CLOSED, reply_closed_secs),
	FIELD(XR_DSET_ICMP_INFO, icmp_info_pass),
};

/* `defaults` field by field: SITE's where it wrote one, else BASE's. */
static void merge_defaults(const struct xr_profile *base,
			   struct xr_profile *site)
{
	struct xr_class_policy c = base->classes;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(default_fields); i++)
		if (site->classes_set & default_fields[i].set)
			memcpy((uint8_t *)&c + default_fields[i].offset,
			       (const uint8_t *)&site->classes +
				       default_fields[i].offset,
			       default_fields[i].size);
	site->classes = c;
	if (!(site->classes_set & XR_DSET_RATE_SOURCES))
		site->rate_sources = base->rate_sources;
	site->classes_set |= base->classes_set;
}

/* Locations in the base's entries point to the base's file names. */
static int take_files(struct xr_profile *base, struct xr_profile *site)
{
	char **nv = realloc(site->files,
			    (site->nfiles + base->nfiles) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	site->files = nv;
	memcpy(site->files + site->nfiles, base->files,
	       base->nfiles * sizeof(*nv));
	site->nfiles += base->nfiles;
	base->nfiles = 0;
	return 0;
}

/* SITE takes BASE in: BASE's entries (minus `remove`), features, rules. */
static int merge(struct xr_profile *base, struct xr_profile *site)
{
	struct xr_feature feats[XR_FEATURES_MAX];
	int map[XR_FEATURES_MAX];
	size_t nfeats;
	bool *drop;
	int err;

	drop = calloc(base->nentries + 1, sizeof(*drop));
	if (!drop)
		return -ENOMEM;
	err = mark_removed(base, site, drop);
	if (!err)
		err = merge_features(base, site, feats, &nfeats, map);
	if (!err)
		err = merge_entries(base, site, drop, map);
	free(drop);
	if (!err)
		err = merge_never(base, site);
	if (err)
		return err;
	memcpy(site->features, feats, sizeof(feats));
	site->nfeatures = nfeats;
	/* Toggle errors point at a `features:`, the base's if need be. */
	if (!site->features_set && base->features_set) {
		site->features_loc = base->features_loc;
		site->features_set = true;
	}
	merge_defaults(base, site);
	if (!site->description_set)
		memcpy(site->description, base->description,
		       sizeof(site->description));
	return take_files(base, site);
}

struct chain {
	char real[XR_EXTENDS_MAX][PATH_MAX];
	const char *shown[XR_EXTENDS_MAX];
	size_t n;
};

static int load_chain(const char *ref, const char *from,
		      const struct xr_loc *at, struct chain *ch,
		      struct xr_profile **out)
{
	char path[PATH_MAX], real[PATH_MAX], names[256], dirs[512], stem[64];
	struct xr_profile *site = NULL, *base = NULL;
	size_t i;
	int err;

	*out = NULL;
	err = xr_profile_find(ref, from, path, sizeof(path));
	if (err) {
		bool name = xr_profile_is_name(ref);

		xr_profile_builtin_names(names, sizeof(names));
		xr_profile_dir_list(dirs, sizeof(dirs));
		if (xr_profile_meant_builtin(ref, stem, sizeof(stem)) && at)
			xr_error_at(at,
				    "extends '%s': no such file beside this "
				    "profile; the built-in is named '%s': "
				    "write 'extends: %s'",
				    XR_CLIPPED(ref), stem, stem);
		else if (xr_profile_meant_builtin(ref, stem, sizeof(stem)))
			xr_error_file(path,
				      "no such file; the built-in profile is "
				      "named '%s' (give '%s', without .yaml)",
				      stem, stem);
		else if (at && name)
			xr_error_at(at,
				    "extends '%s': no such built-in profile "
				    "(built-ins: %s; searched %s); name one of "
				    "them or give a path like ./base.yaml",
				    XR_CLIPPED(ref), names, dirs);
		else if (at)
			xr_error_at(at,
				    "extends '%s': cannot open %s: %s; paths "
				    "are relative to this file's directory",
				    XR_CLIPPED(ref), path, strerror(-err));
		else if (name)
			xr_error_file(ref,
				      "no such built-in profile (built-ins: "
				      "%s; searched %s); name one of them or "
				      "give the path of a .yaml file",
				      names, dirs);
		else
			xr_error_file(
				path,
				"cannot open the profile: %s; give the path of "
				"a .yaml profile or a built-in name (%s)",
				strerror(-err), names);
		/* A missing profile is the user's mistake, the rest the
		 * system's. */
		return err == -ENOENT || err == -ENOTDIR || err == -ENAMETOOLONG
			       ? -EINVAL
			       : err;
	}
	if (!realpath(path, real)) {
		err = -errno;
		xr_error_file(path, "cannot resolve the path: %s",
			      strerror(-err));
		return err;
	}
	for (i = 0; i < ch->n; i++) {
		if (!strcmp(ch->real[i], real)) {
			char cycle[512];
			size_t used = 0, k;

			cycle[0] = '\0';
			for (k = i; k < ch->n && used < sizeof(cycle); k++) {
				int w = snprintf(cycle + used,
						 sizeof(cycle) - used, "%s -> ",
						 base_name(ch->shown[k]));
				if (w > 0)
					used += (size_t)w;
			}
			xr_error_at(
				at,
				"extends '%s' makes a cycle (%s%s); a profile "
				"cannot extend itself, remove one 'extends'",
				XR_CLIPPED(ref), cycle, base_name(path));
			return -EINVAL;
		}
	}
	if (ch->n == XR_EXTENDS_MAX) {
		xr_error_at(at,
			    "extends '%s' makes a chain of more than %d "
			    "profiles; extend a profile higher up the chain",
			    XR_CLIPPED(ref), XR_EXTENDS_MAX);
		return -EINVAL;
	}
	err = xr_profile_parse(path, &site);
	if (err)
		return err;
	memcpy(ch->real[ch->n], real, sizeof(real));
	ch->shown[ch->n] = site->files[0];
	ch->n++;
	if (site->extends[0]) {
		err = load_chain(site->extends, site->files[0],
				 &site->extends_loc, ch, &base);
		if (!err)
			err = merge(base, site);
		xr_profile_free(base);
	}
	ch->n--;
	if (err) {
		xr_profile_free(site);
		return err;
	}
	*out = site;
	return 0;
}

int xr_profile_load(const char *ref, struct xr_profile **out)
{
	struct chain *ch;
	int err;

	*out = NULL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	err = load_chain(ref, NULL, NULL, ch, out);
	free(ch);
	if (!err)
		err = xr_profile_check(*out);
	if (err) {
		xr_warnings_flush(false);
		xr_profile_free(*out);
		*out = NULL;
	}
	return err;
}
