// SPDX-License-Identifier: GPL-2.0
/*
 * Which entries collide: every port belongs to at most one entry per
 * protocol (exact repeats are warnings), and no entry opens a never_expose
 * port. Run on the whole merged profile, features on or off, and again by
 * toggles.c once --source has changed the sources.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define PORTS(f, l) xr_ports_text((f), (l), (char[16]){0}, 16)

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

/* The same guard and rate: a repeat that differs there is no repeat. */
static bool same_limits(const struct xr_span *a, const struct xr_span *b)
{
	const struct xr_entry *x = a->entry, *y = b->entry;

	return x->guard == y->guard && x->rate.count == y->rate.count &&
	       x->rate.period == y->rate.period &&
	       x->rate.burst == y->rate.burst;
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
	snprintf(buf, len, "'%s' %s/%s%s%s%s", XR_CLIPPED(s->entry->service),
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
		    same_sources(a, b) && same_limits(a, b)) {
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
			: !same_limits(a, b)  ? "which has another guard or rate"
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
				    XR_CLIPPED(e->service),
				    PORTS(e->first_port, e->last_port),
				    xr_proto_name(e->protos),
				    e->feature >= 0 ? " (feature " : "",
				    e->feature >= 0
					    ? p->features[e->feature].name
					    : "",
				    e->feature >= 0 ? ", on or off)" : "",
				    PORTS(lo, hi), xr_proto_name(common),
				    XR_CLIPPED(x->service), x->loc.file,
				    x->loc.line, x->loc.col, PORTS(lo, hi));
			return -EINVAL;
		}
	}
	return 0;
}

size_t xr_entry_spans(const struct xr_profile *p, size_t i,
		      const struct xr_cidr *sources, size_t nsources,
		      struct xr_span *out)
{
	const struct xr_entry *e = &p->entries[i];
	size_t n = 0;
	int proto;

	for (proto = 0; proto < XR_PROTOS; proto++) {
		if (!(e->protos & XR_PROTO_BIT(proto)))
			continue;
		out[n].proto = (uint8_t)proto;
		out[n].first = e->first_port;
		out[n].last = e->last_port;
		out[n].entry = e;
		out[n].feature =
			e->feature >= 0 ? p->features[e->feature].name : "";
		out[n].sources = sources;
		out[n].nsources = nsources;
		out[n].order = i;
		out[n].dup = false;
		n++;
	}
	return n;
}

int xr_profile_check(const struct xr_profile *p)
{
	struct xr_span *spans;
	size_t n = 0, i;
	int err;

	spans = calloc(2 * p->nentries + 1, sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	for (i = 0; i < p->nentries; i++)
		n += xr_entry_spans(p, i, p->entries[i].sources,
				    p->entries[i].nsources, spans + n);
	err = xr_spans_check(spans, n, true);
	free(spans);
	if (!err)
		err = check_never(p);
	return err;
}
