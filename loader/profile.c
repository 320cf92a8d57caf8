// SPDX-License-Identifier: GPL-2.0
/*
 * Deployment profiles: a YAML file (policies/README.md) -> struct xr_profile.
 *
 * libyaml's event API feeds a small tree of our own, so that every node keeps
 * its line and column, aliases are counted (alias bombs) and nesting is
 * bounded before anything is interpreted. The tree is then read key by key;
 * the first mistake is reported with its location and loading stops.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "profile.h"

/* ---- Reporting ---------------------------------------------------------- */

static char last_error[768];
static char last_warning[768];
static unsigned int nwarnings;
static bool quiet;

static void emit(char *dst, size_t len, const char *kind,
		 const struct xr_loc *loc, const char *fmt, va_list ap)
{
	char msg[600];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (loc && loc->file)
		snprintf(dst, len, "%s:%u:%u: %s: %s", loc->file, loc->line,
			 loc->col, kind, msg);
	else
		snprintf(dst, len, "xdp-reflector: %s: %s", kind, msg);
	if (!quiet)
		fprintf(stderr, "%s\n", dst);
}

void xr_error_at(const struct xr_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(last_error, sizeof(last_error), "error", loc, fmt, ap);
	va_end(ap);
}

/*
 * Warnings wait until the profile is known to be good: a profile that fails
 * shows its one error and nothing else.
 */
#define XR_WARNINGS_QUEUED 16
static char queued[XR_WARNINGS_QUEUED][sizeof(last_warning)];
static unsigned int nqueued, noverflow;

void xr_warning_at(const struct xr_loc *loc, const char *fmt, ...)
{
	bool was_quiet = quiet;
	va_list ap;

	nwarnings++;
	quiet = true;
	va_start(ap, fmt);
	emit(last_warning, sizeof(last_warning), "warning", loc, fmt, ap);
	va_end(ap);
	quiet = was_quiet;
	if (nqueued < XR_WARNINGS_QUEUED)
		memcpy(queued[nqueued++], last_warning, sizeof(last_warning));
	else
		noverflow++;
}

void xr_warnings_flush(bool print)
{
	unsigned int i;

	for (i = 0; print && !quiet && i < nqueued; i++)
		fprintf(stderr, "%s\n", queued[i]);
	if (print && !quiet && noverflow)
		fprintf(stderr, "xdp-reflector: warning: %u more warnings\n",
			noverflow);
	nqueued = 0;
	noverflow = 0;
}

void xr_error_file(const char *file, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(last_error, sizeof(last_error), "%s: error: %s", file, msg);
	if (!quiet)
		fprintf(stderr, "%s\n", last_error);
}

const char *xr_last_error(void)
{
	return last_error;
}

const char *xr_last_warning(void)
{
	return last_warning;
}

unsigned int xr_warning_count(void)
{
	return nwarnings;
}

void xr_errors_quiet(bool q)
{
	quiet = q;
}

