// SPDX-License-Identifier: GPL-2.0
/*
 * One profile file -> struct xr_profile: the tree of yaml_doc.c read key by
 * key, against the keys, words and examples of schema.c. The first mistake
 * is reported with its location and reading stops. `extends` is followed by
 * extends.c; checks of the whole profile are in overlap.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"
#include "schema.h"
#include "yaml_doc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Reading values ----------------------------------------------------- */

struct pctx {
	struct xr_profile *p;
	const char *file;
};

/* What a message says was found: 'the text' of a scalar, or its kind. */
static const char *found_text(const struct ynode *n, char *buf, size_t len)
{
	char clipped[XR_CLIP + 8];

	if (n->kind != YN_SCALAR)
		return ynode_kind_text(n);
	snprintf(buf, len, "'%s'", xr_clip(n->text, clipped, sizeof(clipped)));
	return buf;
}

/* "'KEY' must be KIND, found ...; write" the schema's example of KEY. */
static int wrong_kind(const struct ynode *n, enum xr_section sec,
		      const char *key, const char *kind)
{
	xr_error_at(&n->loc, "'%s' must be %s, found %s; write %s", key, kind,
		    ynode_kind_text(n), xr_schema_example(sec, key));
	return -EINVAL;
}

#define FOUND(n) found_text((n), (char[XR_CLIP + 16]){0}, XR_CLIP + 16)

/*
 * Text value of KEY (of SEC): one line, no control, bidi or zero-width
 * characters (xr_unsafe_char), shorter than LEN.
 */
