/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A YAML file as a small tree that keeps every node's line and column.
 *
 * libyaml's event API feeds the tree, so that aliases are counted (alias
 * bombs), nesting is bounded and the file's size and encoding are checked
 * before anything is interpreted. Nothing here knows what a profile is.
 */
#ifndef XR_YAML_DOC_H
#define XR_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Bounds on what a file may ask of the parser. */
#define XR_PROFILE_SIZE_MAX (1024 * 1024) /* bytes, checked before parsing */
#define XR_ALIASES_MAX 16 /* YAML alias events per file (alias bombs) */
#define XR_DEPTH_MAX 16	  /* nested lists and mappings */

enum ykind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ykind kind;
	struct xr_loc loc;
	char *text; /* scalars */
	size_t len;
	bool plain;	     /* unquoted scalar */
	struct ynode **kids; /* list items; mapping: key, value, key, value */
	size_t nkids;
	size_t capkids;
};

struct yanchor {
	char *name;
	struct ynode *node;
};

struct ydoc {
	struct ynode **all; /* every node, for freeing */
	size_t nall;
	size_t capall;
	struct ynode *root;
	struct yanchor *anchors;
	size_t nanchors;
	size_t capanchors;
};

/*
 * Read PATH (a regular file of at most XR_PROFILE_SIZE_MAX bytes) into D.
 * Locations name FILE, which must outlive D. 0, -EINVAL (reported: syntax,
 * encoding, limits, an empty file) or another -errno (reported).
 */
int ydoc_read(struct ydoc *d, const char *path, const char *file);
/*
 * The same for other YAML files (compose files, livekit.yaml): at most
 * ALIASES_MAX aliases (an alias is a pointer in the tree, never a copy), and
 * EMPTY_MSG reported when the file holds no document.
 */
int ydoc_read_opts(struct ydoc *d, const char *path, const char *file,
		   size_t aliases_max, const char *empty_msg);
void ydoc_free(struct ydoc *d);

/* A plain empty, "~" or "null" scalar. */
bool ynode_is_null(const struct ynode *n);
/* "a mapping", "a list", "nothing", "a single value": for messages. */
const char *ynode_kind_text(const struct ynode *n);
/* The value of KEY in the mapping MAP, or NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);

/*
 * Bytes of the line break at B[0..N) (N >= 1), or 0: libyaml's IS_BREAK
 * (CR, LF, NEL, LS, PS), CRLF as one; the lines positions are counted in.
 */
size_t xr_yaml_line_break(const unsigned char *b, size_t n);

#endif /* XR_YAML_DOC_H */
