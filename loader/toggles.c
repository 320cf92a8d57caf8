// SPDX-License-Identifier: GPL-2.0
/*
 * Profile + toggles -> policy: apply --enable, --disable and --source,
 * enforce `sources: required`, then hand the enabled entries, as rules with
 * their effective sources, to the compiler (policy.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "toggles.h"

struct extra_sources {
	struct xr_cidr *v;
	size_t n;
};

static int find_feature(const struct xr_profile *p, const char *name,
			size_t len)
{
	size_t i;

	for (i = 0; i < p->nfeatures; i++)
		if (strlen(p->features[i].name) == len &&
		    !strncmp(p->features[i].name, name, len))
			return (int)i;
	return -1;
}

static int unknown_feature(const struct xr_profile *p, const char *opt,
			   const char *arg, const char *name, size_t len)
{
	const char *names[XR_FEATURES_MAX];
	char known[XR_FEATURES_MAX * (XR_NAME_MAX + 2)];
	char clipped[XR_CLIP + 8], wclipped[XR_CLIP + 8];
	char word[XR_NAME_MAX];
	const char *near;
	size_t i, used = 0;

	snprintf(word, sizeof(word), "%.*s", (int)len, name);
	known[0] = '\0';
	for (i = 0; i < p->nfeatures; i++) {
		names[i] = p->features[i].name;
		used += (size_t)snprintf(known + used, sizeof(known) - used,
					 "%s%s", i ? ", " : "", names[i]);
	}
	near = xr_nearest(word, names, p->nfeatures);
	xr_clip(arg, clipped, sizeof(clipped));
	if (near)
		xr_error_at(&p->features_loc,
			    "%s %s: profile '%s' has no feature '%s'; did you "
			    "mean '%s'? (known features: %s)",
			    opt, clipped, p->name,
			    xr_clip(word, wclipped, sizeof(wclipped)), near,
			    known);
	else
		xr_error_at(&p->features_loc,
			    "%s %s: profile '%s' has no feature by that name; "
			    "known features: %s",
			    opt, clipped, p->name,
			    p->nfeatures ? known : "none");
	return -EINVAL;
}

/* The index of the feature NAME given to OPT, or -EINVAL (reported). */
static int named_feature(const struct xr_profile *p, const char *opt,
			 const char *name)
{
	int f = find_feature(p, name, strlen(name));

	return f < 0 ? unknown_feature(p, opt, name, name, strlen(name)) : f;
}

