// SPDX-License-Identifier: GPL-2.0
/*
 * Rules -> the per-port tables the packet path indexes
 * (include/xdp_reflector.h), the same verdict computed in user space
 * (xr_policy_allows) and the digest that tells two generations apart.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

bool xr_policy_allows(const struct xr_policy *p, int proto, uint16_t port,
		      int family, const uint8_t *src)
{
	const struct xr_port_entry *e;
	const struct xr_rule *r;
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
	for (i = 0; i < r->nsources; i++)
		if (xr_cidr_contains(&r->sources[i], family, src))
			return true;
	return false;
}

void xr_rate_rule_of(const struct xr_rule *r, struct xr_rate_rule *out)
{
	memset(out, 0, sizeof(*out));
	if (!r->rate.count)
		return;
	out->interval_ns =
		(uint64_t)r->rate.period * 1000000000ULL / r->rate.count;
	if (!out->interval_ns)
		out->interval_ns = 1;
	out->burst_ns = (uint64_t)(r->rate.burst - 1) * out->interval_ns;
	/* The entry's first port: the same bucket after a reload. */
	out->bucket = xr_stat_key(r->proto, r->first_port);
}

char *xr_rate_text(const struct xr_rate_limit *rate, char *buf, size_t len)
{
	if (!rate->count)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%u/%s burst %u", rate->count,
			 rate->period == 60 ? "min" : "s", rate->burst);
	return buf;
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

		/* The guard is in the port flags; the limit is not. */
		if (r->rate.count) {
			h = fnv1a_u64(h, i, 2);
			h = fnv1a_u64(h, r->rate.count, 4);
			h = fnv1a_u64(h, r->rate.period, 4);
			h = fnv1a_u64(h, r->rate.burst, 4);
		}
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
	h = fnv1a_u64(h, p->classes.icmp_info_pass, 1);
	h = fnv1a_u64(h, p->classes.reply_tcp_secs, 4);
	h = fnv1a_u64(h, p->classes.reply_udp_secs, 4);
	h = fnv1a_u64(h, p->classes.reply_closed_secs, 4);
	for (i = 0; i < 4; i++)
		h = fnv1a_u64(h, p->classes.other_ip_allow[i], 8);
	return h;
}

/* ---- Source lists --------------------------------------------------------- */

typedef unsigned __int128 xr_u128;

/* IPv4-mapped addresses, ::ffff:0:0/96: never in an IPv6 list. */
#define V4MAPPED_FIRST ((xr_u128)0xffff << 32)
#define V4MAPPED_LAST (V4MAPPED_FIRST | 0xffffffffu)

struct span {
	xr_u128 first, last;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static xr_u128 cidr_first(const struct xr_cidr *c, xr_u128 *last)
{
	unsigned int bits = c->family == AF_INET ? 32 : 128, i;
	xr_u128 a = 0, host;

	for (i = 0; i < bits / 8; i++)
		a = a << 8 | c->addr[i];
	host = c->prefixlen >= bits ? 0 :
	       bits - c->prefixlen == 128 ? ~(xr_u128)0 :
					   ((xr_u128)1 << (bits - c->prefixlen)) - 1;
	*last = a | host;
	return a & ~host;
}

/* Sort V (N) and merge ranges that overlap or touch: the new count. */
static size_t spans_merge(struct span *v, size_t n)
{
	size_t i, out = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), span_cmp);
	for (i = 1; i < n; i++) {
		if (v[out].last == ~(xr_u128)0 || v[i].first <= v[out].last + 1) {
			if (v[i].last > v[out].last)
				v[out].last = v[i].last;
		} else {
			v[++out] = v[i];
		}
	}
	return out + 1;
}

/* N ranges from FIRST on, with the search's first probe and step count. */
static struct xr_source_list source_list(size_t first, size_t n)
{
	struct xr_source_list l = { .first = (uint16_t)first,
				    .count = (uint16_t)n,
				    .nonempty = n > 0 };

	while (n >> (l.steps + 1))
		l.steps++;
	l.top = (uint16_t)(n ? n - ((size_t)1 << l.steps) : 0);
	return l;
}

/* ---- Hashed source lists (include/xdp_reflector.h, xr_source_hash) ------ */