const char *xr_clip(const char *s, char *buf, size_t len)
{
	size_t max = XR_CLIP, n;

	if (len < 5) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	if (max > len - 4)
		max = len - 4;
	for (n = 0; s[n] && n < max; n++) {
		unsigned char ch = s[n];

		buf[n] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (s[n]) {
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		strcpy(buf + n, "...");
	} else {
		buf[n] = '\0';
	}
	return buf;
}

/* A clipped copy of S, alive until the end of the enclosing block. */
#define CLIP(s) xr_clip((s), (char[XR_CLIP + 8]){0}, XR_CLIP + 8)

const char *xr_ports_text(uint16_t first, uint16_t last, char *buf, size_t len)
{
	if (first == last)
		snprintf(buf, len, "%u", first);
	else
		snprintf(buf, len, "%u-%u", first, last);
	return buf;
}

#define PORTS(f, l) xr_ports_text((f), (l), (char[16]){0}, 16)

const char *xr_proto_name(unsigned int protos)
{
	switch (protos) {
	case XR_PROTO_BIT(XR_PROTO_TCP):
		return "tcp";
	case XR_PROTO_BIT(XR_PROTO_UDP):
		return "udp";
	case XR_PROTO_BOTH:
		return "tcp+udp";
	}
	return "?";
}

/* Optimal string alignment distance, case-insensitive: typos, swaps. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
				    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
				    tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *xr_nearest(const char *s, const char *const *known, size_t nknown)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, i;

	for (i = 0; i < nknown; i++) {
		size_t d = edit_distance(s, known[i]);
		size_t limit = strlen(known[i]) >= 5 ? 2 : 1;

		if (d <= limit && d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best;
}

static void join_words(const char *const *words, size_t n, char *buf,
		       size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 words[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* ---- Ports and CIDRs ---------------------------------------------------- */

static int port_number(const char *p, size_t n, const char *whole,
		       uint16_t *out, char *why, size_t whylen)
{
	unsigned long v = 0;
	size_t i;

	while (n && *p == ' ') {
		p++;
		n--;
	}
	while (n && p[n - 1] == ' ')
		n--;
	if (!n) {
		snprintf(why, whylen,
			 "'%s' is not a port number; write a number from 1 to "
			 "65535",
			 CLIP(whole));
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			snprintf(why, whylen,
				 "'%s' is not a port number; write a number "
				 "from 1 to 65535",
				 CLIP(whole));
			return -EINVAL;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0) {
		snprintf(why, whylen,
			 "port 0 is not a valid port; write a number from 1 to "
			 "65535");
		return -EINVAL;
	}
	if (v > 65535) {
		snprintf(why, whylen,
			 "port '%.*s' is above 65535; write a number from 1 to "
			 "65535",
			 (int)(n > 12 ? 12 : n), p);
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

int xr_parse_ports(const char *s, bool range_ok, uint16_t *first,
		   uint16_t *last, char *why, size_t whylen)
{
	const char *dash = strchr(s, '-');
	uint16_t a, b;
	int err;

	if (!dash)
		err = port_number(s, strlen(s), s, &a, why, whylen);
	else if (!range_ok) {
		snprintf(why, whylen,
			 "'port' takes one port, found '%s'; write 'ports: %s' "
			 "for a range",
			 CLIP(s), CLIP(s));
		return -EINVAL;
	} else {
		err = port_number(s, (size_t)(dash - s), s, &a, why, whylen);
		if (!err)
			err = port_number(dash + 1, strlen(dash + 1), s, &b,
					  why, whylen);
		if (!err && a > b) {
			snprintf(why, whylen,
				 "port range '%s' is inverted; write '%u-%u'",
				 CLIP(s), b, a);
			return -EINVAL;
		}
	}
	if (err)
		return err;
	*first = a;
	*last = dash ? b : a;
	return 0;
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
					    0, 0, 0, 0, 0xff, 0xff};

/* Do the first BITS bits of A and B agree? */
static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

int xr_parse_cidr(const char *s, struct xr_cidr *c, char *why, size_t whylen)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned int max, plen, i;
	uint8_t masked[16];

	memset(c, 0, sizeof(*c));
	if (!alen || alen >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (strchr(addr, ':')) {
		c->family = AF_INET6;
		max = 128;
	} else {
		c->family = AF_INET;
		max = 32;
	}
	if (inet_pton(c->family, addr, c->addr) != 1)
		goto bad_addr;
	plen = max;
	if (slash) {
		const char *p = slash + 1;
		size_t n = strlen(p);

		if (!n || n > 3 || strspn(p, "0123456789") != n ||
		    (plen = (unsigned int)atoi(p)) > max) {
			snprintf(why, whylen,
				 "'%s' has a bad prefix length; write /0 to "
				 "/%u after the address",
				 CLIP(s), max);
			return -EINVAL;
		}
	}
	c->prefixlen = (uint8_t)plen;

	memset(masked, 0, sizeof(masked));
	for (i = 0; i < max / 8; i++) {
		if (i * 8 + 8 <= plen)
			masked[i] = c->addr[i];
		else if (i * 8 < plen)
			masked[i] =
				c->addr[i] & (uint8_t)(0xff << (8 - plen % 8));
	}
	if (memcmp(masked, c->addr, max / 8)) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(c->family, masked, net, sizeof(net));
		snprintf(why, whylen,
			 "'%s' has host bits set; did you mean '%s/%u'?",
			 CLIP(s), net, plen);
		return -EINVAL;
	}
	if (c->family == AF_INET6) {
		/*
		 * The packet path matches IPv4 sources as ::ffff:a.b.c.d, so
		 * these IPv6 networks would silently cover IPv4 hosts too.
		 */
		if (plen >= 96 && !memcmp(c->addr, v4mapped_prefix, 12)) {
			char v4[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, c->addr + 12, v4, sizeof(v4));
			snprintf(why, whylen,
				 "'%s' is an IPv4-mapped address; write it as "
				 "IPv4: '%s/%u'",
				 CLIP(s), v4, plen - 96);
			return -EINVAL;
		}
		if (plen < 96 && prefix_match(c->addr, v4mapped_prefix, plen)) {
			snprintf(why, whylen,
				 "'%s' also covers every IPv4 address "
				 "(::ffff:0:0/96); list the networks you mean, "
				 "or leave 'sources' out to allow everyone",
				 CLIP(s));
			return -EINVAL;
		}
	}
	return 0;

bad_addr:
	snprintf(why, whylen,
		 "'%s' is not an IPv4 or IPv6 address or network; write e.g. "
		 "192.0.2.0/24, 2001:db8::/32 or 192.0.2.7",
		 CLIP(s));
	return -EINVAL;
}

int xr_cidr_cmp(const struct xr_cidr *a, const struct xr_cidr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen < b->prefixlen ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int cidr_qcmp(const void *a, const void *b)
{
	return xr_cidr_cmp(a, b);
}

size_t xr_cidrs_normalize(struct xr_cidr *v, size_t n)
{
	size_t i, out = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cidr_qcmp);
	for (i = 1; i < n; i++)
		if (xr_cidr_cmp(&v[out], &v[i]))
			v[++out] = v[i];
	return out + 1;
}

/* ---- The YAML tree ------------------------------------------------------ */

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

static void ydoc_free(struct ydoc *d)
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

static int syntax_error(yaml_parser_t *p, const char *file,
			const unsigned char *buf, size_t len)
{
	struct xr_loc loc = {file, 1, 1};
	size_t i;

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		size_t bad = utf8_invalid(buf, len);
		size_t at = bad < len ? bad : p->problem_offset;

		/* Columns count characters, as libyaml's marks do. */
		for (i = 0; i < at && i < len; i++) {
			if (buf[i] == '\n') {
				loc.line++;
				loc.col = 1;
			} else if ((buf[i] & 0xc0) != 0x80) {
				loc.col++;
			}
		}
		if (bad < len)
			xr_error_at(&loc,
				    "the file is not valid UTF-8 text (byte "
				    "0x%02x); save it as UTF-8",
				    buf[bad]);
		else
			xr_error_at(&loc,
				    "YAML does not allow this character (%s); "
				    "remove it",
				    p->problem ? p->problem : "unreadable");
		return -EINVAL;
	}
	loc.line = (unsigned int)p->problem_mark.line + 1;
	loc.col = (unsigned int)p->problem_mark.column + 1;
	if (p->context)
		xr_error_at(&loc,
			    "YAML syntax: %s %s (line %zu); check indentation, "
			    "quotes and brackets",
			    p->problem ? p->problem : "error", p->context,
			    p->context_mark.line + 1);
	else
		xr_error_at(&loc,
			    "YAML syntax: %s; check indentation, quotes and "
			    "brackets",
			    p->problem ? p->problem : "error");
	return -EINVAL;
}

static int ydoc_load(struct ydoc *d, const char *file, const unsigned char *buf,
		     size_t len)
{
	struct ynode *stack[XR_DEPTH_MAX];
	char *stack_anchor[XR_DEPTH_MAX];
	size_t depth = 0, ndocs = 0, naliases = 0;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int err = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	while (!done && !err) {
		struct xr_loc loc;
		struct ynode *n = NULL;
		const char *anchor = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			err = syntax_error(&parser, file, buf, len);
			break;
		}
		loc.file = file;
		loc.line = (unsigned int)ev.start_mark.line + 1;
		loc.col = (unsigned int)ev.start_mark.column + 1;
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
			if (++naliases > XR_ALIASES_MAX) {
				xr_error_at(&loc,
					    "more than %d YAML aliases; write "
					    "the values out (aliases are "
					    "limited against alias bombs)",
					    XR_ALIASES_MAX);
				err = -EINVAL;
				break;
			}
			n = ydoc_alias(d, (const char *)ev.data.alias.anchor);
			if (!n) {
				xr_error_at(&loc,
					    "alias '*%s' names no complete "
					    "anchor before it; define '&%s' on "
					    "a value earlier in the file",
					    CLIP((const char *)
							 ev.data.alias.anchor),
					    CLIP((const char *)
							 ev.data.alias.anchor));
				err = -EINVAL;
			}
			break;
		case YAML_SCALAR_EVENT:
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

		xr_error_at(&loc,
			    "the profile is empty; write at least 'name:' and "
			    "'allow:' (see policies/README.md)");
		err = -EINVAL;
	}
	return err;
}

/* ---- Reading values ----------------------------------------------------- */

struct pctx {
	struct xr_profile *p;
	const char *file;
};

static bool ynull(const struct ynode *n)
{
	return n->kind == YN_SCALAR && n->plain &&
	       (!n->len || !strcmp(n->text, "~") ||
		!strcasecmp(n->text, "null"));
}

static const char *kind_text(const struct ynode *n)
{
	if (n->kind == YN_MAP)
		return "a mapping";
	if (n->kind == YN_SEQ)
		return "a list";
	if (ynull(n))
		return "nothing";
	return "a single value";
}

static struct ynode *map_get(const struct ynode *map, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->kind == YN_SCALAR &&
		    !strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}

static const char *const root_keys[] = {
	"name",	    "description",  "extends",	"allow",
	"features", "never_expose", "defaults", "remove"};

