/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The profile schema: one table of the keys a profile may hold, where, of
 * what type, with an example and a line of help. The validator (profile.c)
 * takes its key lists, words and examples from it, the hints ("did you mean")
 * their candidates, `help check` its key list; shell completion can too.
 */
#ifndef XR_SCHEMA_H
#define XR_SCHEMA_H

#include <stdio.h>

#include "yaml_doc.h"

/* The mappings of a profile that have fixed keys. */
enum xr_section {
	XR_SEC_TOP,	 /* the top level */
	XR_SEC_ENTRY,	 /* an entry of `allow` (top level or a feature's) */
	XR_SEC_NEVER,	 /* an entry of `never_expose` */
	XR_SEC_FEATURE,	 /* one feature's definition */
	XR_SEC_DEFAULTS, /* `defaults` */
	XR_SEC_TIMEOUTS, /* `defaults: reply_timeouts` */
	XR_SEC_REMOVE,	 /* a `remove` item written as a mapping */
	XR_SEC_FEATURES, /* `features`: its keys are feature names */
	XR_SEC_RATE,	 /* an entry's `rate` */
	XR_SEC_MAX,
};
#define XR_SEC_BIT(s) (1U << (s))

enum xr_key_type {
	XR_KEY_TEXT,	  /* one line of text */
	XR_KEY_BOOL,	  /* true or false */
	XR_KEY_WORD,	  /* one of xr_key.words */
	XR_KEY_PORT,	  /* 1-65535 */
	XR_KEY_PORTS,	  /* N or FIRST-LAST */
	XR_KEY_CIDRS,	  /* a list of networks */
	XR_KEY_PROTOCOLS, /* a list of IP protocol names or numbers */
	XR_KEY_SECONDS,	  /* 1 to XR_REPLY_SECS_MAX */
	XR_KEY_ENTRIES,	  /* a list of entries */
	XR_KEY_MAPPING,	  /* a mapping of its own section */
	XR_KEY_LABELS,	  /* a list of service labels */
	XR_KEY_RATE,	  /* N/s or N/min */
	XR_KEY_COUNT,	  /* a whole number in a range the help gives */
};

struct xr_key {
	unsigned int sections; /* XR_SEC_BIT() mask */
	const char *name;
	enum xr_key_type type;
	const char *const *words; /* XR_KEY_WORD: NULL-terminated */
	const char *example;	  /* a right way to write it, for messages */
	const char *help;	  /* one line, for `help check` */
};

/* The key NAME of SEC, or NULL. */
const struct xr_key *xr_schema_key(enum xr_section sec, const char *name);
/* The accepted words of a XR_KEY_WORD key, and how many, into *N. */
const char *const *xr_schema_words(enum xr_section sec, const char *name,
				   size_t *n);
/* The example of a key, for "write ..." in messages. */
const char *xr_schema_example(enum xr_section sec, const char *name);
/*
 * The keys of MAP must be plain words, keys of SEC (any word for
 * XR_SEC_FEATURES; "x-..." too at the top level) and appear once; the
 * first that is not is reported, with the nearest key or the list of keys.
 */
int xr_schema_check_keys(const struct ynode *map, enum xr_section sec);
/* Every key, one line each, for `help check`. */
void xr_schema_help(FILE *f);

#endif /* XR_SCHEMA_H */
