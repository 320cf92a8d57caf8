// SPDX-License-Identifier: GPL-2.0
/*
 * A YAML file -> a tree with positions (yaml_doc.h). The first mistake is
 * reported with its location and reading stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "yaml_doc.h"

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static struct ynode *ynode_new(struct ydoc *d, enum ykind kind,
			       const struct xr_loc *loc)
{
	struct ynode *n;

	if (grow((void **)&d->all, &d->capall, d->nall + 1, sizeof(*d->all)))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->loc = *loc;
	d->all[d->nall++] = n;
	return n;
}

static int ynode_add(struct ynode *parent, struct ynode *kid)
{
	if (grow((void **)&parent->kids, &parent->capkids, parent->nkids + 1,
		 sizeof(*parent->kids)))
		return -ENOMEM;
	parent->kids[parent->nkids++] = kid;
	return 0;
}

static int ydoc_anchor(struct ydoc *d, const char *name, struct ynode *n)
{
	char *copy;

	if (!name)
		return 0;
	if (grow((void **)&d->anchors, &d->capanchors, d->nanchors + 1,
		 sizeof(*d->anchors)))
		return -ENOMEM;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	d->anchors[d->nanchors].name = copy;
	d->anchors[d->nanchors].node = n;
	d->nanchors++;
	return 0;
}

static struct ynode *ydoc_alias(struct ydoc *d, const char *name)
{
	size_t i;

	/* The latest definition wins, as in YAML. */
	for (i = d->nanchors; i-- > 0;)
		if (!strcmp(d->anchors[i].name, name))
			return d->anchors[i].node;
	return NULL;
}

void ydoc_free(struct ydoc *d)
{
	size_t i;

	for (i = 0; i < d->nall; i++) {
		free(d->all[i]->text);
		free(d->all[i]->kids);
		free(d->all[i]);
	}
	for (i = 0; i < d->nanchors; i++)
		free(d->anchors[i].name);
	free(d->all);
	free(d->anchors);
	memset(d, 0, sizeof(*d));
}