/* Salts tried per rule and family before its list is left to the search. */
#define HASH_SALTS 64

static uint64_t be_u64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof(v));
	return be64toh(v);
}

static uint64_t mask64(unsigned int bits)
{
	return bits >= 64 ? ~0ULL : bits ? ~0ULL << (64 - bits) : 0;
}

/*
 * The distinct prefix lengths of FAMILY's networks in CIDRS (N) into
 * PLENS: their count, or XR_SRC_HASH_PLENS + 1 for more.
 */
static size_t hash_plens(const struct xr_cidr *cidrs, size_t n, int family,
			 uint8_t *plens)
{
	size_t np = 0, i, j;

	for (i = 0; i < n; i++) {
		if (cidrs[i].family != family)
			continue;
		for (j = 0; j < np && plens[j] != cidrs[i].prefixlen; j++)
			;
		if (j < np)
			continue;
		if (np == XR_SRC_HASH_PLENS)
			return np + 1;
		plens[np++] = cidrs[i].prefixlen;
	}
	return np;
}

static uint32_t hash_tag(size_t salt, size_t rule, uint8_t plen)
{
	return 1U << 31 | (uint32_t)salt << 20 | (uint32_t)rule << 8 | plen;
}

/* Where an IPv6 network lies against ::ffff:0:0/96. */
enum mapped_overlap { MAPPED_NONE, MAPPED_INSIDE, MAPPED_COVERS };

static enum mapped_overlap mapped_overlap(const struct xr_cidr *c)
{
	static const uint8_t block[16] = { [10] = 0xff, [11] = 0xff };
	unsigned int common = c->prefixlen < 96 ? c->prefixlen : 96, i;

	for (i = 0; i < common; i++)
		if ((c->addr[i / 8] ^ block[i / 8]) & (0x80 >> (i % 8)))
			return MAPPED_NONE;
	return c->prefixlen >= 96 ? MAPPED_INSIDE : MAPPED_COVERS;
}

static uint64_t hash6_bucket(uint64_t hi, uint64_t lo, uint32_t tag)
{
	return (((hi ^ tag) * XR_SRC_HASH_MUL ^ lo) * XR_SRC_HASH_MUL) >>
	       (64 - XR_SRC_HASH_BITS6);
}

/* What hash_put() did with a network's key. */
enum hash_put { HASH_PLACED, HASH_KEPT, HASH_FULL };

/*
 * What hash_rule() does differently per family: which table, the key a
 * network puts in which bucket, what xr_source_hash says of a prefix
 * length. A slot is named by its position, bucket * XR_SRC_HASH_SLOTS +
 * index, so that one undo list serves both tables.
 */
struct hash_family {
	int family;
	/* Allocate the table: 0, -ENOMEM, or 1 when CIDRS stay searched. */
	int (*table)(struct xr_policy_sources *src, const struct xr_cidr *cidrs,
		     size_t n);
	/*
	 * C's key under TAG into its bucket: HASH_PLACED in *AT, HASH_KEPT
	 * when nothing is to be undone (already listed, or not hashed),
	 * HASH_FULL when the bucket has no room.
	 */
	enum hash_put (*put)(struct xr_policy_sources *src,
			     const struct xr_cidr *c, uint32_t tag, size_t *at);
	void (*clear)(struct xr_policy_sources *src, size_t at);
	/* The rule's Jth prefix length PLEN, hashed under TAG. */
	void (*set_plen)(struct xr_source_hash *h, size_t j, uint32_t tag,
			 uint8_t plen);
};

static int table4(struct xr_policy_sources *src, const struct xr_cidr *cidrs,
		  size_t n)
{
	(void)cidrs;
	(void)n;
	if (!src->h4)
		src->h4 = calloc(1U << XR_SRC_HASH_BITS4, sizeof(*src->h4));
	return src->h4 ? 0 : -ENOMEM;
}

