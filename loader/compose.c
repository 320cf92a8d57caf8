// SPDX-License-Identifier: GPL-2.0
/*
 * Compose files and .env -> the ports a deployment publishes (compose.h).
 * Follows the Compose specification's rules where a firewall depends on
 * them: interpolation, merge keys, the short and long port syntax, expose.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "compose.h"
#include "xdp_reflector.h"

/* Compose files may anchor a block per service: more than a profile does. */
#define XR_COMPOSE_ALIASES_MAX 256
#define XR_MERGE_DEPTH 8

void xr_dwarn(struct xr_deploy *d, const char *kind, const struct xr_loc *loc,
	      const char *fmt, ...)
{
	struct xr_dwarning *w;
	va_list ap;

	w = realloc(d->warnings, (d->nwarnings + 1) * sizeof(*w));
	if (!w)
		return;
	d->warnings = w;
	w = &w[d->nwarnings++];
	memset(w, 0, sizeof(*w));
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	if (loc)
		w->loc = *loc;
	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
}

const char *xr_deploy_file(struct xr_deploy *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nfiles; i++)
		if (!strcmp(d->files[i], name))
			return d->files[i];
	if (d->nfiles >= sizeof(d->files) / sizeof(d->files[0]))
		return d->files[d->nfiles - 1];
	d->files[d->nfiles] = strdup(name);
	if (!d->files[d->nfiles])
		return "?";
	return d->files[d->nfiles++];
}

static void vars_free(struct xr_var *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void xr_deploy_free(struct xr_deploy *d)
{
	size_t i;

	for (i = 0; i < d->nfiles; i++)
		free(d->files[i]);
	vars_free(d->dotenv, d->ndotenv);
	for (i = 0; i < d->nsvcs; i++)
		vars_free(d->svcs[i].env, d->svcs[i].nenv);
	free(d->svcs);
	free(d->pubs);
	free(d->warnings);
	memset(d, 0, sizeof(*d));
}

static int var_add(struct xr_var **v, size_t *n, const char *name,
		   const char *value, const struct xr_loc *loc)
{
	struct xr_var *nv;
	size_t i;

	/* A later definition replaces an earlier one, as in Compose. */
	for (i = 0; i < *n; i++) {
		if (!strcmp((*v)[i].name, name)) {
			char *copy = strdup(value);

			if (!copy)
				return -ENOMEM;
			free((*v)[i].value);
			(*v)[i].value = copy;
			(*v)[i].loc = *loc;
			return 0;
		}
	}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].name = strdup(name);
	nv[*n].value = strdup(value);
	nv[*n].loc = *loc;
	if (!nv[*n].name || !nv[*n].value) {
		free(nv[*n].name);
		free(nv[*n].value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

const char *xr_deploy_var(const struct xr_deploy *d, const char *name)
{
	const char *v = getenv(name);
	size_t i;

	if (v)
		return v;
	for (i = d->ndotenv; i-- > 0;)
		if (!strcmp(d->dotenv[i].name, name))
			return d->dotenv[i].value;
	return NULL;
}

/* ---- interpolation ------------------------------------------------------ */

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns)
			return -ENOMEM;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static bool name_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) ||
	       (!first && isdigit((unsigned char)c));
}

/*
 * The part of IN after "${" up to its matching '}' (nested "${...}" in a
 * default count), or NULL when it is not closed.
 */
static const char *brace_end(const char *in)
{
	int depth = 1;

	for (; *in; in++) {
		if (in[0] == '$' && in[1] == '{') {
			depth++;
			in++;
		} else if (*in == '}' && !--depth) {
			return in;
		}
	}
	return NULL;
}

static int interpolate_depth(struct xr_deploy *d, const char *in,
			     const struct xr_loc *loc, struct sbuf *out,
			     int depth);

