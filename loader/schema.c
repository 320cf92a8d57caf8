// SPDX-License-Identifier: GPL-2.0
/*
 * The profile schema (schema.h): the table, and the key checks and help that
 * read it. policies/README.md describes the same keys for people.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define SEC(s) XR_SEC_BIT(XR_SEC_##s)
#define ENTRY_SECS (SEC(ENTRY) | SEC(NEVER))

static const char *const proto_words[] = {"tcp", "udp", "both", NULL};
static const char *const pass_words[] = {"pass", "drop", NULL};
static const char *const sources_words[] = {"optional", "required", NULL};
static const char *const guard_words[] = {"webrtc", NULL};

/* In the order messages list them ("the keys are: ..."). */
static const struct xr_key keys[] = {
	{SEC(TOP), "name", XR_KEY_TEXT, NULL, "name: my-site",
	 "the profile's name: letters, digits, '.', '_', '-' (required)"},
	{SEC(TOP), "description", XR_KEY_TEXT, NULL,
	 "description: what this profile is for",
	 "one line, at most 255 bytes"},
	{SEC(TOP), "extends", XR_KEY_TEXT, NULL, "extends: reflector-caddy",
	 "a built-in profile or a path relative to this file to build on"},
	{SEC(TOP), "allow", XR_KEY_ENTRIES, NULL,
	 "allow: [{service: LABEL, protocol: tcp, port: N}]",
	 "entries that open ports"},
	{SEC(TOP), "features", XR_KEY_MAPPING, NULL,
	 "features: {NAME: {default: true, allow: [...]}}",
	 "named groups of entries the operator turns on and off"},
	{SEC(TOP), "never_expose", XR_KEY_ENTRIES, NULL,
	 "never_expose: [{service: Redis, protocol: tcp, port: 6379}]",
	 "ports no entry may open, features' included"},
	{SEC(TOP), "defaults", XR_KEY_MAPPING, NULL,
	 "defaults: {echo_requests: pass, fragments: pass}",
	 "what happens to traffic that has no port"},
	{SEC(TOP), "remove", XR_KEY_LABELS, NULL, "remove: [Caddy HTTP]",
	 "service labels of the extended profile to drop"},

	{ENTRY_SECS, "service", XR_KEY_TEXT, NULL, "service: Caddy HTTPS",
	 "the label check and stats show (required)"},
	{ENTRY_SECS, "protocol", XR_KEY_WORD, proto_words, "protocol: tcp",
	 "tcp, udp or both (required)"},
	{ENTRY_SECS, "port", XR_KEY_PORT, NULL, "port: 443",
	 "one port, 1-65535 (or ports)"},
	{ENTRY_SECS, "ports", XR_KEY_PORTS, NULL, "ports: 44200-44300",
	 "a port or a range FIRST-LAST (or port)"},
	{SEC(ENTRY), "sources", XR_KEY_CIDRS, NULL,
	 "sources: [192.0.2.0/24, 2001:db8::/32]",
	 "only these networks may connect (default: everyone)"},
	{SEC(ENTRY), "guard", XR_KEY_WORD, guard_words, "guard: webrtc",
	 "UDP media ports: drop datagrams that are not STUN, ZRTP, DTLS, "
	 "TURN ChannelData or RTP/RTCP (RFC 7983)"},
	{SEC(ENTRY), "rate", XR_KEY_MAPPING, NULL,
	 "rate: {per_source: 20/s, burst: 40}",
	 "per source (IPv4 address, IPv6 /64): TCP connection attempts or "
	 "UDP datagrams"},

	{SEC(RATE), "per_source", XR_KEY_RATE, NULL, "per_source: 20/s",
	 "N/s or N/min, N from 1 to 1000000 (required)"},
	{SEC(RATE), "burst", XR_KEY_COUNT, NULL, "burst: 40",
	 "packets a source may send at once, 1 to 1000000 (default N)"},

	{SEC(FEATURE), "description", XR_KEY_TEXT, NULL,
	 "description: LiveKit WebRTC media", "one line about the feature"},
	{SEC(FEATURE), "required", XR_KEY_TEXT, NULL,
	 "required: \"Yes (if LiveKit enabled)\"",
	 "the firewall page's \"Required?\" text"},
	{SEC(FEATURE), "default", XR_KEY_BOOL, NULL, "default: false",
	 "on or off without toggles (default false)"},
	{SEC(FEATURE), "sources", XR_KEY_WORD, sources_words,
	 "sources: required",
	 "required: never on without sources (default optional)"},
	{SEC(FEATURE), "allow", XR_KEY_ENTRIES, NULL,
	 "allow: [{service: LABEL, protocol: tcp, port: N}]",
	 "the entries the feature opens"},

	{SEC(DEFAULTS), "echo_requests", XR_KEY_WORD, pass_words,
	 "echo_requests: pass", "ICMP/ICMPv6 echo requests (default pass)"},
	{SEC(DEFAULTS), "icmp_informational", XR_KEY_WORD, pass_words,
	 "icmp_informational: drop",
	 "ICMP the host does not need: timestamp, address mask, node "
	 "information, ICMPv4 redirect... (default drop)"},
	{SEC(DEFAULTS), "fragments", XR_KEY_WORD, pass_words, "fragments: pass",
	 "IP fragments (default pass)"},
	{SEC(DEFAULTS), "other_protocols", XR_KEY_WORD, pass_words,
	 "other_protocols: drop",
	 "IP protocols other than TCP/UDP/ICMP (default drop)"},
	{SEC(DEFAULTS), "allow_protocols", XR_KEY_PROTOCOLS, NULL,
	 "allow_protocols: [gre, esp, 132]",
	 "IP protocols always passed, by name or number"},
	{SEC(DEFAULTS), "replies", XR_KEY_BOOL, NULL, "replies: true",
	 "pass replies to connections the host opened (default true)"},
	{SEC(DEFAULTS), "reply_timeouts", XR_KEY_MAPPING, NULL,
	 "reply_timeouts: {tcp: 3600, udp: 120, closed: 10}",
	 "seconds a reply still passes after the host last sent"},
	{SEC(DEFAULTS), "rate_sources", XR_KEY_COUNT, NULL,
	 "rate_sources: 65536",
	 "sources the rate limits track (LRU), 1024 to 16777216; set at "
	 "load (default 65536)"},

	{SEC(TIMEOUTS), "tcp", XR_KEY_SECONDS, NULL, "tcp: 3600",
	 "open TCP flows (default 3600)"},
	{SEC(TIMEOUTS), "udp", XR_KEY_SECONDS, NULL, "udp: 120",
	 "UDP flows (default 120)"},
	{SEC(TIMEOUTS), "closed", XR_KEY_SECONDS, NULL, "closed: 10",
	 "TCP flows after a FIN or RST (default 10)"},

	{SEC(REMOVE), "service", XR_KEY_TEXT, NULL, "remove: [Caddy HTTP]",
	 "the label of the entries to drop"},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* How messages name each mapping, and `help check` its keys' path. */
static const struct {
	const char *what;
	const char *path;
} sections[XR_SEC_MAX] = {
	[XR_SEC_TOP] = {"the top level", ""},
	[XR_SEC_ENTRY] = {"an entry", "allow[]."},
	[XR_SEC_NEVER] = {"a never_expose entry", "never_expose[]."},
	[XR_SEC_FEATURE] = {"a feature", "features.NAME."},
	[XR_SEC_DEFAULTS] = {"defaults", "defaults."},
	[XR_SEC_TIMEOUTS] = {"reply_timeouts", "defaults.reply_timeouts."},
	[XR_SEC_REMOVE] = {"a remove item", "remove[]."},
	[XR_SEC_FEATURES] = {"features", "features."},
	[XR_SEC_RATE] = {"a rate", "allow[].rate."},
};

const struct xr_key *xr_schema_key(enum xr_section sec, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if ((keys[i].sections & XR_SEC_BIT(sec)) &&
		    !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

const char *const *xr_schema_words(enum xr_section sec, const char *name,
				   size_t *n)
{
	const struct xr_key *k = xr_schema_key(sec, name);

	*n = 0;
	if (!k || !k->words)
		return NULL;
	while (k->words[*n])
		(*n)++;
	return k->words;
}

const char *xr_schema_example(enum xr_section sec, const char *name)
{
	const struct xr_key *k = xr_schema_key(sec, name);

	return k ? k->example : "";
}

/* The names of SEC's keys, in table order. */
static size_t section_keys(enum xr_section sec, const char **names)
{
	size_t i, n = 0;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].sections & XR_SEC_BIT(sec))
			names[n++] = keys[i].name;
	return n;
}

/* A key of a mapping and its position among the keys, for sorting. */
struct key_ref {
	const char *text;
	size_t index; /* kid index of the key */
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * FIRST[i / 2] = the kid index of the first occurrence of key I's text,
 * for every scalar key I of MAP (the others: I itself). Sorting, not a
 * pairwise comparison: a file of 90,000 keys is checked in milliseconds.
 */
static int first_occurrences(const struct ynode *map, size_t *first)
{
	size_t nkeys = map->nkids / 2, n = 0, i;
	struct key_ref *refs;

	for (i = 0; i < nkeys; i++)
		first[i] = 2 * i;
	refs = malloc((nkeys ? nkeys : 1) * sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < nkeys; i++) {
		const struct ynode *k = map->kids[2 * i];

		if (k->kind == YN_SCALAR)
			refs[n++] = (struct key_ref){k->text, 2 * i};
	}
	qsort(refs, n, sizeof(*refs), key_ref_cmp);
	for (i = 1; i < n; i++)
		if (!strcmp(refs[i].text, refs[i - 1].text))
			first[refs[i].index / 2] = first[refs[i - 1].index / 2];
	free(refs);
	return 0;
}

int xr_schema_check_keys(const struct ynode *map, enum xr_section sec)
{
	const char *what = sections[sec].what;
	const char *known[NKEYS];
	size_t nknown = section_keys(sec, known), i, j, *first;
	int err = 0;

	first = malloc((map->nkids / 2 + 1) * sizeof(*first));
	if (!first)
		return -ENOMEM;
	err = first_occurrences(map, first);
	/* The first key in document order that is wrong is reported. */
	for (i = 0; !err && i + 1 < map->nkids; i += 2) {
		const struct ynode *k = map->kids[i];
		bool ok = sec == XR_SEC_FEATURES;

		if (k->kind != YN_SCALAR || ynode_is_null(k)) {
			xr_error_at(&k->loc,
				    "a key of %s is %s; keys are plain words "
				    "like 'service'",
				    what, ynode_kind_text(k));
			err = -EINVAL;
			break;
		}
		/* "x-..." at the top level: a place for anchors, ignored. */
		if (sec == XR_SEC_TOP && !strncmp(k->text, "x-", 2))
			ok = true;
		for (j = 0; j < nknown; j++)
			if (!strcmp(k->text, known[j]))
				ok = true;
		if (!ok) {
			const char *near = xr_nearest(k->text, known, nknown);
			char list[256];

			if (near) {
				xr_error_at(&k->loc,
					    "unknown key '%s' in %s; did you "
					    "mean '%s'?",
					    XR_CLIPPED(k->text), what, near);
			} else {
				xr_join_words(known, nknown, list,
					      sizeof(list));
				xr_error_at(&k->loc,
					    "unknown key '%s' in %s; the keys "
					    "are: %s",
					    XR_CLIPPED(k->text), what, list);
			}
			err = -EINVAL;
			break;
		}
		if (first[i / 2] != i) {
			xr_error_at(&k->loc,
				    "duplicate key '%s' (first at line "
				    "%u); keep one",
				    XR_CLIPPED(k->text),
				    map->kids[first[i / 2]]->loc.line);
			err = -EINVAL;
			break;
		}
	}
	free(first);
	return err;
}

void xr_schema_help(FILE *f)
{
	char path[64];
	unsigned int sec;
	size_t i;

	fprintf(f, "  profile keys (policies/README.md):\n");
	for (sec = 0; sec < XR_SEC_MAX; sec++) {
		for (i = 0; i < NKEYS; i++) {
			/* An entry's keys once, under allow[]. */
			if (!(keys[i].sections & XR_SEC_BIT(sec)) ||
			    (sec == XR_SEC_NEVER &&
			     (keys[i].sections & SEC(ENTRY))))
				continue;
			snprintf(path, sizeof(path), "%s%s", sections[sec].path,
				 keys[i].name);
			fprintf(f, "    %-31s %s\n", path, keys[i].help);
		}
	}
}