static enum hash_put put4(struct xr_policy_sources *src,
			  const struct xr_cidr *c, uint32_t tag, size_t *at)
{
	uint32_t a = (uint32_t)c->addr[0] << 24 | c->addr[1] << 16 |
		     c->addr[2] << 8 | c->addr[3];
	uint64_t key = (uint64_t)tag << 32 |
		       (a & (uint32_t)(mask64(c->prefixlen) >> 32));
	size_t b = (key * XR_SRC_HASH_MUL) >> (64 - XR_SRC_HASH_BITS4), k;

	for (k = 0; k < XR_SRC_HASH_SLOTS; k++) {
		__u64 *s = &src->h4[b].key[k];

		if (*s == key) /* listed twice */
			return HASH_KEPT;
		if (!*s) {
			*s = key;
			*at = b * XR_SRC_HASH_SLOTS + k;
			return HASH_PLACED;
		}
	}
	return HASH_FULL;
}

static void clear4(struct xr_policy_sources *src, size_t at)
{
	src->h4[at / XR_SRC_HASH_SLOTS].key[at % XR_SRC_HASH_SLOTS] = 0;
}

static void set_plen4(struct xr_source_hash *h, size_t j, uint32_t tag,
		      uint8_t plen)
{
	h->tag4[j] = tag;
	h->mask4[j] = (uint32_t)(mask64(plen) >> 32);
}

/* A list with a network covering ::ffff:0:0/96 stays searched. */
static int table6(struct xr_policy_sources *src, const struct xr_cidr *cidrs,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cidrs[i].family == AF_INET6 &&
		    mapped_overlap(&cidrs[i]) == MAPPED_COVERS)
			return 1;
	if (!src->h6)
		src->h6 = calloc(1U << XR_SRC_HASH_BITS6, sizeof(*src->h6));
	return src->h6 ? 0 : -ENOMEM;
}

static enum hash_put put6(struct xr_policy_sources *src,
			  const struct xr_cidr *c, uint32_t tag, size_t *at)
{
	uint64_t hi, lo;
	size_t b, k;

	/* Inside the IPv4-mapped block: it matches nothing. */
	if (mapped_overlap(c) == MAPPED_INSIDE)
		return HASH_KEPT;
	hi = be_u64(c->addr) & mask64(c->prefixlen);
	lo = be_u64(c->addr + 8) &
	     mask64(c->prefixlen > 64 ? c->prefixlen - 64 : 0);
	b = hash6_bucket(hi, lo, tag);
	for (k = 0; k < XR_SRC_HASH_SLOTS; k++) {
		struct xr_src_slot6 *s = &src->h6[b].slot[k];

		if (s->tag == tag && s->hi == hi && s->lo == lo)
			return HASH_KEPT;
		if (!s->tag) {
			*s = (struct xr_src_slot6){ .hi = hi, .lo = lo,
						    .tag = tag };
			*at = b * XR_SRC_HASH_SLOTS + k;
			return HASH_PLACED;
		}
	}
	return HASH_FULL;
}

static void clear6(struct xr_policy_sources *src, size_t at)
{
	memset(&src->h6[at / XR_SRC_HASH_SLOTS].slot[at % XR_SRC_HASH_SLOTS], 0,
	       sizeof(struct xr_src_slot6));
}

static void set_plen6(struct xr_source_hash *h, size_t j, uint32_t tag,
		      uint8_t plen)
{
	h->tag6[j] = tag;
	h->mask6_hi[j] = mask64(plen);
	h->mask6_lo[j] = mask64(plen > 64 ? plen - 64 : 0);
}

static const struct hash_family hash_v4 = {
	.family = AF_INET,
	.table = table4,
	.put = put4,
	.clear = clear4,
	.set_plen = set_plen4,
};

static const struct hash_family hash_v6 = {
	.family = AF_INET6,
	.table = table6,
	.put = put6,
	.clear = clear6,
	.set_plen = set_plen6,
};

/*
 * RULE's networks of family F into the hash with the first salt under
 * which each key finds room in its bucket; on none, the list stays
 * searched (tags 0).
 */