static int expand_braced(struct xr_deploy *d, const char *body, size_t blen,
			 const struct xr_loc *loc, struct sbuf *out, int depth)
{
	char name[128], *word;
	const char *v, *op;
	size_t n = 0;
	int err = 0;

	while (n < blen && name_char(body[n], n == 0))
		n++;
	if (!n || n >= sizeof(name)) {
		xr_error_at(loc,
			    "'${%.*s}' is not a variable reference; write "
			    "${NAME}, ${NAME:-default} or $$ for a literal $",
			    (int)(blen > 30 ? 30 : blen), body);
		return -EINVAL;
	}
	memcpy(name, body, n);
	name[n] = '\0';
	v = xr_deploy_var(d, name);
	op = body + n;
	if (n == blen) {
		if (!v) {
			xr_dwarn(d, "interpolation", loc,
				 "variable %s is not set (not in the "
				 "environment nor in .env); Compose uses an "
				 "empty string; set it in .env or write "
				 "${%s:-default}",
				 name, name);
			return 0;
		}
		return sb_add(out, v, strlen(v));
	}
	word = strndup(body + n, blen - n);
	if (!word)
		return -ENOMEM;
	/* word[0..1] is the operator, the rest its argument. */
	if (!strncmp(word, ":-", 2) || !strncmp(word, "-", 1)) {
		bool colon = word[0] == ':';
		bool use_default = colon ? (!v || !*v) : !v;

		if (use_default)
			err = interpolate_depth(d, word + (colon ? 2 : 1), loc,
						out, depth + 1);
		else
			err = sb_add(out, v, strlen(v));
	} else if (!strncmp(word, ":?", 2) || !strncmp(word, "?", 1)) {
		bool colon = word[0] == ':';

		if (colon ? (!v || !*v) : !v) {
			xr_error_at(loc,
				    "variable %s is required here (%s); set it "
				    "in .env or in the environment",
				    name,
				    *(word + (colon ? 2 : 1))
					    ? word + (colon ? 2 : 1)
					    : "no message");
			err = -EINVAL;
		} else {
			err = sb_add(out, v, strlen(v));
		}
	} else if (!strncmp(word, ":+", 2) || !strncmp(word, "+", 1)) {
		bool colon = word[0] == ':';

		if (colon ? (v && *v) : v != NULL)
			err = interpolate_depth(d, word + (colon ? 2 : 1), loc,
						out, depth + 1);
	} else {
		xr_error_at(loc,
			    "'${%s%.20s}': '%c' is not a Compose operator; use "
			    ":- - :? ? :+ or +",
			    name, op, *op);
		err = -EINVAL;
	}
	free(word);
	(void)op;
	return err;
}

static int interpolate_depth(struct xr_deploy *d, const char *in,
			     const struct xr_loc *loc, struct sbuf *out,
			     int depth)
{
	const char *p = in;
	int err = 0;

	if (depth > XR_MERGE_DEPTH) {
		xr_error_at(loc,
			    "defaults nested more than %d deep; simplify "
			    "the ${...} expression",
			    XR_MERGE_DEPTH);
		return -EINVAL;
	}
	while (*p && !err) {
		const char *dollar = strchr(p, '$');

		if (!dollar)
			return sb_add(out, p, strlen(p));
		err = sb_add(out, p, (size_t)(dollar - p));
		if (err)
			break;
		if (dollar[1] == '$') {
			err = sb_add(out, "$", 1);
			p = dollar + 2;
		} else if (dollar[1] == '{') {
			const char *end = brace_end(dollar + 2);

			if (!end) {
				xr_error_at(loc,
					    "'%.30s': '${' is not closed; add "
					    "the '}' (or write $$ for a "
					    "literal $)",
					    dollar);
				return -EINVAL;
			}
			err = expand_braced(d, dollar + 2,
					    (size_t)(end - dollar - 2), loc,
					    out, depth);
			p = end + 1;
		} else if (name_char(dollar[1], true)) {
			size_t n = 1;

			while (name_char(dollar[1 + n], false))
				n++;
			err = expand_braced(d, dollar + 1, n, loc, out, depth);
			p = dollar + 1 + n;
		} else {
			/* A lone '$' stays, as Compose leaves it. */
			err = sb_add(out, "$", 1);
			p = dollar + 1;
		}
	}
	return err;
}