static int get_text(const struct ynode *n, enum xr_section sec, const char *key,
		    char *buf, size_t len)
{
	size_t i;

	if (n->kind != YN_SCALAR || ynode_is_null(n)) {
		xr_error_at(&n->loc, "'%s' must be text, found %s; write %s",
			    key, ynode_kind_text(n),
			    xr_schema_example(sec, key));
		return -EINVAL;
	}
	if (strlen(n->text) != n->len) {
		xr_error_at(&n->loc,
			    "'%s' contains a NUL character; write plain text",
			    key);
		return -EINVAL;
	}
	for (i = 0; i < n->len; i++) {
		unsigned int cp;

		if (!xr_unsafe_char(n->text + i, &cp))
			continue;
		if (cp < 0x20 || cp == 0x7f)
			xr_error_at(&n->loc,
				    "'%s' contains a control character (tab, "
				    "newline, ...); write it on one line",
				    key);
		else
			/* Bidi controls would make stats show other text. */
			xr_error_at(&n->loc,
				    "'%s' contains the invisible or control "
				    "character U+%04X; write plain text",
				    key, cp);
		return -EINVAL;
	}
	if (n->len >= len) {
		xr_error_at(&n->loc,
			    "'%s' is %zu bytes long ('%s'); write at most %zu",
			    key, n->len, XR_CLIPPED(n->text), len - 1);
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
	xr_error_at(&n->loc,
		    "'%s' must be true or false, found %s; write %s: true or "
		    "%s: false",
		    key, FOUND(n), key, key);
	return -EINVAL;
}

/* One of the words of KEY (of SEC) in the schema; returns its index. */
static int get_word(const struct ynode *n, enum xr_section sec, const char *key,
		    bool nocase)
{
	size_t nwords, i;
	const char *const *words = xr_schema_words(sec, key, &nwords);
	char list[128];

	if (n->kind == YN_SCALAR && !ynode_is_null(n)) {
		for (i = 0; i < nwords; i++)
			if (nocase ? !strcasecmp(n->text, words[i])
				   : !strcmp(n->text, words[i]))
				return (int)i;
	}
	xr_join_words(words, nwords, list, sizeof(list));
	xr_error_at(&n->loc, "'%s' must be one of %s, found %s", key, list,
		    ynode_is_null(n) ? ynode_kind_text(n) : FOUND(n));
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

void xr_entry_release(struct xr_entry *e)
{
	free(e->sources);
	e->sources = NULL;
	e->nsources = 0;
}

static int parse_sources(const struct ynode *n, struct xr_entry *e)
{
	char why[256];
	size_t i;

	if (n->kind != YN_SEQ)
		return wrong_kind(n, XR_SEC_ENTRY, "sources", "a list");
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

		if (s->kind != YN_SCALAR || ynode_is_null(s)) {
			xr_error_at(&s->loc,
				    "a source must be an address or network, "
				    "found %s; write e.g. 192.0.2.0/24",
				    ynode_kind_text(s));
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

/* A whole number from LO to HI, or an error naming KEY. */
static int get_count(const struct ynode *n, const char *key, unsigned long lo,
		     unsigned long hi, uint32_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (n->kind == YN_SCALAR && n->len && n->len <= 9 &&
	    strspn(n->text, "0123456789") == n->len) {
		for (i = 0; i < n->len; i++)
			v = v * 10 + (unsigned long)(n->text[i] - '0');
		if (v >= lo && v <= hi) {
			*out = (uint32_t)v;
			return 0;
		}
	}
	xr_error_at(&n->loc, "'%s' must be a whole number from %lu to %lu, "
			     "found %s",
		    key, lo, hi, FOUND(n));
	return -EINVAL;
}

#define XR_RATE_COUNT_MAX 1000000

/* `rate: {per_source: N/s, burst: M}` of entry E. */
static int parse_rate(const struct ynode *n, struct xr_entry *e)
{
	const struct ynode *v;
	unsigned long count = 0;
	const char *unit;
	size_t digits;
	int err;

	if (n->kind != YN_MAP)
		return wrong_kind(n, XR_SEC_ENTRY, "rate", "a mapping");
	err = xr_schema_check_keys(n, XR_SEC_RATE);
	if (err)
		return err;
	v = ynode_get(n, "per_source");
	if (!v) {
		xr_error_at(&n->loc,
			    "this rate has no 'per_source'; write rate: "
			    "{per_source: 20/s, burst: 40}");
		return -EINVAL;
	}
	digits = v->kind == YN_SCALAR ? strspn(v->text, "0123456789") : 0;
	unit = digits ? v->text + digits : "";
	if (digits && digits <= 7) {
		size_t i;

		for (i = 0; i < digits; i++)
			count = count * 10 + (unsigned long)(v->text[i] - '0');
	}
	if (!digits || digits > 7 || count < 1 ||
	    count > XR_RATE_COUNT_MAX ||
	    (strcmp(unit, "/s") && strcmp(unit, "/min"))) {
		xr_error_at(&v->loc,
			    "'per_source' must be N/s or N/min with N from 1 "
			    "to %d, found %s; write per_source: 20/s",
			    XR_RATE_COUNT_MAX, FOUND(v));
		return -EINVAL;
	}
	e->rate.count = (uint32_t)count;
	e->rate.period = strcmp(unit, "/s") ? 60 : 1;
	e->rate.burst = e->rate.count;
	v = ynode_get(n, "burst");
	if (v)
		return get_count(v, "burst", 1, XR_RATE_COUNT_MAX,
				 &e->rate.burst);
	return 0;
}

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
			    ynode_kind_text(n));
		return -EINVAL;
	}
	err = xr_schema_check_keys(n, never ? XR_SEC_NEVER : XR_SEC_ENTRY);
	if (err)
		return err;

	v = ynode_get(n, "service");
	if (!v) {
		xr_error_at(&n->loc,
			    "this entry has no 'service'; add service: LABEL "
			    "(the name check and stats show)");
		return -EINVAL;
	}
	err = get_text(v, XR_SEC_ENTRY, "service", e->service,
		       sizeof(e->service));
	if (err)
		return err;
	if (!e->service[0]) {
		xr_error_at(&v->loc, "'service' is empty; write the service's "
				     "name, e.g. service: Caddy HTTPS");
		return -EINVAL;
	}

	v = ynode_get(n, "protocol");
	if (!v) {
		xr_error_at(&n->loc,
			    "entry '%s' has no 'protocol'; add protocol: tcp, "
			    "udp or both",
			    XR_CLIPPED(e->service));
		return -EINVAL;
	}
	proto = get_word(v, XR_SEC_ENTRY, "protocol", true);
	if (proto < 0)
		return proto;
	e->protos = proto == 0	 ? XR_PROTO_BIT(XR_PROTO_TCP)
		    : proto == 1 ? XR_PROTO_BIT(XR_PROTO_UDP)
				 : XR_PROTO_BOTH;

	port = ynode_get(n, "port");
	ports = ynode_get(n, "ports");
	if (port && ports) {
		xr_error_at(&ports->loc,
			    "entry '%s' has both 'port' and 'ports'; keep one",
			    XR_CLIPPED(e->service));
		return -EINVAL;
	}
	v = port ? port : ports;
	if (!v) {
		xr_error_at(&n->loc,
			    "entry '%s' has no port; add port: N or ports: "
			    "FIRST-LAST",
			    XR_CLIPPED(e->service));
		return -EINVAL;
	}
	if (v->kind != YN_SCALAR || ynode_is_null(v)) {
		xr_error_at(&v->loc,
			    "'%s' must be a port number%s, found %s; write %s",
			    port ? "port" : "ports", port ? "" : " or range",
			    ynode_kind_text(v),
			    port ? "port: 443" : "ports: 44200-44300");
		return -EINVAL;
	}
	if (xr_parse_ports(v->text, !port, &e->first_port, &e->last_port, why,
			   sizeof(why))) {
		xr_error_at(&v->loc, "%s", why);
		return -EINVAL;
	}

	v = never ? NULL : ynode_get(n, "guard");
	if (v) {
		if (get_word(v, XR_SEC_ENTRY, "guard", false) < 0)
			return -EINVAL;
		/* RFC 7983's demux is about datagrams; QUIC is UDP too but
		 * is refused by the built-in profiles, not here. */
		if (e->protos != XR_PROTO_BIT(XR_PROTO_UDP)) {
			xr_error_at(&v->loc,
				    "'guard: webrtc' judges UDP datagrams, but "
				    "entry '%s' is protocol: %s; put the guard "
				    "on a protocol: udp entry (split a 'both' "
				    "entry in two)",
				    XR_CLIPPED(e->service),
				    e->protos == XR_PROTO_BOTH ? "both" : "tcp");
			return -EINVAL;
		}
		e->guard = true;
	}
	v = never ? NULL : ynode_get(n, "rate");
	if (v) {
		err = parse_rate(v, e);
		if (err)
			return err;
	}
	v = never ? NULL : ynode_get(n, "sources");
	if (v && !ynode_is_null(v))
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

	if (ynode_is_null(n))
		return 0;
	if (n->kind != YN_SEQ) {
		xr_error_at(
			&n->loc,
			"'%s' must be a list of entries, found %s; write each "
			"as - {service: LABEL, protocol: tcp, port: N}",
			key, ynode_kind_text(n));
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
			xr_entry_release(&e);
			return err;
		}
	}
	return 0;
}