/* Where the first invalid UTF-8 sequence starts, or LEN. */
static size_t utf8_invalid(const unsigned char *b, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (b[i] < 0x80) {
			i++;
			continue;
		}
		if (b[i] >= 0xc2 && b[i] <= 0xdf) {
			n = 1;
			cp = b[i] & 0x1f;
		} else if (b[i] >= 0xe0 && b[i] <= 0xef) {
			n = 2;
			cp = b[i] & 0x0f;
		} else if (b[i] >= 0xf0 && b[i] <= 0xf4) {
			n = 3;
			cp = b[i] & 0x07;
		} else {
			return i;
		}
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (b[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (b[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

/*
 * Positions. libyaml counts lines and columns in characters, a line ending
 * at LF, CR, CRLF, NEL, LS or PS. Some of its marks lie past the last
 * character (the end of the stream, an empty value at the end of a file
 * without a final newline); an error must point into the file, so those are
 * moved back to the last character.
 */
struct ytext {
	const unsigned char *buf;
	size_t len;
	struct xr_loc end;  /* just past the last character */
	struct xr_loc last; /* the last character (1:1 for an empty file) */
};

size_t xr_yaml_line_break(const unsigned char *b, size_t n)
{
	if (b[0] == '\r')
		return n > 1 && b[1] == '\n' ? 2 : 1;
	if (b[0] == '\n')
		return 1;
	if (n > 1 && b[0] == 0xc2 && b[1] == 0x85)
		return 2;
	if (n > 2 && b[0] == 0xe2 && b[1] == 0x80 &&
	    (b[2] == 0xa8 || b[2] == 0xa9))
		return 3;
	return 0;
}

/*
 * Bytes of the character at B[0..N): a lead byte and the continuation
 * bytes it announces. A stray byte of invalid UTF-8 is a character of its
 * own, as an editor shows it.
 */
static size_t char_len(const unsigned char *b, size_t n)
{
	size_t want = b[0] >= 0xf0 ? 3 : b[0] >= 0xe0 ? 2 : b[0] >= 0xc0, k = 1;

	while (k <= want && k < n && (b[k] & 0xc0) == 0x80)
		k++;
	return k;
}

/*
 * Walk T to byte AT (its length: to the end): the position of the
 * character there into *AT_LOC, of the last one before into *LAST.
 */
static void ytext_walk(const struct ytext *t, size_t at, struct xr_loc *at_loc,
		       struct xr_loc *last)
{
	unsigned int line = 1, col = 1;
	size_t i = 0, br;

	last->line = 1;
	last->col = 1;
	while (i < at && i < t->len) {
		last->line = line;
		last->col = col;
		br = xr_yaml_line_break(t->buf + i, t->len - i);
		if (br) {
			i += br;
			line++;
			col = 1;
			continue;
		}
		i += char_len(t->buf + i, t->len - i);
		col++;
	}
	at_loc->line = line;
	at_loc->col = col;
}

static void ytext_init(struct ytext *t, const char *file,
		       const unsigned char *buf, size_t len)
{
	t->buf = buf;
	t->len = len;
	t->end.file = t->last.file = file;
	ytext_walk(t, len, &t->end, &t->last);
}

/* LOC as libyaml marked it (0-based), moved into the file. */
static void ytext_loc(const struct ytext *t, const yaml_mark_t *mark,
		      struct xr_loc *loc)
{
	loc->file = t->end.file;
	loc->line = (unsigned int)mark->line + 1;
	loc->col = (unsigned int)mark->column + 1;
	if (loc->line > t->end.line ||
	    (loc->line == t->end.line && loc->col >= t->end.col)) {
		loc->line = t->last.line;
		loc->col = t->last.col;
	}
}

static int syntax_error(yaml_parser_t *p, const struct ytext *t)
{
	struct xr_loc loc = {t->end.file, 1, 1}, last;

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		size_t bad = utf8_invalid(t->buf, t->len);
		size_t at = bad < t->len ? bad : p->problem_offset;

		if (at < t->len)
			ytext_walk(t, at, &loc, &last);
		else
			loc = t->last;
		if (bad < t->len)
			xr_error_at(&loc,
				    "the file is not valid UTF-8 text (byte "
				    "0x%02x); save it as UTF-8",
				    t->buf[bad]);
		else
			xr_error_at(&loc,
				    "YAML does not allow this character (%s); "
				    "remove it",
				    p->problem ? p->problem : "unreadable");
		return -EINVAL;
	}
	ytext_loc(t, &p->problem_mark, &loc);
	ytext_loc(t, &p->context_mark, &last);
	if (p->context)
		xr_error_at(&loc,
			    "YAML syntax: %s %s (line %u); check indentation, "
			    "quotes and brackets",
			    p->problem ? p->problem : "error", p->context,
			    last.line);
	else
		xr_error_at(&loc,
			    "YAML syntax: %s; check indentation, quotes and "
			    "brackets",
			    p->problem ? p->problem : "error");
	return -EINVAL;
}

static int ydoc_load(struct ydoc *d, const char *file, const unsigned char *buf,
		     size_t len, size_t aliases_max, const char *empty_msg)
{
	struct ynode *stack[XR_DEPTH_MAX];
	char *stack_anchor[XR_DEPTH_MAX];
	size_t depth = 0, ndocs = 0, naliases = 0;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	struct ytext text;
	int err = 0;

	ytext_init(&text, file, buf, len);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	/*
	 * A profile is UTF-8: without this libyaml would read a file that
	 * starts with a UTF-16 byte order mark as UTF-16.
	 */
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && !err) {
		struct xr_loc loc;
		struct ynode *n = NULL;
		const char *anchor = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			err = syntax_error(&parser, &text);
			break;
		}
		ytext_loc(&text, &ev.start_mark, &loc);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				xr_error_at(
					&loc,
					"a second YAML document; keep one "
					"profile per file (remove this '---')");
				err = -EINVAL;
			}
			break;
		case YAML_ALIAS_EVENT:
			if (++naliases > aliases_max) {
				xr_error_at(&loc,
					    "more than %zu YAML aliases; write "
					    "the values out (aliases are "
					    "limited against alias bombs)",
					    aliases_max);
				err = -EINVAL;
				break;
			}
			n = ydoc_alias(d, (const char *)ev.data.alias.anchor);
			if (!n) {
				xr_error_at(&loc,
					    "alias '*%s' names no complete "
					    "anchor before it; define '&%s' on "
					    "a value earlier in the file",
					    XR_CLIPPED((const char *)ev.data
							       .alias.anchor),
					    XR_CLIPPED((const char *)ev.data
							       .alias.anchor));
				err = -EINVAL;
			}
			break;
		case YAML_SCALAR_EVENT:
			/*
			 * An escaped "\0" would end the value early for every
			 * reader of it as a C string: a port, a network, a key.
			 */
			if (memchr(ev.data.scalar.value, '\0',
				   ev.data.scalar.length)) {
				xr_error_at(&loc,
					    "a NUL character (\\0) in a value; "
					    "remove it");
				err = -EINVAL;
				break;
			}
			n = ynode_new(d, YN_SCALAR, &loc);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			n->text = malloc(ev.data.scalar.length + 1);
			if (!n->text) {
				err = -ENOMEM;
				break;
			}
			if (ev.data.scalar.length)
				memcpy(n->text, ev.data.scalar.value,
				       ev.data.scalar.length);
			n->text[ev.data.scalar.length] = '\0';
			n->len = ev.data.scalar.length;
			n->plain =
				ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			anchor = (const char *)ev.data.scalar.anchor;
			err = ydoc_anchor(d, anchor, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == XR_DEPTH_MAX) {
				xr_error_at(&loc,
					    "nested more than %d levels deep; "
					    "a profile needs 6 at most",
					    XR_DEPTH_MAX);
				err = -EINVAL;
				break;
			}
			stack[depth] = ynode_new(
				d,
				ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ
								     : YN_MAP,
				&loc);
			if (!stack[depth]) {
				err = -ENOMEM;
				break;
			}
			anchor = ev.type == YAML_SEQUENCE_START_EVENT
					 ? (const char *)
						   ev.data.sequence_start.anchor
					 : (const char *)
						   ev.data.mapping_start.anchor;
			stack_anchor[depth] = anchor ? strdup(anchor) : NULL;
			if (anchor && !stack_anchor[depth]) {
				err = -ENOMEM;
				break;
			}
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			/*
			 * A collection's anchor becomes usable only once it is
			 * complete, so an alias can never point into itself.
			 */
			n = stack[--depth];
			err = ydoc_anchor(d, stack_anchor[depth], n);
			free(stack_anchor[depth]);
			break;
		default:
			break;
		}
		if (!err && n) {
			if (depth)
				err = ynode_add(stack[depth - 1], n);
			else
				d->root = n;
		}
		yaml_event_delete(&ev);
	}
	while (depth)
		free(stack_anchor[--depth]);
	yaml_parser_delete(&parser);
	if (!err && (!ndocs || !d->root)) {
		struct xr_loc loc = {file, 1, 1};

		xr_error_at(&loc, "%s", empty_msg);
		err = -EINVAL;
	}
	return err;
}