int xr_interpolate(struct xr_deploy *d, const char *in,
		   const struct xr_loc *loc, char **out)
{
	struct sbuf b = {0};
	int err;

	err = sb_add(&b, "", 0);
	if (!err)
		err = interpolate_depth(d, in, loc, &b, 0);
	if (err) {
		free(b.s);
		return err;
	}
	*out = b.s;
	return 0;
}

/* ---- .env --------------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * KEY=VALUE lines as Compose reads .env: `export ` allowed, '#' comments,
 * single quotes literal, double quotes and bare values interpolated from
 * what is defined so far; a bare value ends at " #".
 */
static int dotenv_read(struct xr_deploy *d, const char *path)
{
	char line[4096];
	unsigned int lineno = 0;
	const char *file;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	file = xr_deploy_file(d, path);
	while (!err && fgets(line, sizeof(line), f)) {
		struct xr_loc loc = {file, ++lineno, 1};
		char *s = trim(line), *eq, *key, *val, *exp = NULL;

		if (!*s || *s == '#')
			continue;
		if (!strncmp(s, "export ", 7))
			s = trim(s + 7);
		eq = strchr(s, '=');
		if (!eq) {
			xr_dwarn(d, "dotenv", &loc,
				 "'%.40s' is not KEY=VALUE; Compose ignores "
				 "it, fix or remove the line",
				 s);
			continue;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		loc.col = (unsigned int)(val - line) + 1;
		if (*val == '\'') {
			char *q = strchr(val + 1, '\'');

			if (q)
				*q = '\0';
			err = var_add(&d->dotenv, &d->ndotenv, key, val + 1,
				      &loc);
			continue;
		}
		if (*val == '"') {
			char *q = strrchr(val + 1, '"');

			if (q && q > val)
				*q = '\0';
			val++;
		} else {
			char *hash = strstr(val, " #");

			if (hash)
				*hash = '\0';
			val = trim(val);
		}
		err = xr_interpolate(d, val, &loc, &exp);
		if (!err)
			err = var_add(&d->dotenv, &d->ndotenv, key, exp, &loc);
		free(exp);
	}
	fclose(f);
	return err;
}

/* ---- ports ----------------------------------------------------------------
 */

bool xr_ip_is_any(const char *ip)
{
	return !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::") ||
	       !strcmp(ip, "[::]");
}

bool xr_ip_is_loopback(const char *ip)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") ||
	       !strcmp(ip, "[::1]") || !strcasecmp(ip, "localhost");
}

static int port_num(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n || n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!v || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* "80" or "40000-40100" (the whole of S, N bytes). */
static int port_range(const char *s, size_t n, uint16_t *first, uint16_t *last)
{
	const char *dash = memchr(s, '-', n);

	if (!dash) {
		if (port_num(s, n, first))
			return -EINVAL;
		*last = *first;
		return 0;
	}
	if (port_num(s, (size_t)(dash - s), first) ||
	    port_num(dash + 1, n - (size_t)(dash - s) - 1, last) ||
	    *last < *first)
		return -EINVAL;
	return 0;
}

/* "" (every address), an IPv4 or an IPv6 address: what Docker binds. */
static bool ip_valid(const char *ip)
{
	unsigned char a[16];

	return !*ip || inet_pton(AF_INET, ip, a) == 1 ||
	       inet_pton(AF_INET6, ip, a) == 1;
}

int xr_port_short(const char *spec, struct xr_publish *p, char *why,
		  size_t whylen)
{
	char buf[128], *slash, *c1, *hostp = NULL, *ip = NULL, *target;

	if (strlen(spec) >= sizeof(buf))
		goto bad;
	strcpy(buf, spec);
	p->proto = XR_PROTO_TCP;
	p->host_ip[0] = '\0';
	p->first = p->last = 0;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!strcasecmp(slash + 1, "udp")) {
			p->proto = XR_PROTO_UDP;
		} else if (strcasecmp(slash + 1, "tcp")) {
			snprintf(why, whylen,
				 "'%.40s': protocol '%.10s' is not tcp or udp",
				 spec, slash + 1);
			return -EINVAL;
		}
	}
	/* [IP:][HOST:]TARGET, where IP may be [v6] or a bare v6 address. */
	target = strrchr(buf, ':');
	if (target) {
		*target++ = '\0';
		c1 = strrchr(buf, ':');
		if (buf[0] == '[') {
			char *rb = strchr(buf, ']');

			if (!rb || (rb[1] && rb[1] != ':'))
				goto bad;
			*rb = '\0';
			ip = buf + 1;
			hostp = rb[1] ? rb + 2 : NULL;
		} else if (c1) {
			*c1 = '\0';
			ip = buf;
			hostp = c1 + 1;
		} else {
			hostp = buf;
		}
	} else {
		target = buf;
	}
	if (port_range(target, strlen(target), &p->target_first,
		       &p->target_last))
		goto bad;
	if (ip) {
		if (strlen(ip) >= sizeof(p->host_ip) || !ip_valid(ip))
			goto bad;
		strcpy(p->host_ip, ip);
	}
	if (hostp && *hostp) {
		if (port_range(hostp, strlen(hostp), &p->first, &p->last))
			goto bad;
		if (p->last - p->first != p->target_last - p->target_first &&
		    p->target_first != p->target_last)
			goto bad;
	}
	return 0;