static int parse_features(struct pctx *c, const struct ynode *n)
{
	struct xr_profile *p = c->p;
	size_t i;
	int err;

	if (ynode_is_null(n))
		return 0;
	if (n->kind != YN_MAP) {
		xr_error_at(&n->loc,
			    "'features' must be a mapping of feature names to "
			    "definitions, found %s; write features: {NAME: "
			    "{default: true, allow: [...]}}",
			    ynode_kind_text(n));
		return -EINVAL;
	}
	err = xr_schema_check_keys(n, XR_SEC_FEATURES);
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
				    XR_CLIPPED(k->text), XR_NAME_MAX - 1);
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
				    k->text, ynode_kind_text(def), k->text);
			return -EINVAL;
		}
		err = xr_schema_check_keys(def, XR_SEC_FEATURE);
		if (err)
			return err;
		f = &p->features[p->nfeatures++];
		memset(f, 0, sizeof(*f));
		strcpy(f->name, k->text);
		f->loc = k->loc;
		v = ynode_get(def, "description");
		if (v) {
			err = get_text(v, XR_SEC_FEATURE, "description",
				       f->description, sizeof(f->description));
			if (err)
				return err;
			f->set |= XR_FSET_DESCRIPTION;
		}
		v = ynode_get(def, "required");
		if (v) {
			err = get_text(v, XR_SEC_FEATURE, "required",
				       f->required, sizeof(f->required));
			if (err)
				return err;
			f->set |= XR_FSET_REQUIRED;
		}
		v = ynode_get(def, "default");
		if (v) {
			err = get_bool(v, "default", &f->enabled);
			if (err)
				return err;
			f->set |= XR_FSET_DEFAULT;
		}
		v = ynode_get(def, "sources");
		if (v) {
			w = get_word(v, XR_SEC_FEATURE, "sources", false);
			if (w < 0)
				return w;
			f->sources_required = w == 1;
			f->set |= XR_FSET_SOURCES;
		}
		v = ynode_get(def, "allow");
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

	if (n->kind != YN_SEQ)
		return wrong_kind(n, XR_SEC_DEFAULTS, "allow_protocols",
				  "a list");
	memset(p->classes.other_ip_allow, 0, sizeof(p->classes.other_ip_allow));
	for (i = 0; i < n->nkids; i++) {
		const struct ynode *v = n->kids[i];
		int num = -1;

		if (v->kind != YN_SCALAR || ynode_is_null(v)) {
			xr_error_at(&v->loc,
				    "a protocol must be a name or a number, "
				    "found %s; write e.g. gre or 47",
				    ynode_kind_text(v));
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
				    XR_CLIPPED(v->text));
			return -EINVAL;
		}
		if (!strcasecmp(v->text, "icmp") ||
		    !strcasecmp(v->text, "icmpv6") || num == 1 || num == 58) {
			xr_error_at(&v->loc,
				    "'%s' is ICMP, which has its own rules; "
				    "use 'echo_requests: pass' or 'drop' and "
				    "'icmp_informational: pass' or 'drop'",
				    XR_CLIPPED(v->text));
			return -EINVAL;
		}
		/* The packet path judges what AH carries, never AH itself. */
		if (num == 51) {
			xr_error_at(&v->loc,
				    "'%s' is IPsec AH, which the packet path "
				    "looks through to judge the protocol it "
				    "carries; list that protocol instead (esp, "
				    "gre, ...; TCP and UDP in 'allow' entries)",
				    XR_CLIPPED(v->text));
			return -EINVAL;
		}
		if (num < 0 || num > 255) {
			xr_error_at(
				&v->loc,
				"'%s' is not an IP protocol; write a number "
				"0-255 or one of igmp, ipip, ipv6, gre, esp, "
				"ospf, pim, vrrp, l2tp, sctp, udplite",
				XR_CLIPPED(v->text));
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
	xr_error_at(&n->loc,
		    "'%s' must be a number of seconds from 1 to %d, found %s",
		    key, XR_REPLY_SECS_MAX, FOUND(n));
	return -EINVAL;
}

