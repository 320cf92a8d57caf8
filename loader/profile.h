/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deployment profiles (policies/README.md): the YAML file as the loader
 * understands it, before toggles (toggles.c) and compilation (policy.c).
 * One file is read by profile.c, found by profile_find.c, merged with the
 * profiles it extends by extends.c and checked as a whole by overlap.c.
 *
 * Every value remembers where it was written (file, line, column), so every
 * error can point at the text to fix. Errors are reported once, through
 * xr_error_at(), as "file:line:column: error: what is wrong; what is right".
 */
#ifndef XR_PROFILE_H
#define XR_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "diag.h"
#include "policy.h"

/* Bounds on what a profile may hold. */
#define XR_EXTENDS_MAX 8    /* profiles in one extends chain */
#define XR_ENTRIES_MAX 4096 /* allow entries, features' included */
#define XR_NEVER_MAX 256    /* never_expose entries */

/* One `allow` or `never_expose` entry, a feature's included. */
struct xr_entry {
	char service[XR_SERVICE_MAX];
	unsigned int protos; /* XR_PROTO_BIT() mask */
	uint16_t first_port;
	uint16_t last_port;
	struct xr_cidr *sources; /* sorted, no duplicates */
	size_t nsources;
	int feature; /* index in xr_profile.features, -1: unconditional */
	struct xr_loc loc;
	bool guard;	     /* guard: webrtc */
	struct xr_rate_limit rate; /* rate.count 0: none */
};

/* Fields a feature definition wrote: an extending profile overrides those. */
#define XR_FSET_DESCRIPTION (1U << 0)
#define XR_FSET_REQUIRED (1U << 1)
#define XR_FSET_DEFAULT (1U << 2)
#define XR_FSET_SOURCES (1U << 3)

struct xr_feature {
	char name[XR_NAME_MAX];
	char description[128];
	char required[64];     /* the firewall page's "Required?" text */
	bool enabled;	       /* the default, before toggles */
	bool sources_required; /* never on without a source list */
	unsigned int set;      /* XR_FSET_* */
	struct xr_loc loc;     /* the feature's name */
};

/* Which `defaults` fields were written. */
#define XR_DSET_ECHO (1U << 0)
#define XR_DSET_FRAGMENTS (1U << 1)
#define XR_DSET_OTHER (1U << 2)
#define XR_DSET_ALLOW_PROTOS (1U << 3)
#define XR_DSET_REPLIES (1U << 4)
#define XR_DSET_REPLY_TCP (1U << 5)
#define XR_DSET_REPLY_UDP (1U << 6)
#define XR_DSET_REPLY_CLOSED (1U << 7)
#define XR_DSET_ICMP_INFO (1U << 8)
#define XR_DSET_RATE_SOURCES (1U << 9)

/* `defaults: reply_timeouts`: the longest a profile may set. */
#define XR_REPLY_SECS_MAX (7 * 24 * 3600)

struct xr_remove {
	char service[XR_SERVICE_MAX];
	struct xr_loc loc;
};

struct xr_profile {
	char name[XR_NAME_MAX];
	char description[256];
	bool description_set;
	struct xr_loc root_loc;	    /* the top-level mapping */
	struct xr_loc features_loc; /* the `features` key, else root_loc */
	bool features_set;	    /* features_loc is a `features` key */
	struct xr_entry *entries;   /* allow entries; base profiles' first */
	size_t nentries;
	struct xr_feature features[XR_FEATURES_MAX];
	size_t nfeatures;
	struct xr_entry *never; /* never_expose */
	size_t nnever;
	struct xr_class_policy classes;
	unsigned int classes_set; /* XR_DSET_* */
	uint32_t rate_sources;	  /* defaults: rate_sources; 0: not written */
	/* Only while loading one file: */
	char extends[256];
	struct xr_loc extends_loc;
	struct xr_remove *removes;
	size_t nremoves;
	struct xr_loc remove_loc;
	/* Every file name a location points to. */
	char **files;
	size_t nfiles;
};

/*
 * Resolve REF (a built-in name, or a path: contains '/' or ends in .yaml or
 * .yml), parse it, follow `extends`, merge and validate the result (entry
 * overlaps, never_expose). 0, -EINVAL (reported), or another -errno.
 */
int xr_profile_load(const char *ref, struct xr_profile **out);
/* Parse one file, without following `extends` (profile.c). */
int xr_profile_parse(const char *path, struct xr_profile **out);
void xr_profile_free(struct xr_profile *p);
/* Does feature F of P have entries of its own? */
bool xr_feature_has_entries(const struct xr_profile *p, size_t f);
/* Free what an entry owns (its sources). */
void xr_entry_release(struct xr_entry *e);
/*
 * Checks that need the whole merged profile, every feature included, on or
 * off: entry overlaps (repeats are warnings) and never_expose (overlap.c).
 */
int xr_profile_check(const struct xr_profile *p);

/*
 * Where REF is: a path (relative to the directory of FROM, or to the working
 * directory when FROM is NULL) or a built-in name searched in
 * xr_profile_dirs(). 0 or -ENOENT.
 */
int xr_profile_find(const char *ref, const char *from, char *path, size_t len);
/* A built-in name rather than a path? */
bool xr_profile_is_name(const char *ref);
/*
 * REF is "NAME.yaml" (or .yml) without a directory and NAME is a built-in:
 * the user meant the built-in. Its name goes into NAME (LEN bytes).
 */
bool xr_profile_meant_builtin(const char *ref, char *name, size_t len);
/* The directories searched for built-in profiles, in order (NULL-terminated).
 */
const char *const *xr_profile_dirs(void);
/* "reflector-caddy, reflector-direct": the built-ins, for messages. */
void xr_profile_builtin_names(char *buf, size_t len);
/* The searched directories joined by ", ", for messages. */
void xr_profile_dir_list(char *buf, size_t len);

/*
 * One protocol's port range of an entry, with the sources it ends up with.
 * xr_spans_check() sorts SPANS by protocol and first port, reports the first
 * pair that overlaps and disagrees (service or sources), and marks exact
 * repeats (dup), warning about them when WARN is set.
 */
struct xr_span {
	uint8_t proto;
	uint16_t first;
	uint16_t last;
	const struct xr_entry *entry;
	const char *feature; /* "" when unconditional */
	const struct xr_cidr *sources;
	size_t nsources;
	size_t order; /* position in the profile: the later one is reported */
	bool dup;
};
int xr_spans_check(struct xr_span *spans, size_t n, bool warn);
/*
 * The spans of entry I of P (one per protocol) with SOURCES, into OUT (room
 * for two); returns how many.
 */
size_t xr_entry_spans(const struct xr_profile *p, size_t i,
		      const struct xr_cidr *sources, size_t nsources,
		      struct xr_span *out);

#endif /* XR_PROFILE_H */