bad:
	snprintf(why, whylen,
		 "'%.40s' is not a port; write [HOST_IP:][HOST_PORT:]PORT"
		 "[/udp] with ports 1-65535, e.g. \"8080:80\", "
		 "\"127.0.0.1:6379:6379\" or \"40000-40100:40000-40100/udp\"",
		 spec);
	return -EINVAL;
}

/* ---- compose files ------------------------------------------------------ */

/*
 * Merge keys may merge maps that merge maps: aliases make that a tree far
 * larger than the file (an alias bomb), so a lookup visits at most
 * XR_MERGE_VISITS mappings and XR_MERGE_DEPTH levels.
 */
#define XR_MERGE_VISITS 256

static const struct ynode *ymap_get_depth(const struct ynode *map,
					  const char *key, int depth,
					  unsigned int *visits)
{
	const struct ynode *v, *m;
	size_t i;

	if (!map || map->kind != YN_MAP || depth > XR_MERGE_DEPTH ||
	    ++*visits > XR_MERGE_VISITS)
		return NULL;
	v = ynode_get(map, key);
	if (v)
		return v;
	/* Merge keys: the mapping's own keys win, then each merged map. */
	m = ynode_get(map, "<<");
	if (!m)
		return NULL;
	if (m->kind == YN_MAP)
		return ymap_get_depth(m, key, depth + 1, visits);
	if (m->kind == YN_SEQ)
		for (i = 0; i < m->nkids; i++)
			if ((v = ymap_get_depth(m->kids[i], key, depth + 1,
						visits)))
				return v;
	return NULL;
}

const struct ynode *xr_ymap_get(const struct ynode *map, const char *key)
{
	unsigned int visits = 0;

	return ymap_get_depth(map, key, 0, &visits);
}

static int scalar_value(struct xr_deploy *d, const struct ynode *n,
			const char *what, char **out)
{
	if (n->kind != YN_SCALAR) {
		xr_error_at(&n->loc, "%s must be a single value, found %s",
			    what, ynode_kind_text(n));
		return -EINVAL;
	}
	return xr_interpolate(d, n->text, &n->loc, out);
}