/* `reply_timeouts` keys: the field each sets. */
static const struct {
	const char *key;
	size_t offset; /* a __u32 of struct xr_class_policy */
	unsigned int set;
} timeout_fields[] = {
	{"tcp", offsetof(struct xr_class_policy, reply_tcp_secs),
	 XR_DSET_REPLY_TCP},
	{"udp", offsetof(struct xr_class_policy, reply_udp_secs),
	 XR_DSET_REPLY_UDP},
	{"closed", offsetof(struct xr_class_policy, reply_closed_secs),
	 XR_DSET_REPLY_CLOSED},
};

static int parse_reply_timeouts(struct xr_profile *p, const struct ynode *n)
{
	const struct ynode *v;
	uint32_t secs;
	size_t i;
	int err;

	if (n->kind != YN_MAP)
		return wrong_kind(n, XR_SEC_DEFAULTS, "reply_timeouts",
				  "a mapping");
	err = xr_schema_check_keys(n, XR_SEC_TIMEOUTS);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(timeout_fields); i++) {
		v = ynode_get(n, timeout_fields[i].key);
		if (!v)
			continue;
		err = get_seconds(v, timeout_fields[i].key, &secs);
		if (err)
			return err;
		memcpy((uint8_t *)&p->classes + timeout_fields[i].offset, &secs,
		       sizeof(secs));
		p->classes_set |= timeout_fields[i].set;
	}
	return 0;
}

/* `defaults` keys that take pass or drop: the field each sets, in this order.
 */
static const struct {
	const char *key;
	size_t offset; /* a __u8 of struct xr_class_policy */
	uint8_t pass;  /* its value for "pass", and !pass for "drop" */
	unsigned int set;
} pass_fields[] = {
	{"echo_requests", offsetof(struct xr_class_policy, drop_echo), 0,
	 XR_DSET_ECHO},
	{"icmp_informational", offsetof(struct xr_class_policy, icmp_info_pass),
	 1, XR_DSET_ICMP_INFO},
	{"fragments", offsetof(struct xr_class_policy, drop_frags), 0,
	 XR_DSET_FRAGMENTS},
	{"other_protocols", offsetof(struct xr_class_policy, other_ip_pass), 1,
	 XR_DSET_OTHER},
};