static int hash_rule(struct xr_policy_sources *src, size_t rule,
		     const struct xr_cidr *cidrs, size_t n,
		     const struct hash_family *f)
{
	uint8_t plens[XR_SRC_HASH_PLENS];
	size_t np = hash_plens(cidrs, n, f->family, plens), salt, i, j;
	size_t *placed;
	int err;

	if (!np || np > XR_SRC_HASH_PLENS)
		return 0;
	err = f->table(src, cidrs, n);
	if (err)
		return err < 0 ? err : 0;
	placed = calloc(n, sizeof(*placed));
	if (!placed)
		return -ENOMEM;
	for (salt = 0; salt < HASH_SALTS; salt++) {
		size_t nplaced = 0;

		for (i = 0; i < n; i++) {
			const struct xr_cidr *c = &cidrs[i];
			enum hash_put r;

			if (c->family != f->family)
				continue;
			r = f->put(src, c, hash_tag(salt, rule, c->prefixlen),
				   &placed[nplaced]);
			if (r == HASH_FULL)
				break;
			nplaced += r == HASH_PLACED;
		}
		if (i == n) {
			for (j = 0; j < np; j++)
				f->set_plen(&src->hash[rule], j,
					    hash_tag(salt, rule, plens[j]),
					    plens[j]);
			break;
		}
		/* A bucket is full: undo this salt's keys, try the next. */
		while (nplaced)
			f->clear(src, placed[--nplaced]);
	}
	free(placed);
	return 0;
}

/*
 * Set the prefilter's bits of the /24s or /48s FIRST..LAST (prefix
 * values) in *BITS (include/xdp_reflector.h, XR_SRC_PRE_BITS).
 */
static int pre_mark(__u64 **bits, uint64_t first, uint64_t last)
{
	uint64_t p;

	if (!*bits) {
		*bits = calloc(XR_SRC_PRE_WORDS, sizeof(**bits));
		if (!*bits)
			return -ENOMEM;
	}
	if (last - first >= XR_SRC_PRE_MASK) {
		memset(*bits, 0xff, XR_SRC_PRE_WORDS * sizeof(**bits));
		return 0;
	}
	for (p = first; p <= last; p++)
		(*bits)[(p & XR_SRC_PRE_MASK) >> 6] |= 1ULL << (p & 63);
	return 0;
}