static int pub_add(struct xr_deploy *d, const struct xr_publish *p)
{
	struct xr_publish *np = realloc(d->pubs, (d->npubs + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	d->pubs = np;
	np[d->npubs++] = *p;
	return 0;
}

static int port_long(struct xr_deploy *d, const struct ynode *n,
		     struct xr_publish *p)
{
	const struct ynode *t = xr_ymap_get(n, "target");
	const struct ynode *pub = xr_ymap_get(n, "published");
	const struct ynode *proto = xr_ymap_get(n, "protocol");
	const struct ynode *ip = xr_ymap_get(n, "host_ip");
	char *v = NULL;
	int err;

	p->proto = XR_PROTO_TCP;
	if (!t) {
		xr_error_at(&n->loc, "a long-syntax port needs 'target' (the "
				     "container's port); add target: PORT");
		return -EINVAL;
	}
	err = scalar_value(d, t, "'target'", &v);
	if (!err &&
	    port_range(v, strlen(v), &p->target_first, &p->target_last)) {
		xr_error_at(&t->loc,
			    "target '%s' is not a port; write a number from 1 "
			    "to 65535",
			    XR_CLIPPED(v));
		err = -EINVAL;
	}
	free(v);
	v = NULL;
	if (!err && pub) {
		err = scalar_value(d, pub, "'published'", &v);
		if (!err && *v &&
		    port_range(v, strlen(v), &p->first, &p->last)) {
			xr_error_at(&pub->loc,
				    "published '%s' is not a port; write a "
				    "number from 1 to 65535 or a range "
				    "FIRST-LAST",
				    XR_CLIPPED(v));
			err = -EINVAL;
		}
		free(v);
		v = NULL;
	}
	if (!err && proto) {
		err = scalar_value(d, proto, "'protocol'", &v);
		if (!err && !strcasecmp(v, "udp")) {
			p->proto = XR_PROTO_UDP;
		} else if (!err && strcasecmp(v, "tcp")) {
			xr_error_at(&proto->loc,
				    "protocol '%s' is not tcp or udp",
				    XR_CLIPPED(v));
			err = -EINVAL;
		}
		free(v);
		v = NULL;
	}
	if (!err && ip) {
		err = scalar_value(d, ip, "'host_ip'", &v);
		if (!err && (strlen(v) >= sizeof(p->host_ip) || !ip_valid(v))) {
			xr_error_at(&ip->loc,
				    "host_ip '%s' is not an IPv4 or IPv6 "
				    "address; write e.g. 127.0.0.1 or 0.0.0.0",
				    XR_CLIPPED(v));
			err = -EINVAL;
		}
		if (!err)
			snprintf(p->host_ip, sizeof(p->host_ip), "%s", v);
		free(v);
	}
	return err;
}

static int service_ports(struct xr_deploy *d, const struct xr_service *s,
			 const struct ynode *list, bool expose)
{
	char why[256];
	size_t i;
	int err = 0;

	if (list->kind != YN_SEQ) {
		xr_error_at(&list->loc, "'%s' must be a list, found %s",
			    expose ? "expose" : "ports", ynode_kind_text(list));
		return -EINVAL;
	}
	for (i = 0; i < list->nkids && !err; i++) {
		const struct ynode *n = list->kids[i];
		struct xr_publish p;
		char *v = NULL;

		memset(&p, 0, sizeof(p));
		snprintf(p.service, sizeof(p.service), "%s", s->name);
		p.loc = n->loc;
		p.expose = expose;
		if (n->kind == YN_MAP && !expose) {
			err = port_long(d, n, &p);
		} else {
			err = scalar_value(d, n, "a port", &v);
			if (!err && xr_port_short(v, &p, why, sizeof(why))) {
				xr_error_at(&n->loc, "%s", why);
				err = -EINVAL;
			}
			free(v);
			if (!err && expose && (p.first || p.host_ip[0])) {
				/* expose takes container ports only. */
				xr_error_at(&n->loc,
					    "expose takes a container port "
					    "(\"5432\" or \"5432/tcp\"), not a "
					    "mapping; publish with 'ports'");
				err = -EINVAL;
			}
		}
		if (!err)
			err = pub_add(d, &p);
	}
	return err;
}

static int service_env(struct xr_deploy *d, struct xr_service *s,
		       const struct ynode *env)
{
	size_t i;
	int err = 0;

	if (env->kind == YN_MAP) {
		for (i = 0; i + 1 < env->nkids && !err; i += 2) {
			const struct ynode *k = env->kids[i];
			const struct ynode *v = env->kids[i + 1];
			char *val = NULL;

			if (k->kind != YN_SCALAR || !strcmp(k->text, "<<"))
				continue;
			if (ynode_is_null(v))
				continue; /* taken from the host: not ours */
			err = scalar_value(d, v, "an environment value", &val);
			if (!err)
				err = var_add(&s->env, &s->nenv, k->text, val,
					      &v->loc);
			free(val);
		}
	} else if (env->kind == YN_SEQ) {
		for (i = 0; i < env->nkids && !err; i++) {
			char *val = NULL, *eq;

			err = scalar_value(d, env->kids[i],
					   "an environment entry", &val);
			if (!err && (eq = strchr(val, '='))) {
				*eq = '\0';
				err = var_add(&s->env, &s->nenv, val, eq + 1,
					      &env->kids[i]->loc);
			}
			free(val);
		}
	}
	return err;
}

static struct xr_service *service_get(struct xr_deploy *d, const char *name,
				      const struct xr_loc *loc)
{
	struct xr_service *ns;
	size_t i;

	for (i = 0; i < d->nsvcs; i++)
		if (!strcmp(d->svcs[i].name, name))
			return &d->svcs[i];
	ns = realloc(d->svcs, (d->nsvcs + 1) * sizeof(*ns));
	if (!ns)
		return NULL;
	d->svcs = ns;
	ns = &ns[d->nsvcs++];
	memset(ns, 0, sizeof(*ns));
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->loc = *loc;
	return ns;
}

/*
 * Compose starts a service that lists `profiles` only when one of them is
 * in COMPOSE_PROFILES (comma-separated; "*" enables all).
 */
static bool service_active(const struct xr_deploy *d, const struct ynode *list)
{
	const char *on = xr_deploy_var(d, "COMPOSE_PROFILES");
	size_t i;

	if (list->kind != YN_SEQ || !list->nkids)
		return true;
	if (!on)
		return false;
	for (i = 0; i < list->nkids; i++) {
		const char *p = on, *name = list->kids[i]->text;
		size_t n = name ? strlen(name) : 0;

		if (list->kids[i]->kind != YN_SCALAR)
			continue;
		while (*p) {
			size_t len = strcspn(p, ",");

			while (len && p[0] == ' ')
				p++, len--;
			if ((len == 1 && *p == '*') ||
			    (len == n && !strncmp(p, name, n)))
				return true;
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return false;
}

static int read_service(struct xr_deploy *d, const struct ynode *key,
			const struct ynode *svc)
{
	const struct ynode *v;
	struct xr_service *s;
	char *text = NULL;
	int err = 0;

	if (svc->kind != YN_MAP) {
		if (ynode_is_null(svc))
			return 0;
		xr_error_at(&svc->loc,
			    "service '%s' must be a mapping, found %s",
			    XR_CLIPPED(key->text), ynode_kind_text(svc));
		return -EINVAL;
	}
	s = service_get(d, key->text, &key->loc);
	if (!s)
		return -ENOMEM;
	v = xr_ymap_get(svc, "image");
	if (v && v->kind == YN_SCALAR &&
	    !(err = xr_interpolate(d, v->text, &v->loc, &text))) {
		snprintf(s->image, sizeof(s->image), "%s", text);
		free(text);
		text = NULL;
	}
	v = xr_ymap_get(svc, "network_mode");
	if (!err && v && v->kind == YN_SCALAR &&
	    !(err = xr_interpolate(d, v->text, &v->loc, &text))) {
		s->host_network = !strcmp(text, "host");
		free(text);
	}
	v = xr_ymap_get(svc, "profiles");
	if (!err && v && !service_active(d, v)) {
		xr_dwarn(d, "inactive-service", &key->loc,
			 "service %s starts only with one of its compose "
			 "profiles, which COMPOSE_PROFILES does not name: its "
			 "ports are left out; set COMPOSE_PROFILES (in .env or "
			 "the environment) as the deployment runs and detect "
			 "again",
			 s->name);
		return 0;
	}
	v = xr_ymap_get(svc, "environment");
	if (!err && v)
		err = service_env(d, s, v);
	v = xr_ymap_get(svc, "ports");
	if (!err && v && !ynode_is_null(v))
		err = service_ports(d, s, v, false);
	v = xr_ymap_get(svc, "expose");
	if (!err && v && !ynode_is_null(v))
		err = service_ports(d, s, v, true);
	return err;
}

static int compose_file(struct xr_deploy *d, const char *path)
{
	const char *file = xr_deploy_file(d, path);
	const struct ynode *svcs, *name;
	struct ydoc doc;
	char *text = NULL;
	size_t i;
	int err;

	err = ydoc_read_opts(&doc, path, file, XR_COMPOSE_ALIASES_MAX,
			     "the compose file is empty; give the file that "
			     "holds 'services:' (-f FILE)");
	if (err)
		goto out;
	if (doc.root->kind != YN_MAP) {
		xr_error_at(&doc.root->loc,
			    "a compose file is a mapping with 'services:', "
			    "found %s",
			    ynode_kind_text(doc.root));
		err = -EINVAL;
		goto out;
	}
	name = xr_ymap_get(doc.root, "name");
	if (name && name->kind == YN_SCALAR &&
	    !(err = xr_interpolate(d, name->text, &name->loc, &text))) {
		snprintf(d->name, sizeof(d->name), "%s", text);
		d->name_loc = name->loc;
		free(text);
	}
	svcs = xr_ymap_get(doc.root, "services");
	if (!err && svcs && svcs->kind != YN_MAP && !ynode_is_null(svcs)) {
		xr_error_at(&svcs->loc,
			    "'services' must be a mapping of service names, "
			    "found %s",
			    ynode_kind_text(svcs));
		err = -EINVAL;
	}
	for (i = 0; !err && svcs && svcs->kind == YN_MAP && i + 1 < svcs->nkids;
	     i += 2) {
		if (svcs->kids[i]->kind != YN_SCALAR ||
		    !strcmp(svcs->kids[i]->text, "<<"))
			continue;
		err = read_service(d, svcs->kids[i], svcs->kids[i + 1]);
	}
out:
	ydoc_free(&doc);
	return err;
}

static int find_compose_files(const char *dir, glob_t *g)
{
	static const char *const pats[] = {
		"compose*.yaml",
		"compose*.yml",
		"docker-compose*.yaml",
		"docker-compose*.yml",
	};
	char pat[PATH_MAX + 32];
	size_t i;
	int flags = 0;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		int r;

		snprintf(pat, sizeof(pat), "%s/%s", dir, pats[i]);
		r = glob(pat, flags, NULL, g);
		if (r && r != GLOB_NOMATCH)
			return -ENOMEM;
		flags = GLOB_APPEND;
	}
	return 0;
}

int xr_compose_read(struct xr_deploy *d, const char *dir,
		    const char *const *files, size_t n, bool require)
{
	char path[PATH_MAX + 32];
	glob_t g;
	size_t i;
	int err;

	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/.env", dir);
	/* .env first: the compose files interpolate from it. */
	err = dotenv_read(d, !strcmp(dir, ".") ? ".env" : path);
	if (err)
		return err;
	if (n) {
		if (n > XR_COMPOSE_FILES_MAX) {
			fprintf(stderr,
				"detect: error: more than %d compose "
				"files\n",
				XR_COMPOSE_FILES_MAX);
			return -EINVAL;
		}
		for (i = 0; i < n && !err; i++) {
			if (access(files[i], R_OK)) {
				xr_error_file(files[i],
					      "cannot read the "
					      "compose file: %s",
					      strerror(errno));
				return errno == ENOENT ? -EINVAL : -errno;
			}
			err = compose_file(d, files[i]);
			d->ncompose++;
		}
		return err;
	}
	err = find_compose_files(dir, &g);
	if (err)
		return err;
	if (!g.gl_pathc) {
		globfree(&g);
		if (require)
			fprintf(stderr,
				"%s: error: no compose file found (looked for "
				"compose*.yaml, compose*.yml, "
				"docker-compose*.yaml, docker-compose*.yml); "
				"give one with -f FILE\n",
				dir);
		return -ENOENT;
	}
	for (i = 0; i < g.gl_pathc && i < XR_COMPOSE_FILES_MAX && !err; i++) {
		const char *p = g.gl_pathv[i];

		/* Show the names as the operator would type them. */
		if (!strncmp(p, "./", 2))
			p += 2;
		err = compose_file(d, p);
		d->ncompose++;
	}
	globfree(&g);
	return err;
}