static int parse_defaults(struct xr_profile *p, const struct ynode *n)
{
	const struct ynode *v;
	size_t i;
	bool b;
	int w, err;

	if (ynode_is_null(n))
		return 0;
	if (n->kind != YN_MAP)
		return wrong_kind(n, XR_SEC_TOP, "defaults", "a mapping");
	err = xr_schema_check_keys(n, XR_SEC_DEFAULTS);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(pass_fields); i++) {
		v = ynode_get(n, pass_fields[i].key);
		if (!v)
			continue;
		w = get_word(v, XR_SEC_DEFAULTS, pass_fields[i].key, false);
		if (w < 0)
			return w;
		((uint8_t *)&p->classes)[pass_fields[i].offset] =
			w == 0 ? pass_fields[i].pass : !pass_fields[i].pass;
		p->classes_set |= pass_fields[i].set;
	}
	if ((v = ynode_get(n, "allow_protocols"))) {
		err = parse_allow_protocols(p, v);
		if (err)
			return err;
		p->classes_set |= XR_DSET_ALLOW_PROTOS;
	}
	if ((v = ynode_get(n, "replies"))) {
		err = get_bool(v, "replies", &b);
		if (err)
			return err;
		p->classes.replies = b;
		p->classes_set |= XR_DSET_REPLIES;
	}
	if ((v = ynode_get(n, "rate_sources"))) {
		err = get_count(v, "rate_sources", XR_RATE_SOURCES_MIN,
				XR_RATE_SOURCES_MAX, &p->rate_sources);
		if (err)
			return err;
		p->classes_set |= XR_DSET_RATE_SOURCES;
	}
	if ((v = ynode_get(n, "reply_timeouts")))
		return parse_reply_timeouts(p, v);
	return 0;
}

static int parse_remove(struct xr_profile *p, const struct ynode *n)
{
	size_t i;
	int err;

	if (ynode_is_null(n))
		return 0;
	if (n->kind != YN_SEQ) {
		xr_error_at(&n->loc,
			    "'remove' must be a list of service labels, found "
			    "%s; write remove: [Caddy HTTP]",
			    ynode_kind_text(n));
		return -EINVAL;
	}
	p->removes = calloc(n->nkids ? n->nkids : 1, sizeof(*p->removes));
	if (!p->removes)
		return -ENOMEM;
	for (i = 0; i < n->nkids; i++) {
		const struct ynode *v = n->kids[i];
		struct xr_remove *r = &p->removes[p->nremoves];

		if (v->kind == YN_MAP) {
			err = xr_schema_check_keys(v, XR_SEC_REMOVE);
			if (err)
				return err;
			if (!ynode_get(v, "service")) {
				xr_error_at(&v->loc,
					    "this remove item has no "
					    "'service'; write - {service: "
					    "LABEL} or just - LABEL");
				return -EINVAL;
			}
			v = ynode_get(v, "service");
		}
		err = get_text(v, XR_SEC_TOP, "remove", r->service,
			       sizeof(r->service));
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
			    ynode_kind_text(root));
		return -EINVAL;
	}
	err = xr_schema_check_keys(root, XR_SEC_TOP);
	if (err)
		return err;
	/* In document order, so entries keep the order they were written in. */
	for (i = 0; i + 1 < root->nkids; i += 2) {
		const char *k = root->kids[i]->text;
		const struct ynode *v = root->kids[i + 1];

		if (!strcmp(k, "name")) {
			err = get_text(v, XR_SEC_TOP, "name", p->name,
				       sizeof(p->name));
			if (!err && !valid_profile_name(p->name)) {
				xr_error_at(
					&v->loc,
					"'%s' is not a valid profile name; use "
					"letters, digits, '.', '_' and '-'",
					XR_CLIPPED(p->name));
				err = -EINVAL;
			}
		} else if (!strcmp(k, "description")) {
			err = get_text(v, XR_SEC_TOP, "description",
				       p->description, sizeof(p->description));
			p->description_set = true;
		} else if (!strcmp(k, "extends")) {
			err = get_text(v, XR_SEC_TOP, "extends", p->extends,
				       sizeof(p->extends));
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

bool xr_feature_has_entries(const struct xr_profile *p, size_t f)
{
	size_t i;

	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].feature == (int)f)
			return true;
	return false;
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
		xr_entry_release(&p->entries[i]);
	for (i = 0; i < p->nnever; i++)
		xr_entry_release(&p->never[i]);
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
	size_t i;
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
	/*
	 * Built-in class defaults (policies/README.md): echo requests and
	 * fragments pass, other protocols drop, replies pass.
	 */
	p->classes.replies = 1;
	p->classes.reply_tcp_secs = XR_REPLY_TCP_SECS;
	p->classes.reply_udp_secs = XR_REPLY_UDP_SECS;
	p->classes.reply_closed_secs = XR_REPLY_CLOSED_SECS;
	err = ydoc_read(&doc, path, c.file);
	if (!err)
		err = parse_root(&c, doc.root);
	if (err)
		goto fail;
	if (!p->extends[0]) {
		for (i = 0; i < p->nfeatures; i++) {
			if (!xr_feature_has_entries(p, i)) {
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
	*out = p;
	return 0;
fail:
	ydoc_free(&doc);
	xr_profile_free(p);
	return err;
}