static int too_big(const char *path)
{
	struct xr_loc loc = {path, 1, 1};

	xr_error_at(&loc,
		    "the file is larger than %d bytes (1 MiB); a profile is a "
		    "short list of ports, so trim it",
		    XR_PROFILE_SIZE_MAX);
	return -EINVAL;
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	unsigned char *b = NULL;
	struct stat st;
	int fd, err = 0;
	ssize_t r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		xr_error_file(path, "cannot open the profile: %s",
			      strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		xr_error_file(path, "cannot stat the profile: %s",
			      strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		xr_error_file(
			path,
			"not a regular file; give the path of a .yaml profile");
		err = -EINVAL;
		goto out;
	}
	if (st.st_size > XR_PROFILE_SIZE_MAX) {
		err = too_big(path);
		goto out;
	}
	/* Read at most one byte past the limit: the file may still grow. */
	for (;;) {
		if (n == cap) {
			unsigned char *nb;

			cap = cap ? cap * 2 : 16384;
			if (cap > XR_PROFILE_SIZE_MAX + 1)
				cap = XR_PROFILE_SIZE_MAX + 1;
			nb = realloc(b, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			b = nb;
		}
		if (n > XR_PROFILE_SIZE_MAX)
			break;
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			xr_error_file(path, "cannot read the profile: %s",
				      strerror(-err));
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > XR_PROFILE_SIZE_MAX) {
		err = too_big(path);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return err;
}

int ydoc_read_opts(struct ydoc *d, const char *path, const char *file,
		   size_t aliases_max, const char *empty_msg)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int err;

	memset(d, 0, sizeof(*d));
	err = read_file(path, &buf, &len);
	if (!err)
		err = ydoc_load(d, file, buf, len, aliases_max, empty_msg);
	free(buf);
	return err;
}

int ydoc_read(struct ydoc *d, const char *path, const char *file)
{
	return ydoc_read_opts(d, path, file, XR_ALIASES_MAX,
			      "the profile is empty; write at least 'name:' "
			      "and 'allow:' (see policies/README.md)");
}

bool ynode_is_null(const struct ynode *n)
{
	return n->kind == YN_SCALAR && n->plain &&
	       (!n->len || !strcmp(n->text, "~") ||
		!strcasecmp(n->text, "null"));
}

const char *ynode_kind_text(const struct ynode *n)
{
	if (n->kind == YN_MAP)
		return "a mapping";
	if (n->kind == YN_SEQ)
		return "a list";
	if (ynode_is_null(n))
		return "nothing";
	return "a single value";
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->kind == YN_SCALAR &&
		    !strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}