int xr_sources_add(struct xr_policy_sources *src, size_t rule,
		   const struct xr_cidr *cidrs, size_t n)
{
	struct span *s4, *s6;
	size_t n4 = 0, n6 = 0, i;
	int err = 0;

	if (rule >= XR_RULES_MAX)
		return -E2BIG;
	s4 = calloc(n + 1, sizeof(*s4));
	s6 = calloc(2 * n + 1, sizeof(*s6));
	if (!s4 || !s6) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		xr_u128 last, first = cidr_first(&cidrs[i], &last);

		if (cidrs[i].family == AF_INET)
			err = pre_mark(&src->pre4, (uint64_t)(first >> 8),
				       (uint64_t)(last >> 8));
		else
			err = pre_mark(&src->pre6, (uint64_t)(first >> 80),
				       (uint64_t)(last >> 80));
		if (err)
			goto out;
		if (cidrs[i].family == AF_INET) {
			s4[n4++] = (struct span){ first, last };
			continue;
		}
		/* The part below and the part above the IPv4-mapped block. */
		if (first < V4MAPPED_FIRST)
			s6[n6++] = (struct span){
				first, last < V4MAPPED_FIRST ? last :
							      V4MAPPED_FIRST - 1
			};
		if (last > V4MAPPED_LAST)
			s6[n6++] = (struct span){
				first > V4MAPPED_LAST ? first : V4MAPPED_LAST + 1,
				last
			};
	}
	n4 = spans_merge(s4, n4);
	n6 = spans_merge(s6, n6);
	if (src->n4 + n4 > XR_SOURCES_MAX || src->n6 + n6 > XR_SOURCES_MAX) {
		err = -E2BIG;
		goto out;
	}
	if (n4) {
		struct xr_range4 *v = realloc(src->v4, (src->n4 + n4) * sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		src->v4 = v;
	}
	if (n6) {
		struct xr_range6 *v = realloc(src->v6, (src->n6 + n6) * sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		src->v6 = v;
	}
	err = hash_rule(src, rule, cidrs, n, &hash_v4);
	if (!err)
		err = hash_rule(src, rule, cidrs, n, &hash_v6);
	if (err)
		goto out;
	src->slice[rule].v4 = source_list(src->n4, n4);
	src->slice[rule].v6 = source_list(src->n6, n6);
	for (i = 0; i < n4; i++)
		src->v4[src->n4++] = (struct xr_range4){ (uint32_t)s4[i].first,
							 (uint32_t)s4[i].last };
	for (i = 0; i < n6; i++)
		src->v6[src->n6++] = (struct xr_range6){
			(uint64_t)(s6[i].first >> 64), (uint64_t)s6[i].first,
			(uint64_t)(s6[i].last >> 64), (uint64_t)s6[i].last,
		};
out:
	free(s4);
	free(s6);
	return err;
}

void xr_sources_free(struct xr_policy_sources *src)
{
	free(src->v4);
	free(src->v6);
	free(src->h4);
	free(src->h6);
	free(src->pre4);
	free(src->pre6);
	memset(src, 0, sizeof(*src));
}

/* A table of the generation: SRC's copy, or zeros where there is none. */
static void copy_or_zero(void *dst, const void *src, size_t size)
{
	if (src)
		memcpy(dst, src, size);
	else
		memset(dst, 0, size);
}

void xr_sources_store(struct xr_tables *t, uint32_t gen,
		      const struct xr_policy_sources *src)
{
	gen &= 1;
	memcpy(t->src_slice[gen], src->slice, sizeof(src->slice));
	if (src->n4)
		memcpy(t->src_v4[gen], src->v4, src->n4 * sizeof(*src->v4));
	if (src->n6)
		memcpy(t->src_v6[gen], src->v6, src->n6 * sizeof(*src->v6));
	/*
	 * The buckets whole, emptied where nothing is hashed: a key the last
	 * policy left in this generation would name one of this one's rules.
	 */
	memcpy(t->src_hash[gen], src->hash, sizeof(src->hash));
	copy_or_zero(t->src_h4[gen], src->h4, sizeof(t->src_h4[gen]));
	copy_or_zero(t->src_h6[gen], src->h6, sizeof(t->src_h6[gen]));
	copy_or_zero(t->src_pre4[gen], src->pre4, sizeof(t->src_pre4[gen]));
	copy_or_zero(t->src_pre6[gen], src->pre6, sizeof(t->src_pre6[gen]));
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
	xr_sources_free(&p->src);
	free(p);
}

int xr_policy_compile(struct xr_policy *p, const struct xr_rule *rules,
		      size_t n, const struct xr_loc *at)
{
	size_t nsources = 0, i;
	int err;

	for (i = 0; i < n; i++)
		nsources += rules[i].nsources;
	if (n > XR_RULES_MAX) {
		xr_error_at(at,
			    "profile '%s' compiles to %zu rules (one per "
			    "protocol and port range); at most %d: merge "
			    "neighbouring ports into ranges",
			    p->name, n, XR_RULES_MAX);
		return -EINVAL;
	}
	if (nsources > XR_SOURCES_MAX) {
		xr_error_at(at,
			    "profile '%s' has %zu sources over all its rules; "
			    "at most %d: use wider networks",
			    p->name, nsources, XR_SOURCES_MAX);
		return -EINVAL;
	}
	p->rules = calloc(n + 1, sizeof(*p->rules));
	if (!p->rules)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct xr_rule *s = &rules[i];
		struct xr_rule *r = &p->rules[p->nrules];
		uint32_t port;

		*r = *s;
		r->sources = NULL;
		r->nsources = 0;
		if (s->nsources) {
			r->sources = calloc(s->nsources, sizeof(*r->sources));
			if (!r->sources)
				return -ENOMEM;
			memcpy(r->sources, s->sources,
			       s->nsources * sizeof(*r->sources));
			r->nsources = s->nsources;
			err = xr_sources_add(&p->src, p->nrules, s->sources,
					     s->nsources);
			if (err)
				return err;
		}
		for (port = s->first_port; port <= s->last_port; port++) {
			p->ports[s->proto][port].rule = (uint16_t)p->nrules;
			p->ports[s->proto][port].flags =
				XR_PORT_ALLOW |
				(s->nsources ? XR_PORT_SOURCES : 0) |
				(s->guard && s->proto == XR_PROTO_UDP
					 ? XR_PORT_GUARD
					 : 0) |
				(s->rate.count ? XR_PORT_RATE : 0);
		}
		p->nrules++;
	}
	return 0;
}