/*
 * Keys of MAP must be words from KNOWN (when given) and appear once. WHAT
 * names the mapping in messages ("an entry", "the top level").
 */
static int check_keys(const struct ynode *map, const char *const *known,
		      size_t nknown, const char *what)
{
	size_t i, j;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		const struct ynode *k = map->kids[i];
		bool ok = !known;

		if (k->kind != YN_SCALAR || ynull(k)) {
			xr_error_at(&k->loc,
				    "a key of %s is %s; keys are plain words "
				    "like 'service'",
				    what, kind_text(k));
			return -EINVAL;
		}
		/* "x-..." at the top level: a place for anchors, ignored. */
		if (known == root_keys && !strncmp(k->text, "x-", 2))
			ok = true;
		for (j = 0; known && j < nknown; j++)
			if (!strcmp(k->text, known[j]))
				ok = true;
		if (!ok) {
			const char *near = xr_nearest(k->text, known, nknown);
			char list[256];

			if (near) {
				xr_error_at(&k->loc,
					    "unknown key '%s' in %s; did you "
					    "mean '%s'?",
					    CLIP(k->text), what, near);
			} else {
				join_words(known, nknown, list, sizeof(list));
				xr_error_at(&k->loc,
					    "unknown key '%s' in %s; the keys "
					    "are: %s",
					    CLIP(k->text), what, list);
			}
			return -EINVAL;
		}
		for (j = 0; j < i; j += 2) {
			if (!strcmp(map->kids[j]->text, k->text)) {
				xr_error_at(&k->loc,
					    "duplicate key '%s' (first at line "
					    "%u); keep one",
					    CLIP(k->text),
					    map->kids[j]->loc.line);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Text value of KEY: one line, no control characters, shorter than LEN. */
static int get_text(const struct ynode *n, const char *key, char *buf,
		    size_t len, const char *example)
{
	size_t i;

	if (n->kind != YN_SCALAR || ynull(n)) {
		xr_error_at(&n->loc, "'%s' must be text, found %s; write %s",
			    key, kind_text(n), example);
		return -EINVAL;
	}
	if (strlen(n->text) != n->len) {
		xr_error_at(&n->loc,
			    "'%s' contains a NUL character; write plain text",
			    key);
		return -EINVAL;
	}
	for (i = 0; i < n->len; i++) {
		unsigned char ch = n->text[i];

		if (ch < 0x20 || ch == 0x7f) {
			xr_error_at(&n->loc,
				    "'%s' contains a control character (tab, "
				    "newline, ...); write it on one line",
				    key);
			return -EINVAL;
		}
	}
	if (n->len >= len) {
		xr_error_at(&n->loc,
			    "'%s' is %zu bytes long ('%s'); write at most %zu",
			    key, n->len, CLIP(n->text), len - 1);
		return -EINVAL;
	}
	memcpy(buf, n->text, n->len + 1);
	return 0;
}

static int get_bool(const struct ynode *n, const char *key, bool *out)
{
	if (n->kind == YN_SCALAR && !strcmp(n->text, "true")) {
		*out = true;
		return 0;
	}
	if (n->kind == YN_SCALAR && !strcmp(n->text, "false")) {
		*out = false;
		return 0;
	}
	if (n->kind == YN_SCALAR)
		xr_error_at(&n->loc,
			    "'%s' must be true or false, found '%s'; write %s: "
			    "true or %s: false",
			    key, CLIP(n->text), key, key);
	else
		xr_error_at(&n->loc,
			    "'%s' must be true or false, found %s; write %s: "
			    "true or %s: false",
			    key, kind_text(n), key, key);
	return -EINVAL;
}

/* One of WORDS (exact); returns its index. */
static int get_word(const struct ynode *n, const char *key,
		    const char *const *words, size_t nwords, bool nocase)
{
	char list[128];
	size_t i;

	if (n->kind == YN_SCALAR && !ynull(n)) {
		for (i = 0; i < nwords; i++)
			if (nocase ? !strcasecmp(n->text, words[i])
				   : !strcmp(n->text, words[i]))
				return (int)i;
	}
	join_words(words, nwords, list, sizeof(list));
	if (n->kind == YN_SCALAR && !ynull(n))
		xr_error_at(&n->loc, "'%s' must be one of %s, found '%s'", key,
			    list, CLIP(n->text));
	else
		xr_error_at(&n->loc, "'%s' must be one of %s, found %s", key,
			    list, kind_text(n));
	return -EINVAL;
}

static bool valid_feature_name(const char *s)
{
	size_t i;

	if (!*s || strlen(s) >= XR_NAME_MAX || *s == '-')
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool valid_profile_name(const char *s)
{
	size_t i;

	if (!*s)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/* ---- Profile sections --------------------------------------------------- */

static void entry_release(struct xr_entry *e)
{
	free(e->sources);
	e->sources = NULL;
	e->nsources = 0;
}

static int parse_sources(const struct ynode *n, struct xr_entry *e)
{
	char why[256];
	size_t i;

	if (n->kind != YN_SEQ) {
		xr_error_at(&n->loc,
			    "'sources' must be a list, found %s; write "
			    "sources: [192.0.2.0/24, 2001:db8::/32]",
			    kind_text(n));
		return -EINVAL;
	}
	if (!n->nkids) {
		xr_error_at(
			&n->loc,
			"'sources' is an empty list; list at least one "
			"network, or leave 'sources' out to allow everyone");
		return -EINVAL;
	}
	if (n->nkids > XR_SOURCES_MAX) {
		xr_error_at(&n->loc,
			    "'sources' lists %zu networks; at most %d in all",
			    n->nkids, XR_SOURCES_MAX);
		return -EINVAL;
	}
	e->sources = calloc(n->nkids, sizeof(*e->sources));
	if (!e->sources)
		return -ENOMEM;
	for (i = 0; i < n->nkids; i++) {
		const struct ynode *s = n->kids[i];

		if (s->kind != YN_SCALAR || ynull(s)) {
			xr_error_at(&s->loc,
				    "a source must be an address or network, "
				    "found %s; write e.g. 192.0.2.0/24",
				    kind_text(s));
			return -EINVAL;
		}
		if (xr_parse_cidr(s->text, &e->sources[i], why, sizeof(why))) {
			xr_error_at(&s->loc, "%s", why);
			return -EINVAL;
		}
	}
	e->nsources = xr_cidrs_normalize(e->sources, n->nkids);
	return 0;
}

static const char *const entry_keys[] = {"service", "protocol", "port", "ports",
					 "sources"};
static const char *const proto_words[] = {"tcp", "udp", "both"};

/* An entry of `allow`, a feature's `allow` (FEATURE >= 0), `never_expose`. */
static int parse_entry(const struct ynode *n, int feature, bool never,
		       struct xr_entry *e)
{
	const struct ynode *v, *port, *ports;
	char why[256];
	int proto, err;

	memset(e, 0, sizeof(*e));
	e->feature = feature;
	e->loc = n->loc;
	if (n->kind != YN_MAP) {
		xr_error_at(&n->loc,
			    "an entry must be a mapping, found %s; write - "
			    "{service: LABEL, protocol: tcp, port: N}",
			    kind_text(n));
		return -EINVAL;
	}
	err = check_keys(n, entry_keys, never ? 4 : 5,
			 never ? "a never_expose entry" : "an entry");
	if (err)
		return err;

	v = map_get(n, "service");
	if (!v) {
		xr_error_at(&n->loc,
			    "this entry has no 'service'; add service: LABEL "
			    "(the name check and stats show)");
		return -EINVAL;
	}
	err = get_text(v, "service", e->service, sizeof(e->service),
		       "service: Caddy HTTPS");
	if (err)
		return err;
	if (!e->service[0]) {
		xr_error_at(&v->loc, "'service' is empty; write the service's "
				     "name, e.g. service: Caddy HTTPS");
		return -EINVAL;
	}

	v = map_get(n, "protocol");
	if (!v) {
		xr_error_at(&n->loc,
			    "entry '%s' has no 'protocol'; add protocol: tcp, "
			    "udp or both",
			    CLIP(e->service));
		return -EINVAL;
	}
	proto = get_word(v, "protocol", proto_words, 3, true);
	if (proto < 0)
		return proto;
	e->protos = proto == 0	 ? XR_PROTO_BIT(XR_PROTO_TCP)
		    : proto == 1 ? XR_PROTO_BIT(XR_PROTO_UDP)
				 : XR_PROTO_BOTH;

	port = map_get(n, "port");
	ports = map_get(n, "ports");
	if (port && ports) {
		xr_error_at(&ports->loc,
			    "entry '%s' has both 'port' and 'ports'; keep one",
			    CLIP(e->service));
		return -EINVAL;
	}
	v = port ? port : ports;
	if (!v) {
		xr_error_at(&n->loc,
			    "entry '%s' has no port; add port: N or ports: "
			    "FIRST-LAST",
			    CLIP(e->service));
		return -EINVAL;
	}
	if (v->kind != YN_SCALAR || ynull(v)) {
		xr_error_at(&v->loc,
			    "'%s' must be a port number%s, found %s; write %s",
			    port ? "port" : "ports", port ? "" : " or range",
			    kind_text(v),
			    port ? "port: 443" : "ports: 44200-44300");
		return -EINVAL;
	}
	if (xr_parse_ports(v->text, !port, &e->first_port, &e->last_port, why,
			   sizeof(why))) {
		xr_error_at(&v->loc, "%s", why);
		return -EINVAL;
	}

	v = never ? NULL : map_get(n, "sources");
	if (v && !ynull(v))
		return parse_sources(v, e);
	return 0;
}

static int add_entry(struct xr_entry **v, size_t *n, const struct xr_entry *e)
{
	struct xr_entry *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = *e;
	return 0;
}

static int parse_entries(struct pctx *c, const struct ynode *n, int feature,
			 bool never, const char *key)
{
	struct xr_profile *p = c->p;
	struct xr_entry e;
	size_t i;
	int err;

	if (ynull(n))
		return 0;
	if (n->kind != YN_SEQ) {
		xr_error_at(
			&n->loc,
			"'%s' must be a list of entries, found %s; write each "
			"as - {service: LABEL, protocol: tcp, port: N}",
			key, kind_text(n));
		return -EINVAL;
	}
	for (i = 0; i < n->nkids; i++) {
		if ((never && p->nnever >= XR_NEVER_MAX) ||
		    (!never && p->nentries >= XR_ENTRIES_MAX)) {
			xr_error_at(&n->kids[i]->loc,
				    "more than %d %s entries; merge "
				    "neighbouring ports into ranges",
				    never ? XR_NEVER_MAX : XR_ENTRIES_MAX,
				    never ? "never_expose" : "allow");
			return -EINVAL;
		}
		err = parse_entry(n->kids[i], feature, never, &e);
		if (!err)
			err = never ? add_entry(&p->never, &p->nnever, &e)
				    : add_entry(&p->entries, &p->nentries, &e);
		if (err) {
			entry_release(&e);
			return err;
		}
	}
	return 0;
}

static const char *const feature_keys[] = {"description", "required", "default",
					   "sources", "allow"};
static const char *const sources_words[] = {"optional", "required"};

static int parse_features(struct pctx *c, const struct ynode *n)
{
	struct xr_profile *p = c->p;
	size_t i;
	int err;

	if (ynull(n))
		return 0;
	if (n->kind != YN_MAP) {
		xr_error_at(&n->loc,
			    "'features' must be a mapping of feature names to "
			    "definitions, found %s; write features: {NAME: "
			    "{default: true, allow: [...]}}",
			    kind_text(n));
		return -EINVAL;
	}
	err = check_keys(n, NULL, 0, "features");
	if (err)
		return err;
	for (i = 0; i + 1 < n->nkids; i += 2) {
		const struct ynode *k = n->kids[i], *def = n->kids[i + 1], *v;
		struct xr_feature *f;
		int idx = (int)p->nfeatures, w;

		if (!valid_feature_name(k->text)) {
			xr_error_at(&k->loc,
				    "'%s' is not a valid feature name; use "
				    "lowercase letters, digits and '-' (at "
				    "most %d), e.g. livekit-tcp",
				    CLIP(k->text), XR_NAME_MAX - 1);
			return -EINVAL;
		}
		if (p->nfeatures == XR_FEATURES_MAX) {
			xr_error_at(&k->loc,
				    "more than %d features; merge some of them",
				    XR_FEATURES_MAX);
			return -EINVAL;
		}
		if (def->kind != YN_MAP) {
			xr_error_at(&def->loc,
				    "feature '%s' must be a mapping, found %s; "
				    "write %s: {description: ..., default: "
				    "false, allow: [...]}",
				    k->text, kind_text(def), k->text);
			return -EINVAL;
		}
		err = check_keys(def, feature_keys, 5, "a feature");
		if (err)
			return err;
		f = &p->features[p->nfeatures++];
		memset(f, 0, sizeof(*f));
		strcpy(f->name, k->text);
		f->loc = k->loc;
		v = map_get(def, "description");
		if (v) {
			err = get_text(v, "description", f->description,
				       sizeof(f->description),
				       "description: LiveKit WebRTC media");
			if (err)
				return err;
			f->set |= XR_FSET_DESCRIPTION;
		}
		v = map_get(def, "required");
		if (v) {
			err = get_text(
				v, "required", f->required, sizeof(f->required),
				"required: \"Yes (if LiveKit enabled)\"");
			if (err)
				return err;
			f->set |= XR_FSET_REQUIRED;
		}
		v = map_get(def, "default");
		if (v) {
			err = get_bool(v, "default", &f->enabled);
			if (err)
				return err;
			f->set |= XR_FSET_DEFAULT;
		}
		v = map_get(def, "sources");
		if (v) {
			w = get_word(v, "sources", sources_words, 2, false);
			if (w < 0)
				return w;
			f->sources_required = w == 1;
			f->set |= XR_FSET_SOURCES;
		}
		v = map_get(def, "allow");
		if (v) {
			err = parse_entries(c, v, idx, false, "allow");
			if (err)
				return err;
		}
	}
	return 0;
}

static const struct {
	const char *name;
	int number;
} ip_protos[] = {
	{"igmp", 2},   {"ipip", 4},   {"ipv6", 41},  {"gre", 47},
	{"esp", 50},   {"ah", 51},    {"ospf", 89},  {"pim", 103},
	{"vrrp", 112}, {"l2tp", 115}, {"sctp", 132}, {"udplite", 136},
};

static int parse_allow_protocols(struct xr_profile *p, const struct ynode *n)
{
	size_t i, j;

	if (n->kind != YN_SEQ) {
		xr_error_at(&n->loc,
			    "'allow_protocols' must be a list, found %s; write "
			    "allow_protocols: [gre, esp, 132]",
			    kind_text(n));
		return -EINVAL;
	}
	memset(p->classes.other_ip_allow, 0, sizeof(p->classes.other_ip_allow));
	for (i = 0; i < n->nkids; i++) {
		const struct ynode *v = n->kids[i];
		int num = -1;

		if (v->kind != YN_SCALAR || ynull(v)) {
			xr_error_at(&v->loc,
				    "a protocol must be a name or a number, "
				    "found %s; write e.g. gre or 47",
				    kind_text(v));
			return -EINVAL;
		}
		for (j = 0; j < sizeof(ip_protos) / sizeof(ip_protos[0]); j++)
			if (!strcasecmp(v->text, ip_protos[j].name))
				num = ip_protos[j].number;
		if (num < 0 && v->len && v->len <= 3 &&
		    strspn(v->text, "0123456789") == v->len)
			num = atoi(v->text);
		if (!strcasecmp(v->text, "tcp") ||
		    !strcasecmp(v->text, "udp") || num == 6 || num == 17) {
			xr_error_at(&v->loc,
				    "'%s' is TCP or UDP, which are filtered by "
				    "port; use 'allow' entries instead",
				    CLIP(v->text));
			return -EINVAL;
		}
		if (!strcasecmp(v->text, "icmp") ||
		    !strcasecmp(v->text, "icmpv6") || num == 1 || num == 58) {
			xr_error_at(&v->loc,
				    "'%s' is ICMP, which has its own rules; "
				    "use 'echo_requests: pass' or 'drop'",
				    CLIP(v->text));
			return -EINVAL;
		}
		if (num < 0 || num > 255) {
			xr_error_at(
				&v->loc,
				"'%s' is not an IP protocol; write a number "
				"0-255 or one of igmp, ipip, ipv6, gre, esp, "
				"ah, ospf, pim, vrrp, l2tp, sctp, udplite",
				CLIP(v->text));
			return -EINVAL;
		}
		p->classes.other_ip_allow[num / 64] |= 1ULL << (num % 64);
	}
	return 0;
}

static int get_seconds(const struct ynode *n, const char *key, uint32_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (n->kind == YN_SCALAR && n->len && n->len <= 7 &&
	    strspn(n->text, "0123456789") == n->len) {
		for (i = 0; i < n->len; i++)
			v = v * 10 + (unsigned long)(n->text[i] - '0');
		if (v >= 1 && v <= XR_REPLY_SECS_MAX) {
			*out = (uint32_t)v;
			return 0;
		}
	}
	xr_error_at(
		&n->loc,
		"'%s' must be a number of seconds from 1 to %d, found %s%s%s",
		key, XR_REPLY_SECS_MAX, n->kind == YN_SCALAR ? "'" : "",
		n->kind == YN_SCALAR ? CLIP(n->text) : kind_text(n),
		n->kind == YN_SCALAR ? "'" : "");
	return -EINVAL;
}

static const char *const timeout_keys[] = {"tcp", "udp", "closed"};

static int parse_reply_timeouts(struct xr_profile *p, const struct ynode *n)
{
	const struct ynode *v;
	uint32_t secs;
	int err;

	if (n->kind != YN_MAP) {
		xr_error_at(
			&n->loc,
			"'reply_timeouts' must be a mapping, found %s; write "
			"reply_timeouts: {tcp: 3600, udp: 120, closed: 10}",
			kind_text(n));
		return -EINVAL;
	}
	err = check_keys(n, timeout_keys, 3, "reply_timeouts");
	if (err)
		return err;
	if ((v = map_get(n, "tcp"))) {
		err = get_seconds(v, "tcp", &secs);
		if (err)
			return err;
#ifdef XR_HAVE_REPLY_TIMEOUTS
		p->classes.reply_tcp_secs = secs;
#endif
		p->classes_set |= XR_DSET_REPLY_TCP;
	}
	if ((v = map_get(n, "udp"))) {
		err = get_seconds(v, "udp", &secs);
		if (err)
			return err;
#ifdef XR_HAVE_REPLY_TIMEOUTS
		p->classes.reply_udp_secs = secs;
#endif
		p->classes_set |= XR_DSET_REPLY_UDP;
	}
	if ((v = map_get(n, "closed"))) {
		err = get_seconds(v, "closed", &secs);
		if (err)
			return err;
#ifdef XR_HAVE_REPLY_TIMEOUTS
		p->classes.reply_closed_secs = secs;
#endif
		p->classes_set |= XR_DSET_REPLY_CLOSED;
	}
	return 0;
}

static const char *const defaults_keys[] = {
	"echo_requests",   "fragments", "other_protocols",
	"allow_protocols", "replies",	"reply_timeouts"};
static const char *const pass_words[] = {"pass", "drop"};

static int parse_defaults(struct xr_profile *p, const struct ynode *n)
{
	const struct ynode *v;
	bool b;
	int w, err;

	if (ynull(n))
		return 0;
	if (n->kind != YN_MAP) {
		xr_error_at(&n->loc,
			    "'defaults' must be a mapping, found %s; write "
			    "defaults: {echo_requests: pass, fragments: pass}",
			    kind_text(n));
		return -EINVAL;
	}
	err = check_keys(n, defaults_keys, 6, "defaults");
	if (err)
		return err;
	if ((v = map_get(n, "echo_requests"))) {
		w = get_word(v, "echo_requests", pass_words, 2, false);
		if (w < 0)
			return w;
		p->classes.drop_echo = w == 1;
		p->classes_set |= XR_DSET_ECHO;
	}
	if ((v = map_get(n, "fragments"))) {
		w = get_word(v, "fragments", pass_words, 2, false);
		if (w < 0)
			return w;
		p->classes.drop_frags = w == 1;
		p->classes_set |= XR_DSET_FRAGMENTS;
	}
	if ((v = map_get(n, "other_protocols"))) {
		w = get_word(v, "other_protocols", pass_words, 2, false);
		if (w < 0)
			return w;
		p->classes.other_ip_pass = w == 0;
		p->classes_set |= XR_DSET_OTHER;
	}
	if ((v = map_get(n, "allow_protocols"))) {
		err = parse_allow_protocols(p, v);
		if (err)
			return err;
		p->classes_set |= XR_DSET_ALLOW_PROTOS;
	}
	if ((v = map_get(n, "replies"))) {
		err = get_bool(v, "replies", &b);
		if (err)
			return err;
		p->classes.replies = b;
		p->classes_set |= XR_DSET_REPLIES;
	}
	if ((v = map_get(n, "reply_timeouts")))
		return parse_reply_timeouts(p, v);
	return 0;
}

static int parse_remove(struct xr_profile *p, const struct ynode *n)
{
	size_t i;
	int err;

	if (ynull(n))
		return 0;
	if (n->kind != YN_SEQ) {
		xr_error_at(&n->loc,
			    "'remove' must be a list of service labels, found "
			    "%s; write remove: [Caddy HTTP]",
			    kind_text(n));
		return -EINVAL;
	}
	p->removes = calloc(n->nkids ? n->nkids : 1, sizeof(*p->removes));
	if (!p->removes)
		return -ENOMEM;
	for (i = 0; i < n->nkids; i++) {
		const struct ynode *v = n->kids[i];
		struct xr_remove *r = &p->removes[p->nremoves];

		if (v->kind == YN_MAP) {
			static const char *const keys[] = {"service"};

			err = check_keys(v, keys, 1, "a remove item");
			if (err)
				return err;
			if (!map_get(v, "service")) {
				xr_error_at(&v->loc,
					    "this remove item has no "
					    "'service'; write - {service: "
					    "LABEL} or just - LABEL");
				return -EINVAL;
			}
			v = map_get(v, "service");
		}
		err = get_text(v, "remove", r->service, sizeof(r->service),
			       "remove: [Caddy HTTP]");
		if (err)
			return err;
		r->loc = v->loc;
		p->nremoves++;
	}
	return 0;
}

static int parse_root(struct pctx *c, const struct ynode *root)
{
	struct xr_profile *p = c->p;
	size_t i;
	int err;

	p->root_loc = root->loc;
	p->features_loc = root->loc;
	if (root->kind != YN_MAP) {
		xr_error_at(&root->loc,
			    "the top level must be a mapping (name:, allow:, "
			    "...), found %s; see policies/README.md",
			    kind_text(root));
		return -EINVAL;
	}
	err = check_keys(root, root_keys, 8, "the top level");
	if (err)
		return err;
	/* In document order, so entries keep the order they were written in. */
	for (i = 0; i + 1 < root->nkids; i += 2) {
		const char *k = root->kids[i]->text;
		const struct ynode *v = root->kids[i + 1];

		if (!strcmp(k, "name")) {
			err = get_text(v, "name", p->name, sizeof(p->name),
				       "name: my-site");
			if (!err && !valid_profile_name(p->name)) {
				xr_error_at(
					&v->loc,
					"'%s' is not a valid profile name; use "
					"letters, digits, '.', '_' and '-'",
					CLIP(p->name));
				err = -EINVAL;
			}
		} else if (!strcmp(k, "description")) {
			err = get_text(v, "description", p->description,
				       sizeof(p->description),
				       "description: what this profile is for");
			p->description_set = true;
		} else if (!strcmp(k, "extends")) {
			err = get_text(v, "extends", p->extends,
				       sizeof(p->extends),
				       "extends: reflector-caddy");
			if (!err && !p->extends[0]) {
				xr_error_at(
					&v->loc,
					"'extends' is empty; name a built-in "
					"profile or a path like ./base.yaml");
				err = -EINVAL;
			}
			p->extends_loc = v->loc;
		} else if (!strcmp(k, "allow")) {
			err = parse_entries(c, v, -1, false, "allow");
		} else if (!strcmp(k, "features")) {
			p->features_loc = root->kids[i]->loc;
			p->features_set = true;
			err = parse_features(c, v);
		} else if (!strcmp(k, "never_expose")) {
			err = parse_entries(c, v, -1, true, "never_expose");
		} else if (!strcmp(k, "defaults")) {
			err = parse_defaults(p, v);
		} else if (!strcmp(k, "remove")) {
			p->remove_loc = root->kids[i]->loc;
			err = parse_remove(p, v);
		}
		if (err)
			return err;
	}
	if (!p->name[0]) {
		xr_error_at(&root->loc, "the profile has no 'name'; add name: "
					"my-site at the top");
		return -EINVAL;
	}
	if (p->nremoves && !p->extends[0]) {
		xr_error_at(&p->remove_loc,
			    "'remove' drops entries of an extended profile, "
			    "and this one extends none; add 'extends:' or "
			    "delete 'remove'");
		return -EINVAL;
	}
	return 0;
}

/* ---- Files -------------------------------------------------------------- */

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

static const char *add_file(struct xr_profile *p, const char *path)
{
	char **nv = realloc(p->files, (p->nfiles + 1) * sizeof(*nv));

	if (!nv)
		return NULL;
	p->files = nv;
	p->files[p->nfiles] = strdup(path);
	if (!p->files[p->nfiles])
		return NULL;
	return p->files[p->nfiles++];
}

void xr_profile_free(struct xr_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nentries; i++)
		entry_release(&p->entries[i]);
	for (i = 0; i < p->nnever; i++)
		entry_release(&p->never[i]);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->entries);
	free(p->never);
	free(p->removes);
	free(p->files);
	free(p);
}

int xr_profile_parse(const char *path, struct xr_profile **out)
{
	struct ydoc doc = {0};
	struct xr_profile *p;
	struct pctx c;
	unsigned char *buf = NULL;
	size_t len = 0, i;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c.p = p;
	c.file = add_file(p, path);
	if (!c.file) {
		err = -ENOMEM;
		goto fail;
	}
	/* Built-in class defaults (policies/README.md): only replies pass. */
	p->classes.replies = 1;
#ifdef XR_HAVE_REPLY_TIMEOUTS
	p->classes.reply_tcp_secs = XR_REPLY_TCP_SECS;
	p->classes.reply_udp_secs = XR_REPLY_UDP_SECS;
	p->classes.reply_closed_secs = XR_REPLY_CLOSED_SECS;
#endif
	err = read_file(path, &buf, &len);
	if (err)
		goto fail;
	err = ydoc_load(&doc, c.file, buf, len);
	if (!err)
		err = parse_root(&c, doc.root);
	if (err)
		goto fail;
	if (!p->extends[0]) {
		for (i = 0; i < p->nfeatures; i++) {
			size_t j;
			bool any = false;

			for (j = 0; j < p->nentries; j++)
				any |= p->entries[j].feature == (int)i;
			if (!any) {
				xr_error_at(&p->features[i].loc,
					    "feature '%s' opens no ports; give "
					    "it 'allow:' entries",
					    p->features[i].name);
				err = -EINVAL;
				goto fail;
			}
		}
	}
	ydoc_free(&doc);
	free(buf);
	*out = p;
	return 0;
fail:
	ydoc_free(&doc);
	free(buf);
	xr_profile_free(p);
	return err;
}

/* ---- Finding profiles --------------------------------------------------- */

bool xr_profile_is_name(const char *ref)
{
	size_t n = strlen(ref);

	if (strchr(ref, '/'))
		return false;
	if (n >= 5 && !strcmp(ref + n - 5, ".yaml"))
		return false;
	if (n >= 4 && !strcmp(ref + n - 4, ".yml"))
		return false;
	return true;
}

int xr_profile_find(const char *ref, const char *from, char *path, size_t len)
{
	const char *const *dirs;
	struct stat st;
	int w;

	if (!*ref)
		return -ENOENT;
	if (!xr_profile_is_name(ref)) {
		const char *slash = from ? strrchr(from, '/') : NULL;

		if (ref[0] == '/' || !slash)
			w = snprintf(path, len, "%s", ref);
		else
			w = snprintf(path, len, "%.*s/%s", (int)(slash - from),
				     from, ref);
		if (w < 0 || (size_t)w >= len)
			return -ENAMETOOLONG;
		return stat(path, &st) ? -errno : 0;
	}
	for (dirs = xr_profile_dirs(); *dirs; dirs++) {
		w = snprintf(path, len, "%s/%s.yaml", *dirs, ref);
		if (w < 0 || (size_t)w >= len)
			continue;
		if (!stat(path, &st) && S_ISREG(st.st_mode))
			return 0;
	}
	snprintf(path, len, "%s", ref);
	return -ENOENT;
}

/* "reflector-caddy, reflector-direct": the built-ins, for messages. */
static void builtin_names(char *buf, size_t len)
{
	const char *const *dirs;
	size_t used = 0;

	buf[0] = '\0';
	for (dirs = xr_profile_dirs(); *dirs; dirs++) {
		struct dirent **names;
		int n, i;

		n = scandir(*dirs, &names, NULL, alphasort);
		if (n < 0)
			continue;
		for (i = 0; i < n; i++) {
			size_t l = strlen(names[i]->d_name);

			if (l > 5 &&
			    !strcmp(names[i]->d_name + l - 5, ".yaml") &&
			    used < len) {
				int w = snprintf(buf + used, len - used,
						 "%s%.*s", used ? ", " : "",
						 (int)(l - 5),
						 names[i]->d_name);
				if (w > 0)
					used += (size_t)w;
			}
			free(names[i]);
		}
		free(names);
		break; /* the first directory that exists */
	}
	if (!buf[0])
		snprintf(buf, len, "none found");
}

static void dir_list(char *buf, size_t len)
{
	const char *const *dirs = xr_profile_dirs();
	size_t n = 0;

	while (dirs[n])
		n++;
	join_words(dirs, n, buf, len);
}

/* ---- extends: chains and merging ---------------------------------------- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* SITE takes BASE in: BASE's entries (minus `remove`), features, rules. */
static int merge(struct xr_profile *base, struct xr_profile *site)
{
	struct xr_feature feats[XR_FEATURES_MAX];
	int map[XR_FEATURES_MAX];
	struct xr_entry *entries = NULL, *never = NULL;
	size_t nfeats = base->nfeatures, n = 0, i, j;
	bool *drop = NULL;
	int err = 0;

	drop = calloc(base->nentries + 1, sizeof(*drop));
	if (!drop)
		return -ENOMEM;
	for (i = 0; i < site->nremoves; i++) {
		const struct xr_remove *r = &site->removes[i];
		bool found = false;

		for (j = 0; j < base->nentries; j++) {
			if (!strcmp(base->entries[j].service, r->service)) {
				drop[j] = true;
				found = true;
			}
		}
		if (!found) {
			const char *labels[64];
			size_t nl = 0, k;
			const char *near;

			for (j = 0; j < base->nentries && nl < 64; j++) {
				for (k = 0; k < nl; k++)
					if (!strcmp(labels[k],
						    base->entries[j].service))
						break;
				if (k == nl)
					labels[nl++] = base->entries[j].service;
			}
			near = xr_nearest(r->service, labels, nl);
			if (near)
				xr_error_at(&r->loc,
					    "remove '%s': profile '%s' has no "
					    "entry with that service; did you "
					    "mean '%s'?",
					    CLIP(r->service), base->name, near);
			else
				xr_error_at(&r->loc,
					    "remove '%s': profile '%s' has no "
					    "entry with that service; run "
					    "'xdp-reflector check %s' to see "
					    "its services",
					    CLIP(r->service), base->name,
					    base->name);
			err = -EINVAL;
			goto out;
		}
	}

	memcpy(feats, base->features, sizeof(feats));
	for (i = 0; i < site->nfeatures; i++) {
		const struct xr_feature *f = &site->features[i];
		struct xr_feature *t = NULL;

		for (j = 0; j < nfeats; j++)
			if (!strcmp(feats[j].name, f->name))
				t = &feats[j];
		if (!t) {
			bool any = false;

			for (j = 0; j < site->nentries; j++)
				any |= site->entries[j].feature == (int)i;
			if (!any) {
				xr_error_at(&f->loc,
					    "feature '%s' is not in profile "
					    "'%s' and opens no ports; give it "
					    "'allow:' entries",
					    f->name, base->name);
				err = -EINVAL;
				goto out;
			}
			if (nfeats == XR_FEATURES_MAX) {
				xr_error_at(&f->loc,
					    "more than %d features with those "
					    "of '%s'; merge some of them",
					    XR_FEATURES_MAX, base->name);
				err = -EINVAL;
				goto out;
			}
			map[i] = (int)nfeats;
			feats[nfeats++] = *f;
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

	entries = calloc(base->nentries + site->nentries + 1, sizeof(*entries));
	never = calloc(base->nnever + site->nnever + 1, sizeof(*never));
	if (!entries || !never) {
		err = -ENOMEM;
		goto out;
	}
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
			entry_release(&entries[i]);
		site->nentries = 0;
		err = -EINVAL;
		goto out;
	}
	free(site->entries);
	site->entries = entries;
	site->nentries = n;
	entries = NULL;

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
	never = NULL;

	memcpy(site->features, feats, sizeof(feats));
	site->nfeatures = nfeats;
	/* Toggle errors point at a `features:`, the base's if need be. */
	if (!site->features_set && base->features_set) {
		site->features_loc = base->features_loc;
		site->features_set = true;
	}

	{
		struct xr_class_policy c = base->classes;
		unsigned int s = site->classes_set;

		if (s & XR_DSET_ECHO)
			c.drop_echo = site->classes.drop_echo;
		if (s & XR_DSET_FRAGMENTS)
			c.drop_frags = site->classes.drop_frags;
		if (s & XR_DSET_OTHER)
			c.other_ip_pass = site->classes.other_ip_pass;
		if (s & XR_DSET_ALLOW_PROTOS)
			memcpy(c.other_ip_allow, site->classes.other_ip_allow,
			       sizeof(c.other_ip_allow));
		if (s & XR_DSET_REPLIES)
			c.replies = site->classes.replies;
#ifdef XR_HAVE_REPLY_TIMEOUTS
		if (s & XR_DSET_REPLY_TCP)
			c.reply_tcp_secs = site->classes.reply_tcp_secs;
		if (s & XR_DSET_REPLY_UDP)
			c.reply_udp_secs = site->classes.reply_udp_secs;
		if (s & XR_DSET_REPLY_CLOSED)
			c.reply_closed_secs = site->classes.reply_closed_secs;
#endif
		site->classes = c;
		site->classes_set |= base->classes_set;
	}
	if (!site->description_set)
		memcpy(site->description, base->description,
		       sizeof(site->description));

	/* Locations in the base's entries point to the base's file names. */
	{
		char **nv = realloc(site->files, (site->nfiles + base->nfiles) *
							 sizeof(*nv));
		if (!nv) {
			err = -ENOMEM;
			goto out;
		}
		site->files = nv;
		memcpy(site->files + site->nfiles, base->files,
		       base->nfiles * sizeof(*nv));
		site->nfiles += base->nfiles;
		base->nfiles = 0;
	}
out:
	free(entries);
	free(never);
	free(drop);
	return err;
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
	char path[PATH_MAX], real[PATH_MAX], names[256], dirs[512];
	struct xr_profile *site = NULL, *base = NULL;
	size_t i;
	int err;

	*out = NULL;
	err = xr_profile_find(ref, from, path, sizeof(path));
	if (err) {
		bool name = xr_profile_is_name(ref);

		builtin_names(names, sizeof(names));
		dir_list(dirs, sizeof(dirs));
		if (at && name)
			xr_error_at(at,
				    "extends '%s': no such built-in profile "
				    "(built-ins: %s; searched %s); name one of "
				    "them or give a path like ./base.yaml",
				    CLIP(ref), names, dirs);
		else if (at)
			xr_error_at(at,
				    "extends '%s': cannot open %s: %s; paths "
				    "are relative to this file's directory",
				    CLIP(ref), path, strerror(-err));
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
				CLIP(ref), cycle, base_name(path));
			return -EINVAL;
		}
	}
	if (ch->n == XR_EXTENDS_MAX) {
		xr_error_at(at,
			    "extends '%s' makes a chain of more than %d "
			    "profiles; extend a profile higher up the chain",
			    CLIP(ref), XR_EXTENDS_MAX);
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

/* ---- Validation --------------------------------------------------------- */

static int span_cmp(const void *a, const void *b)
{
	const struct xr_span *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

static bool same_sources(const struct xr_span *a, const struct xr_span *b)
{
	size_t i;

	if (a->nsources != b->nsources)
		return false;
	for (i = 0; i < a->nsources; i++)
		if (xr_cidr_cmp(&a->sources[i], &b->sources[i]))
			return false;
	return true;
}

/* "'Caddy HTTPS' 443/tcp", "'Hatchet dashboard' 8888/tcp (feature dashboard)"
 */
static const char *span_text(const struct xr_span *s, char *buf, size_t len)
{
	snprintf(buf, len, "'%s' %s/%s%s%s%s", CLIP(s->entry->service),
		 PORTS(s->first, s->last),
		 xr_proto_name(XR_PROTO_BIT(s->proto)),
		 s->feature[0] ? " (feature " : "", s->feature,
		 s->feature[0] ? ")" : "");
	return buf;
}

int xr_spans_check(struct xr_span *s, size_t n, bool warn)
{
	const struct xr_span *reach = NULL; /* the span reaching furthest */
	size_t i;

	qsort(s, n, sizeof(*s), span_cmp);
	for (i = 0; i < n; i++) {
		const struct xr_span *a, *b, *later, *earlier;
		char t1[160], t2[160];

		s[i].dup = false;
		if (!reach || reach->proto != s[i].proto ||
		    reach->last < s[i].first) {
			reach = &s[i];
			continue;
		}
		a = reach;
		b = &s[i];
		later = a->order > b->order ? a : b;
		earlier = later == a ? b : a;
		if (a->first == b->first && a->last == b->last &&
		    !strcmp(a->entry->service, b->entry->service) &&
		    same_sources(a, b)) {
			s[i].dup = true;
			if (warn && later->entry != earlier->entry)
				xr_warning_at(
					&later->entry->loc,
					"%s repeats the entry at %s:%u:%u; the "
					"repeat changes nothing, delete it",
					span_text(later, t1, sizeof(t1)),
					earlier->entry->loc.file,
					earlier->entry->loc.line,
					earlier->entry->loc.col);
			continue;
		}
		xr_error_at(
			&later->entry->loc,
			"%s overlaps %s at %s:%u:%u, %s; give each port one "
			"entry: make the ranges disjoint or merge the two",
			span_text(later, t1, sizeof(t1)),
			span_text(earlier, t2, sizeof(t2)),
			earlier->entry->loc.file, earlier->entry->loc.line,
			earlier->entry->loc.col,
			strcmp(a->entry->service, b->entry->service)
				? "which has another service label"
			: !same_sources(a, b) ? "which has other sources"
					      : "which has another port range");
		return -EINVAL;
	}
	return 0;
}

static int check_never(const struct xr_profile *p)
{
	size_t i, j;

	for (i = 0; i < p->nentries; i++) {
		const struct xr_entry *e = &p->entries[i];

		for (j = 0; j < p->nnever; j++) {
			const struct xr_entry *x = &p->never[j];
			unsigned int common = e->protos & x->protos;
			uint16_t lo, hi;

			if (!common || e->last_port < x->first_port ||
			    x->last_port < e->first_port)
				continue;
			lo = e->first_port > x->first_port ? e->first_port
							   : x->first_port;
			hi = e->last_port < x->last_port ? e->last_port
							 : x->last_port;
			xr_error_at(&e->loc,
				    "'%s' %s/%s%s%s%s opens %s/%s, which "
				    "never_expose entry '%s' at %s:%u:%u "
				    "forbids; leave %s out of this entry",
				    CLIP(e->service),
				    PORTS(e->first_port, e->last_port),
				    xr_proto_name(e->protos),
				    e->feature >= 0 ? " (feature " : "",
				    e->feature >= 0
					    ? p->features[e->feature].name
					    : "",
				    e->feature >= 0 ? ", on or off)" : "",
				    PORTS(lo, hi), xr_proto_name(common),
				    CLIP(x->service), x->loc.file, x->loc.line,
				    x->loc.col, PORTS(lo, hi));
			return -EINVAL;
		}
	}
	return 0;
}

/* Checks that need the whole profile, every feature included, on or off. */
static int validate(const struct xr_profile *p)
{
	struct xr_span *spans;
	size_t n = 0, i;
	int proto, err;

	spans = calloc(2 * p->nentries + 1, sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	for (i = 0; i < p->nentries; i++) {
		const struct xr_entry *e = &p->entries[i];

		for (proto = 0; proto < XR_PROTOS; proto++) {
			if (!(e->protos & XR_PROTO_BIT(proto)))
				continue;
			spans[n].proto = (uint8_t)proto;
			spans[n].first = e->first_port;
			spans[n].last = e->last_port;
			spans[n].entry = e;
			spans[n].feature =
				e->feature >= 0 ? p->features[e->feature].name
						: "";
			spans[n].sources = e->sources;
			spans[n].nsources = e->nsources;
			spans[n].order = i;
			n++;
		}
	}
	err = xr_spans_check(spans, n, true);
	free(spans);
	if (!err)
		err = check_never(p);
	return err;
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
		err = validate(*out);
	if (err) {
		xr_warnings_flush(false);
		xr_profile_free(*out);
		*out = NULL;
	}
	return err;
}