static int add_sources(struct extra_sources *x, const struct xr_cidr *c)
{
	struct xr_cidr *nv = realloc(x->v, (x->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	x->v = nv;
	x->v[x->n++] = *c;
	return 0;
}

static int apply_toggles(const struct xr_profile *p, const struct xr_toggles *t,
			 bool *on, struct extra_sources *extra)
{
	char why[256], clipped[XR_CLIP + 8];
	struct xr_cidr c;
	size_t i, j;
	int f, err;

	for (i = 0; i < p->nfeatures; i++)
		on[i] = p->features[i].enabled;
	if (!t)
		return 0;
	for (i = 0; i < t->nenable; i++) {
		f = named_feature(p, "--enable", t->enable[i]);
		if (f < 0)
			return f;
		on[f] = true;
	}
	for (i = 0; i < t->ndisable; i++) {
		f = named_feature(p, "--disable", t->disable[i]);
		if (f < 0)
			return f;
		for (j = 0; j < t->nenable; j++) {
			if (!strcmp(t->enable[j], t->disable[i])) {
				xr_error_at(&p->features[f].loc,
					    "--enable %s and --disable %s "
					    "contradict each other; keep one",
					    p->features[f].name,
					    p->features[f].name);
				return -EINVAL;
			}
		}
		on[f] = false;
	}
	for (i = 0; i < t->nsource; i++) {
		const char *arg = t->source[i], *eq = strchr(arg, '=');

		xr_clip(arg, clipped, sizeof(clipped));
		if (!eq || eq == arg) {
			xr_error_at(&p->features_loc,
				    "--source %s: expected FEATURE=CIDR; write "
				    "e.g. --source dashboard=192.0.2.0/24",
				    clipped);
			return -EINVAL;
		}
		f = find_feature(p, arg, (size_t)(eq - arg));
		if (f < 0)
			return unknown_feature(p, "--source", arg, arg,
					       (size_t)(eq - arg));
		if (xr_parse_cidr(eq + 1, &c, why, sizeof(why))) {
			xr_error_at(&p->features[f].loc, "--source %s: %s",
				    clipped, why);
			return -EINVAL;
		}
		if (!on[f]) {
			xr_error_at(
				&p->features[f].loc,
				"--source %s: feature '%s' is off, so the "
				"source would change nothing; add --enable %s",
				clipped, p->features[f].name,
				p->features[f].name);
			return -EINVAL;
		}
		err = add_sources(&extra[f], &c);
		if (err)
			return err;
	}
	return 0;
}

/* An enabled feature with `sources: required` needs sources everywhere. */
static int check_required_sources(const struct xr_profile *p, const bool *on,
				  const struct extra_sources *extra)
{
	char ports[16], clipped[XR_CLIP + 8];
	size_t i, j;

	for (i = 0; i < p->nfeatures; i++) {
		const struct xr_feature *f = &p->features[i];

		if (!on[i] || !f->sources_required || extra[i].n)
			continue;
		for (j = 0; j < p->nentries; j++) {
			const struct xr_entry *e = &p->entries[j];

			if (e->feature != (int)i || e->nsources)
				continue;
			xr_error_at(
				&f->loc,
				"feature '%s' is on and requires sources, but "
				"'%s' %s/%s has none; add --source %s=CIDR "
				"with the networks that may reach it (e.g. "
				"--source %s=192.0.2.0/24), or --disable %s",
				f->name,
				xr_clip(e->service, clipped, sizeof(clipped)),
				xr_ports_text(e->first_port, e->last_port,
					      ports, sizeof(ports)),
				xr_proto_name(e->protos), f->name, f->name,
				f->name);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The rules of the enabled entries of P, each with its sources and the
 * --source ones of its feature, sorted and without repeats, into *OUT (*N).
 * The sources point into EFF, which the caller frees.
 */
static int enabled_rules(const struct xr_profile *p, const bool *on,
			 const struct extra_sources *extra,
			 struct xr_cidr **eff, struct xr_rule **out, size_t *n)
{
	size_t nspans = 0, i;
	struct xr_span *spans;
	int err;

	*out = NULL;
	*n = 0;
	spans = calloc(2 * p->nentries + 1, sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	for (i = 0; i < p->nentries; i++) {
		const struct xr_entry *e = &p->entries[i];
		const struct extra_sources *x =
			e->feature >= 0 ? &extra[e->feature] : NULL;
		size_t ns = e->nsources + (x ? x->n : 0), neff = 0;

		if (e->feature >= 0 && !on[e->feature])
			continue;
		if (ns) {
			eff[i] = calloc(ns, sizeof(**eff));
			if (!eff[i]) {
				err = -ENOMEM;
				goto out;
			}
			if (e->nsources)
				memcpy(eff[i], e->sources,
				       e->nsources * sizeof(**eff));
			if (x && x->n)
				memcpy(eff[i] + e->nsources, x->v,
				       x->n * sizeof(**eff));
			neff = xr_cidrs_normalize(eff[i], ns);
		}
		nspans += xr_entry_spans(p, i, eff[i], neff, spans + nspans);
	}
	/* --source may make two entries disagree that agreed in the file. */
	err = xr_spans_check(spans, nspans, false);
	if (err)
		goto out;
	*out = calloc(nspans + 1, sizeof(**out));
	if (!*out) {
		err = -ENOMEM;
		goto out;
	}
	/* Spans are sorted by protocol, then first port: so are the rules. */
	for (i = 0; i < nspans; i++) {
		const struct xr_span *s = &spans[i];
		struct xr_rule *r = &(*out)[*n];

		if (s->dup)
			continue;
		snprintf(r->service, sizeof(r->service), "%s",
			 s->entry->service);
		snprintf(r->feature, sizeof(r->feature), "%s", s->feature);
		r->proto = s->proto;
		r->first_port = s->first;
		r->last_port = s->last;
		r->sources = (struct xr_cidr *)s->sources;
		r->nsources = s->nsources;
		r->guard = s->entry->guard;
		r->rate = s->entry->rate;
		(*n)++;
	}
out:
	free(spans);
	return err;
}

/* The policy of PROF with the features ON and their EXTRA sources. */
static int compile(const struct xr_profile *prof, const bool *on,
		   const struct extra_sources *extra, struct xr_policy *p)
{
	struct xr_cidr **eff; /* each entry's sources, --source included */
	struct xr_rule *rules = NULL;
	size_t nrules = 0, i;
	int err;

	snprintf(p->name, sizeof(p->name), "%s", prof->name);
	snprintf(p->description, sizeof(p->description), "%s",
		 prof->description);
	for (i = 0; i < prof->nfeatures; i++) {
		snprintf(p->features[i].name, sizeof(p->features[i].name), "%s",
			 prof->features[i].name);
		snprintf(p->features[i].description,
			 sizeof(p->features[i].description), "%s",
			 prof->features[i].description);
		p->features[i].enabled = on[i];
	}
	p->nfeatures = prof->nfeatures;
	p->classes = prof->classes;
	p->rate_sources = prof->rate_sources ? prof->rate_sources
					     : XR_RATE_SOURCES_DEFAULT;
	eff = calloc(prof->nentries + 1, sizeof(*eff));
	if (!eff)
		return -ENOMEM;
	err = enabled_rules(prof, on, extra, eff, &rules, &nrules);
	if (!err)
		err = xr_policy_compile(p, rules, nrules, &prof->root_loc);
	for (i = 0; i < prof->nentries; i++)
		free(eff[i]);
	free(eff);
	free(rules);
	return err;
}

int xr_policy_build(const char *profile, const struct xr_toggles *toggles,
		    struct xr_policy **out)
{
	struct extra_sources extra[XR_FEATURES_MAX];
	struct xr_profile *prof = NULL;
	struct xr_policy *p = NULL;
	bool on[XR_FEATURES_MAX];
	size_t i;
	int err;

	*out = NULL;
	memset(extra, 0, sizeof(extra));
	err = xr_profile_load(profile, &prof);
	if (err)
		return err;
	err = apply_toggles(prof, toggles, on, extra);
	if (!err)
		err = check_required_sources(prof, on, extra);
	if (err)
		goto out;
	p = calloc(1, sizeof(*p));
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	err = compile(prof, on, extra, p);
out:
	for (i = 0; i < XR_FEATURES_MAX; i++)
		free(extra[i].v);
	xr_profile_free(prof);
	xr_warnings_flush(!err);
	if (err) {
		xr_policy_free(p);
		return err;
	}
	*out = p;
	return 0;
}
