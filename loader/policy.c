// SPDX-License-Identifier: GPL-2.0
/*
 * Profile -> policy: apply the operator's toggles, enforce `sources:
 * required`, then compile the enabled entries into sorted rules and the
 * per-port tables the packet path indexes (include/xdp_reflector.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "profile.h"

/* ---- Where built-in profiles live --------------------------------------- */

#define XR_DIRS_MAX 4

static void add_dir(char bufs[][PATH_MAX], const char **dirs, size_t *n,
		    const char *base, const char *suffix)
{
	char raw[PATH_MAX];
	size_t i;
	int w;

	if (*n == XR_DIRS_MAX)
		return;
	w = snprintf(raw, sizeof(raw), "%s%s", base, suffix);
	if (w < 0 || (size_t)w >= sizeof(raw))
		return;
	/* Show "/usr/share/..." rather than "/usr/bin/../share/...". */
	if (!realpath(raw, bufs[*n]))
		memcpy(bufs[*n], raw, sizeof(raw));
	for (i = 0; i < *n; i++)
		if (!strcmp(dirs[i], bufs[*n]))
			return;
	dirs[*n] = bufs[*n];
	(*n)++;
}

const char *const *xr_profile_dirs(void)
{
	static char bufs[XR_DIRS_MAX][PATH_MAX];
	static const char *dirs[XR_DIRS_MAX + 1];
	const char *env = getenv("XDP_REFLECTOR_PROFILE_DIR");
	char exe[PATH_MAX];
	ssize_t len;
	size_t n = 0;

	if (env && *env)
		add_dir(bufs, dirs, &n, env, "");
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *slash;

		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* The build tree: build/xdp-reflector -> policies/. */
			add_dir(bufs, dirs, &n, exe, "/../policies");
			/* Installed: PREFIX/bin ->
			 * PREFIX/share/xdp-reflector/profiles. */
			add_dir(bufs, dirs, &n, exe,
				"/../share/xdp-reflector/profiles");
		}
	}
#ifdef XR_SHAREDIR
	add_dir(bufs, dirs, &n, XR_SHAREDIR, "/profiles");
#endif
	dirs[n] = NULL;
	return dirs;
}

/* ---- CIDRs -------------------------------------------------------------- */

void xr_cidr_format(const struct xr_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s/%u", a, c->prefixlen);
}

/*
 * The packet path keeps every source in one IPv6 trie, IPv4 as
 * ::ffff:a.b.c.d (include/xdp_reflector.h): do the same here.
 */
static void to_v6(int family, const uint8_t *addr, unsigned int plen,
		  uint8_t out[16], unsigned int *out_plen)
{
	if (family == AF_INET) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, addr, 4);
		*out_plen = 96 + plen;
	} else {
		memcpy(out, addr, 16);
		*out_plen = plen;
	}
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

bool xr_policy_allows(const struct xr_policy *p, int proto, uint16_t port,
		      int family, const uint8_t *src)
{
	const struct xr_port_entry *e;
	const struct xr_rule *r;
	uint8_t key[16], net[16];
	unsigned int plen, nplen;
	size_t i;

	if (proto != XR_PROTO_TCP && proto != XR_PROTO_UDP)
		return false;
	e = &p->ports[proto][port];
	if (!(e->flags & XR_PORT_ALLOW))
		return false;
	if (!(e->flags & XR_PORT_SOURCES))
		return true;
	if (e->rule >= p->nrules || (family != AF_INET && family != AF_INET6))
		return false;
	r = &p->rules[e->rule];
	to_v6(family, src, family == AF_INET ? 32 : 128, key, &plen);
	for (i = 0; i < r->nsources; i++) {
		to_v6(r->sources[i].family, r->sources[i].addr,
		      r->sources[i].prefixlen, net, &nplen);
		if (prefix_match(key, net, nplen))
			return true;
	}
	return false;
}

/* ---- Digest ------------------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fnv1a_u64(uint64_t h, uint64_t v, size_t bytes)
{
	uint8_t b[8];
	size_t i;

	/* Little-endian, whatever the host: the digest is a stable value. */
	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fnv1a(h, b, bytes);
}

uint64_t xr_policy_digest(const struct xr_policy *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t proto, port, i, j;

	for (proto = 0; proto < XR_PROTOS; proto++) {
		for (port = 0; port < XR_PORTS_PER_PROTO; port++) {
			const struct xr_port_entry *e = &p->ports[proto][port];
			uint8_t b[4] = {(uint8_t)e->rule,
					(uint8_t)(e->rule >> 8), e->flags, 0};

			h = fnv1a(h, b, sizeof(b));
		}
	}
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		if (!r->nsources)
			continue;
		h = fnv1a_u64(h, i, 2);
		h = fnv1a_u64(h, r->nsources, 4);
		for (j = 0; j < r->nsources; j++) {
			const struct xr_cidr *c = &r->sources[j];

			h = fnv1a_u64(h, c->family == AF_INET ? 4 : 6, 1);
			h = fnv1a_u64(h, c->prefixlen, 1);
			h = fnv1a(h, c->addr, sizeof(c->addr));
		}
	}
	h = fnv1a_u64(h, p->classes.drop_echo, 1);
	h = fnv1a_u64(h, p->classes.drop_frags, 1);
	h = fnv1a_u64(h, p->classes.other_ip_pass, 1);
	h = fnv1a_u64(h, p->classes.replies, 1);
