/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deployment profiles (policies/README.md): the YAML file as the loader
 * understands it, before toggles and compilation (policy.c).
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

#include "policy.h"

/* Bounds on what a profile may ask of the parser. */
#define XR_PROFILE_SIZE_MAX (1024 * 1024) /* bytes, checked before parsing */
#define XR_ALIASES_MAX 16   /* YAML alias events per file (alias bombs) */
#define XR_DEPTH_MAX 16	    /* nested lists and mappings */
#define XR_EXTENDS_MAX 8    /* profiles in one extends chain */
#define XR_ENTRIES_MAX 4096 /* allow entries, features' included */
#define XR_NEVER_MAX 256    /* never_expose entries */
#define XR_CLIP 40 /* profile text quoted in a message is clipped to this */

struct xr_loc {
	const char *file;  /* owned by the profile (xr_profile.files) */
	unsigned int line; /* 1-based */
	unsigned int col;  /* 1-based */
};

#define XR_PROTO_BIT(p) (1U << (p))
#define XR_PROTO_BOTH (XR_PROTO_BIT(XR_PROTO_TCP) | XR_PROTO_BIT(XR_PROTO_UDP))

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

/* `defaults: reply_timeouts`, once the contract has reply timeouts. */
#ifdef XR_REPLY_TCP_SECS
#define XR_HAVE_REPLY_TIMEOUTS 1
#endif
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
/* Parse one file, without following `extends`. */
int xr_profile_parse(const char *path, struct xr_profile **out);
void xr_profile_free(struct xr_profile *p);

/*
 * Where REF is: a path (relative to the directory of FROM, or to the working
 * directory when FROM is NULL) or a built-in name searched in
 * xr_profile_dirs(). 0 or -ENOENT.
 */
int xr_profile_find(const char *ref, const char *from, char *path, size_t len);
/* A built-in name rather than a path? */
bool xr_profile_is_name(const char *ref);

/*
 * "443" -> 443..443; "44200-44300" -> 44200..44300 when RANGE_OK. On error
 * returns -EINVAL and writes a message (what is wrong; what is right) to WHY.
 */
int xr_parse_ports(const char *s, bool range_ok, uint16_t *first,
		   uint16_t *last, char *why, size_t whylen);
/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" (/32), "2001:db8::1" (/128). */
int xr_parse_cidr(const char *s, struct xr_cidr *c, char *why, size_t whylen);
int xr_cidr_cmp(const struct xr_cidr *a, const struct xr_cidr *b);
/* Sort and drop duplicates; returns the new count. */
size_t xr_cidrs_normalize(struct xr_cidr *v, size_t n);

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

/* Error reporting: once, to stderr, and kept for tests. */
void xr_error_at(const struct xr_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void xr_warning_at(const struct xr_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* About a file as a whole, before it has lines: "file: error: ...". */
void xr_error_file(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print (PRINT) or drop the warnings held back until the profile is good. */
void xr_warnings_flush(bool print);
const char *xr_last_error(void);
const char *xr_last_warning(void);
unsigned int xr_warning_count(void);
/* Tests: keep messages (xr_last_error) but do not print them. */
void xr_errors_quiet(bool quiet);
/* Profile text for a message: clipped to XR_CLIP, non-printables as '?'. */
const char *xr_clip(const char *s, char *buf, size_t len);
/* "443" or "44200-44300". */
const char *xr_ports_text(uint16_t first, uint16_t last, char *buf, size_t len);
const char *xr_proto_name(unsigned int protos);
/* The word of KNOWN that S looks like a typo of, or NULL. */
const char *xr_nearest(const char *s, const char *const *known, size_t n);

#endif /* XR_PROFILE_H */