#ifdef XR_HAVE_REPLY_TIMEOUTS
	h = fnv1a_u64(h, p->classes.reply_tcp_secs, 4);
	h = fnv1a_u64(h, p->classes.reply_udp_secs, 4);
	h = fnv1a_u64(h, p->classes.reply_closed_secs, 4);
#endif
	for (i = 0; i < 4; i++)
		h = fnv1a_u64(h, p->classes.other_ip_allow[i], 8);
	return h;
}

/* ---- Toggles ------------------------------------------------------------ */

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
		f = find_feature(p, t->enable[i], strlen(t->enable[i]));
		if (f < 0)
			return unknown_feature(p, "--enable", t->enable[i],
					       t->enable[i],
					       strlen(t->enable[i]));
		on[f] = true;
	}
	for (i = 0; i < t->ndisable; i++) {
		f = find_feature(p, t->disable[i], strlen(t->disable[i]));
		if (f < 0)
			return unknown_feature(p, "--disable", t->disable[i],
					       t->disable[i],
					       strlen(t->disable[i]));
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

/* ---- Compiling ---------------------------------------------------------- */

void xr_policy_free(struct xr_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nrules; i++)
		free(p->rules[i].sources);
	free(p->rules);
	free(p);
}

static int compile(const struct xr_profile *p, const bool *on,
		   const struct extra_sources *extra, struct xr_policy *out)
{
	struct xr_cidr **eff =
		NULL; /* each entry's sources, --source included */
	size_t *neff = NULL, nspans = 0, nrules = 0, nsources = 0, i, k;
	struct xr_span *spans = NULL;
	int err = 0, proto;

	eff = calloc(p->nentries + 1, sizeof(*eff));
	neff = calloc(p->nentries + 1, sizeof(*neff));
	spans = calloc(2 * p->nentries + 1, sizeof(*spans));
	if (!eff || !neff || !spans) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nentries; i++) {
		const struct xr_entry *e = &p->entries[i];
		const struct extra_sources *x =
			e->feature >= 0 ? &extra[e->feature] : NULL;
		size_t n = e->nsources + (x ? x->n : 0);

		if (e->feature >= 0 && !on[e->feature])
			continue;
		if (n) {
			eff[i] = calloc(n, sizeof(**eff));
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
			neff[i] = xr_cidrs_normalize(eff[i], n);
		}
		for (proto = 0; proto < XR_PROTOS; proto++) {
			struct xr_span *s = &spans[nspans];

			if (!(e->protos & XR_PROTO_BIT(proto)))
				continue;
			s->proto = (uint8_t)proto;
			s->first = e->first_port;
			s->last = e->last_port;
			s->entry = e;
			s->feature = e->feature >= 0
					     ? p->features[e->feature].name
					     : "";
			s->sources = eff[i];
			s->nsources = neff[i];
			s->order = i;
			nspans++;
		}
	}
	/* --source may make two entries disagree that agreed in the file. */
	err = xr_spans_check(spans, nspans, false);
	if (err)
		goto out;
	for (i = 0; i < nspans; i++) {
		if (spans[i].dup)
			continue;
		nrules++;
		nsources += spans[i].nsources;
	}
	if (nrules > XR_RULES_MAX) {
		xr_error_at(&p->root_loc,
			    "profile '%s' compiles to %zu rules (one per "
			    "protocol and port range); at most %d: merge "
			    "neighbouring ports into ranges",
			    p->name, nrules, XR_RULES_MAX);
		err = -EINVAL;
		goto out;
	}
	if (nsources > XR_SOURCES_MAX) {
		xr_error_at(&p->root_loc,
			    "profile '%s' has %zu sources over all its rules; "
			    "at most %d: use wider networks",
			    p->name, nsources, XR_SOURCES_MAX);
		err = -EINVAL;
		goto out;
	}
	out->rules = calloc(nrules + 1, sizeof(*out->rules));
	if (!out->rules) {
		err = -ENOMEM;
		goto out;
	}
	/* Spans are sorted by protocol, then first port: so are the rules. */
	for (i = 0; i < nspans; i++) {
		const struct xr_span *s = &spans[i];
		struct xr_rule *r = &out->rules[out->nrules];
		uint32_t port;

		if (s->dup)
			continue;
		snprintf(r->service, sizeof(r->service), "%s",
			 s->entry->service);
		snprintf(r->feature, sizeof(r->feature), "%s", s->feature);
		r->proto = s->proto;
		r->first_port = s->first;
		r->last_port = s->last;
		if (s->nsources) {
			r->sources = calloc(s->nsources, sizeof(*r->sources));
			if (!r->sources) {
				err = -ENOMEM;
				goto out;
			}
			memcpy(r->sources, s->sources,
			       s->nsources * sizeof(*r->sources));
			r->nsources = s->nsources;
		}
		for (port = s->first; port <= s->last; port++) {
			out->ports[s->proto][port].rule = (uint16_t)out->nrules;
			out->ports[s->proto][port].flags =
				XR_PORT_ALLOW |
				(s->nsources ? XR_PORT_SOURCES : 0);
		}
		out->nrules++;
	}
out:
	for (k = 0; eff && k < p->nentries; k++)
		free(eff[k]);
	free(eff);
	free(neff);
	free(spans);
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
