// SPDX-License-Identifier: GPL-2.0
/*
 * The profile a deployment needs (detect.h). Three steps:
 *  1. what the deployment uses: "wants", each a port range with the file
 *     and line it comes from (a compose `ports` item, a livekit.yaml key, a
 *     LIVEKIT_* variable, a turnserver.conf line);
 *  2. the profile: for a Reflector deployment, the matching built-in
 *     (loaded with the profile code) with what differs removed and set;
 *     for anything else, a profile of its own;
 *  3. the profile compiled as `check` compiles it, and compared with what is
 *     published, to warn about every difference.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "detect.h"
#include "profile.h"
#include "toggles.h"

#define WHY_MAX 160

struct want {
	char service[XR_SERVICE_MAX];
	char feature[XR_NAME_MAX]; /* "" unconditional */
	unsigned int protos;	   /* XR_PROTO_BIT() mask */
	uint16_t first, last;
	struct xr_loc src; /* file NULL: not from the deployment */
	char why[WHY_MAX];
	bool config;	  /* from an application's configuration */
	bool host_net;	  /* its service binds the host's addresses itself */
	bool placeholder; /* sources the operator must write */
	bool in_base;	  /* the base profile has it as it is */
};

/* A port-valued setting: where it was written, and whether it was. */
struct setting {
	long v;
	bool set;
	struct xr_loc loc;
	const char *key;
};

struct livekit {
	bool present;
	const struct xr_service *svc;
	struct xr_loc file_loc; /* livekit.yaml itself, for defaults */
	struct setting port, tcp_port, range_start, range_end, udp_port,
		udp_port_last, turn_enabled, turn_udp, turn_tls, relay_start,
		relay_end;
};

struct coturn {
	bool present;
	const struct xr_service *svc;
	struct xr_loc file_loc;
	struct setting listen, tls, min, max;
	bool no_tls, no_dtls, no_udp, no_tcp;
};

struct plan {
	struct xr_deploy *d;
	struct want *w;
	size_t nw;
	struct livekit lk;
	struct coturn ct;
	bool reflector, caddy;
	const struct xr_publish *mode_pub; /* what decided the mode */
	const char *mode_why;
};

/* Ports that are internal to a deployment whatever the profile says. */
static const struct {
	uint16_t port;
	const char *what;
} internal_ports[] = {
	{5432, "PostgreSQL"},
	{6379, "Redis"},
	{7077, "Hatchet gRPC"},
};

/* ---- wants ----------------------------------------------------------------
 */

static bool want_overlaps(const struct want *a, unsigned int protos,
			  uint16_t first, uint16_t last)
{
	return (a->protos & protos) && a->first <= last && first <= a->last;
}

/*
 * Add a want, minus the ports earlier wants of the same protocol hold: a
 * port belongs to one entry, and the earlier (more specific) one wins.
 */
static int want_add(struct plan *pl, const struct want *nw)
{
	struct want cur = *nw, *v;
	size_t i;

	for (i = 0; i < pl->nw; i++) {
		struct want *o = &pl->w[i];

		if (!want_overlaps(o, cur.protos, cur.first, cur.last))
			continue;
		if (o->protos != cur.protos) {
			/* "both" against one protocol: keep the other one. */
			if (cur.protos == XR_PROTO_BOTH &&
			    !(o->first <= cur.first && cur.last <= o->last))
				continue;
			if (cur.protos == XR_PROTO_BOTH) {
				cur.protos &= ~o->protos;
				continue;
			}
		}
		if (o->first <= cur.first && cur.last <= o->last)
			return 0; /* wholly taken */
		if (cur.first < o->first && cur.last > o->last) {
			struct want lo = cur;
			int err;

			lo.last = o->first - 1;
			err = want_add(pl, &lo);
			if (err)
				return err;
			cur.first = o->last + 1;
		} else if (cur.first < o->first) {
			cur.last = o->first - 1;
		} else {
			cur.first = o->last + 1;
		}
	}
	v = realloc(pl->w, (pl->nw + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pl->w = v;
	v[pl->nw++] = cur;
	return 0;
}

static int want(struct plan *pl, const char *service, const char *feature,
		unsigned int protos, long first, long last,
		const struct xr_loc *src, bool config, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

static int want(struct plan *pl, const char *service, const char *feature,
		unsigned int protos, long first, long last,
		const struct xr_loc *src, bool config, const char *fmt, ...)
{
	struct want w;
	va_list ap;

	if (first < 1 || last > 65535 || last < first)
		return 0;
	memset(&w, 0, sizeof(w));
	snprintf(w.service, sizeof(w.service), "%s", service);
	snprintf(w.feature, sizeof(w.feature), "%s", feature);
	w.protos = protos;
	w.first = (uint16_t)first;
	w.last = (uint16_t)last;
	if (src)
		w.src = *src;
	w.config = config;
	va_start(ap, fmt);
	vsnprintf(w.why, sizeof(w.why), fmt, ap);
	va_end(ap);
	return want_add(pl, &w);
}

/* ---- the applications' own configuration ----------------------------------
 */

static const struct xr_service *
service_like(const struct xr_deploy *d, const char *name, const char *image)
{
	size_t i;

	for (i = 0; i < d->nsvcs; i++)
		if (!strcmp(d->svcs[i].name, name))
			return &d->svcs[i];
	for (i = 0; i < d->nsvcs; i++)
		if (image && strstr(d->svcs[i].image, image))
			return &d->svcs[i];
	return NULL;
}

static int setting_from(struct setting *s, const char *key, const char *text,
			const struct xr_loc *loc, bool is_bool)
{
	char *end;
	long v;

	if (is_bool) {
		v = !strcasecmp(text, "true") || !strcasecmp(text, "yes") ||
		    !strcmp(text, "1") || !strcasecmp(text, "on");
		if (!v && strcasecmp(text, "false") && strcasecmp(text, "no") &&
		    strcmp(text, "0") && strcasecmp(text, "off")) {
			xr_error_at(loc, "%s must be true or false, found '%s'",
				    key, XR_CLIPPED(text));
			return -EINVAL;
		}
	} else {
		errno = 0;
		v = strtol(text, &end, 10);
		if (errno || end == text || *end || v < 0 || v > 65535) {
			xr_error_at(loc,
				    "%s must be a port from 0 to 65535, found "
				    "'%s'",
				    key, XR_CLIPPED(text));
			return -EINVAL;
		}
	}
	s->v = v;
	s->set = true;
	s->loc = *loc;
	s->key = key;
	return 0;
}

/* Read KEY of MAP (a ydoc node) into S. */
static int yaml_setting(struct setting *s, const struct ynode *map,
			const char *key, const char *name, bool is_bool)
{
	const struct ynode *n = map ? xr_ymap_get(map, key) : NULL;

	if (!n || ynode_is_null(n))
		return 0;
	if (n->kind != YN_SCALAR) {
		xr_error_at(&n->loc, "%s must be a single value, found %s",
			    name, ynode_kind_text(n));
		return -EINVAL;
	}
	return setting_from(s, name, n->text, &n->loc, is_bool);
}

static void setting_default(struct setting *s, long v, const char *key)
{
	if (!s->set) {
		s->v = v;
		s->key = key;
	}
}

/* FIRST..LAST, when both are known, must be a range: else an error there. */
static int range_ok(const struct setting *first, const struct setting *last)
{
	const struct setting *at = last->set ? last : first;

	if (!first->set && !last->set)
		return 0;
	if (!last->set && first == last)
		return 0;
	if (!last->v && !last->set)
		return 0; /* no second value: one port */
	if (first->v <= last->v)
		return 0;
	xr_error_at(&at->loc,
		    "%s: the range %ld-%ld ends before it starts; write the "
		    "lower port first",
		    at->key, first->v, last->v);
	return -EINVAL;
}

static int livekit_read(struct plan *pl)
{
	static const struct {
		const char *env, *key;
		size_t off;
		bool is_bool;
	} envs[] = {
#define LK(e, k, f, b) {e, k, offsetof(struct livekit, f), b}
		LK("LIVEKIT_PORT", "port", port, false),
		LK("LIVEKIT_RTC_TCP_PORT", "rtc.tcp_port", tcp_port, false),
		LK("LIVEKIT_RTC_PORT_RANGE_START", "rtc.port_range_start",
		   range_start, false),
		LK("LIVEKIT_RTC_PORT_RANGE_END", "rtc.port_range_end",
		   range_end, false),
		LK("LIVEKIT_RTC_UDP_PORT", "rtc.udp_port", udp_port, false),
		LK("LIVEKIT_TURN_ENABLED", "turn.enabled", turn_enabled, true),
		LK("LIVEKIT_TURN_UDP_PORT", "turn.udp_port", turn_udp, false),
		LK("LIVEKIT_TURN_TLS_PORT", "turn.tls_port", turn_tls, false),
		LK("LIVEKIT_TURN_RELAY_RANGE_START", "turn.relay_range_start",
		   relay_start, false),
		LK("LIVEKIT_TURN_RELAY_RANGE_END", "turn.relay_range_end",
		   relay_end, false),
#undef LK
	};
	struct livekit *lk = &pl->lk;
	struct xr_deploy *d = pl->d;
	const struct ynode *rtc = NULL, *turn = NULL, *udp = NULL;
	char path[PATH_MAX + 32];
	struct ydoc doc = {0};
	size_t i, k;
	int err = 0;

	lk->svc = service_like(d, "livekit", "livekit/livekit-server");
	snprintf(path, sizeof(path), "%s/livekit.yaml", d->dir);
	if (!strcmp(d->dir, "."))
		snprintf(path, sizeof(path), "livekit.yaml");
	if (!access(path, F_OK)) {
		err = ydoc_read_opts(&doc, path, xr_deploy_file(d, path), 64,
				     "livekit.yaml is empty; LiveKit would "
				     "refuse it");
		if (err)
			return err;
		lk->present = true;
		lk->file_loc = (struct xr_loc){xr_deploy_file(d, path), 1, 1};
		if (doc.root->kind != YN_MAP) {
			xr_error_at(&doc.root->loc,
				    "livekit.yaml must be a mapping (port:, "
				    "rtc:, ...), found %s",
				    ynode_kind_text(doc.root));
			ydoc_free(&doc);
			return -EINVAL;
		}
		rtc = xr_ymap_get(doc.root, "rtc");
		turn = xr_ymap_get(doc.root, "turn");
		err = yaml_setting(&lk->port, doc.root, "port", "port", false);
		if (!err && rtc && rtc->kind == YN_MAP) {
			err = yaml_setting(&lk->tcp_port, rtc, "tcp_port",
					   "rtc.tcp_port", false);
			if (!err)
				err = yaml_setting(&lk->range_start, rtc,
						   "port_range_start",
						   "rtc.port_range_start",
						   false);
			if (!err)
				err = yaml_setting(&lk->range_end, rtc,
						   "port_range_end",
						   "rtc.port_range_end", false);
			udp = xr_ymap_get(rtc, "udp_port");
		}
		/* rtc.udp_port: one muxed port, or "FIRST-LAST" of them. */
		if (!err && udp && udp->kind == YN_SCALAR &&
		    !ynode_is_null(udp)) {
			char *dash = strchr(udp->text, '-');

			if (dash)
				*dash = '\0';
			err = setting_from(&lk->udp_port, "rtc.udp_port",
					   udp->text, &udp->loc, false);
			if (!err && dash)
				err = setting_from(&lk->udp_port_last,
						   "rtc.udp_port", dash + 1,
						   &udp->loc, false);
			if (dash)
				*dash = '-';
		}
		if (!err && turn && turn->kind == YN_MAP) {
			err = yaml_setting(&lk->turn_enabled, turn, "enabled",
					   "turn.enabled", true);
			if (!err)
				err = yaml_setting(&lk->turn_udp, turn,
						   "udp_port", "turn.udp_port",
						   false);
			if (!err)
				err = yaml_setting(&lk->turn_tls, turn,
						   "tls_port", "turn.tls_port",
						   false);
			if (!err)
				err = yaml_setting(&lk->relay_start, turn,
						   "relay_range_start",
						   "turn.relay_range_start",
						   false);
			if (!err)
				err = yaml_setting(
					&lk->relay_end, turn, "relay_range_end",
					"turn.relay_range_end", false);
		}
		ydoc_free(&doc);
		if (err)
			return err;
	}
	if (lk->svc) {
		lk->present = true;
		/* LIVEKIT_* in the container's environment win over the file.
		 */
		for (i = 0; i < lk->svc->nenv && !err; i++) {
			const struct xr_var *v = &lk->svc->env[i];

			if (!strcmp(v->name, "LIVEKIT_CONFIG"))
				xr_dwarn(d, "livekit-config", &v->loc,
					 "LIVEKIT_CONFIG holds LiveKit's whole "
					 "configuration and detect does not "
					 "read it; put it in livekit.yaml, or "
					 "check the LiveKit ports of the "
					 "profile by hand");
			for (k = 0; k < sizeof(envs) / sizeof(envs[0]); k++) {
				if (strcmp(v->name, envs[k].env))
					continue;
				err = setting_from(
					(struct setting *)((char *)lk +
							   envs[k].off),
					envs[k].env, v->value, &v->loc,
					envs[k].is_bool);
			}
		}
	}
	if (err || !lk->present)
		return err;
	/* LiveKit's own defaults for what neither place says. */
	setting_default(&lk->port, 7880, "port (LiveKit's default)");
	setting_default(&lk->tcp_port, 7881,
			"rtc.tcp_port (LiveKit's default)");
	setting_default(&lk->range_start, 50000,
			"rtc.port_range_start (LiveKit's default)");
	setting_default(&lk->range_end, 60000,
			"rtc.port_range_end (LiveKit's default)");
	setting_default(&lk->turn_udp, 3478,
			"turn.udp_port (LiveKit's default)");
	setting_default(&lk->turn_tls, 5349,
			"turn.tls_port (LiveKit's default)");
	setting_default(&lk->relay_start, 30000,
			"turn.relay_range_start (LiveKit's default)");
	setting_default(&lk->relay_end, 40000,
			"turn.relay_range_end (LiveKit's default)");
	return range_ok(&lk->range_start, &lk->range_end) ||
	       range_ok(&lk->udp_port, &lk->udp_port_last) ||
	       range_ok(&lk->relay_start, &lk->relay_end);
}

/* coturn's turnserver.conf: "key=value", "key value" or "key" lines. */
static int coturn_read(struct plan *pl)
{
	struct coturn *ct = &pl->ct;
	struct xr_deploy *d = pl->d;
	char path[PATH_MAX + 32], line[1024];
	unsigned int lineno = 0;
	const char *file;
	FILE *f;
	int err = 0;

	ct->svc = service_like(d, "coturn", "coturn");
	snprintf(path, sizeof(path), "%s/turnserver.conf", d->dir);
	if (!strcmp(d->dir, "."))
		snprintf(path, sizeof(path), "turnserver.conf");
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT) {
			xr_error_file(path, "cannot read: %s", strerror(errno));
			return -errno;
		}
		return 0;
	}
	ct->present = true;
	file = xr_deploy_file(d, path);
	ct->file_loc = (struct xr_loc){file, 1, 1};
	while (!err && fgets(line, sizeof(line), f)) {
		struct xr_loc loc = {file, ++lineno, 1};
		char *s = line, *key, *val;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '#' || !*s)
			continue;
		key = s;
		while (*s && !isspace((unsigned char)*s) && *s != '=')
			s++;
		val = s;
		if (*val) {
			*val++ = '\0';
			while (isspace((unsigned char)*val) || *val == '=')
				val++;
			val[strcspn(val, " \t\r\n#")] = '\0';
		}
		loc.col = (unsigned int)(val - line) + 1;
		if (!strcmp(key, "listening-port"))
			err = setting_from(&ct->listen, "listening-port", val,
					   &loc, false);
		else if (!strcmp(key, "tls-listening-port"))
			err = setting_from(&ct->tls, "tls-listening-port", val,
					   &loc, false);
		else if (!strcmp(key, "min-port"))
			err = setting_from(&ct->min, "min-port", val, &loc,
					   false);
		else if (!strcmp(key, "max-port"))
			err = setting_from(&ct->max, "max-port", val, &loc,
					   false);
		else if (!strcmp(key, "no-tls"))
			ct->no_tls = true;
		else if (!strcmp(key, "no-dtls"))
			ct->no_dtls = true;
		else if (!strcmp(key, "no-udp"))
			ct->no_udp = true;
		else if (!strcmp(key, "no-tcp"))
			ct->no_tcp = true;
	}
	fclose(f);
	setting_default(&ct->listen, 3478, "listening-port (coturn's default)");
	setting_default(&ct->tls, 5349,
			"tls-listening-port (coturn's default)");
	setting_default(&ct->min, 49152, "min-port (coturn's default)");
	setting_default(&ct->max, 65535, "max-port (coturn's default)");
	return err ? err : range_ok(&ct->min, &ct->max);
}

/* Where a setting came from: its line, or the service (or file) it is for. */
static const struct xr_loc *setting_src(const struct setting *s,
					const struct xr_service *svc,
					const struct xr_loc *file)
{
	if (s->set)
		return &s->loc;
	if (svc)
		return &svc->loc;
	return file->file ? file : NULL;
}

static int livekit_wants(struct plan *pl, bool signaling)
{
	struct livekit *lk = &pl->lk;
	bool host = lk->svc && lk->svc->host_network;
	size_t first = pl->nw, i;
	int err = 0;

	if (!lk->present)
		return 0;
	if (signaling && lk->port.v)
		err = want(pl, "LiveKit signaling (WebSocket)", "livekit",
			   XR_PROTO_BIT(XR_PROTO_TCP), lk->port.v, lk->port.v,
			   setting_src(&lk->port, lk->svc, &lk->file_loc), true,
			   "%s", lk->port.key);
	if (!err && lk->udp_port.set && lk->udp_port.v)
		err = want(pl, "LiveKit WebRTC media", "livekit",
			   XR_PROTO_BIT(XR_PROTO_UDP), lk->udp_port.v,
			   lk->udp_port_last.set ? lk->udp_port_last.v
						 : lk->udp_port.v,
			   &lk->udp_port.loc, true, "%s (muxed)",
			   lk->udp_port.key);
	else if (!err)
		err = want(
			pl, "LiveKit WebRTC media", "livekit",
			XR_PROTO_BIT(XR_PROTO_UDP), lk->range_start.v,
			lk->range_end.v,
			setting_src(&lk->range_start, lk->svc, &lk->file_loc),
			true, "%s/end", lk->range_start.key);
	if (!err && lk->tcp_port.v)
		err = want(pl, "LiveKit TCP media fallback", "livekit-tcp",
			   XR_PROTO_BIT(XR_PROTO_TCP), lk->tcp_port.v,
			   lk->tcp_port.v,
			   setting_src(&lk->tcp_port, lk->svc, &lk->file_loc),
			   true, "%s", lk->tcp_port.key);
	if (!err && lk->turn_enabled.v) {
		if (lk->turn_udp.v)
			err = want(pl, "LiveKit TURN/UDP", "livekit-turn",
				   XR_PROTO_BIT(XR_PROTO_UDP), lk->turn_udp.v,
				   lk->turn_udp.v,
				   setting_src(&lk->turn_udp, lk->svc,
					       &lk->file_loc),
				   true, "%s", lk->turn_udp.key);
		if (!err && lk->turn_tls.v)
			err = want(pl, "LiveKit TURN/TLS", "livekit-turn",
				   XR_PROTO_BIT(XR_PROTO_TCP), lk->turn_tls.v,
				   lk->turn_tls.v,
				   setting_src(&lk->turn_tls, lk->svc,
					       &lk->file_loc),
				   true, "%s", lk->turn_tls.key);
		if (!err)
			err = want(pl, "LiveKit TURN relay", "livekit-turn",
				   XR_PROTO_BIT(XR_PROTO_UDP),
				   lk->relay_start.v, lk->relay_end.v,
				   setting_src(&lk->relay_start, lk->svc,
					       &lk->file_loc),
				   true, "%s/end", lk->relay_start.key);
	}
	for (i = first; i < pl->nw; i++)
		pl->w[i].host_net = host;
	return err;
}

static int coturn_wants(struct plan *pl)
{
	struct coturn *ct = &pl->ct;
	unsigned int plain = 0, tls = 0;
	size_t first = pl->nw, i;
	int err = 0;

	if (!ct->present)
		return 0;
	if (!ct->no_udp)
		plain |= XR_PROTO_BIT(XR_PROTO_UDP);
	if (!ct->no_tcp)
		plain |= XR_PROTO_BIT(XR_PROTO_TCP);
	if (!ct->no_dtls)
		tls |= XR_PROTO_BIT(XR_PROTO_UDP);
	if (!ct->no_tls)
		tls |= XR_PROTO_BIT(XR_PROTO_TCP);
	if (plain && ct->listen.v)
		err = want(pl, "TURN (coturn)", "turn", plain, ct->listen.v,
			   ct->listen.v,
			   setting_src(&ct->listen, ct->svc, &ct->file_loc),
			   true, "%s", ct->listen.key);
	if (!err && tls && ct->tls.v)
		err = want(pl, "TURN over TLS (coturn)", "turn", tls, ct->tls.v,
			   ct->tls.v,
			   setting_src(&ct->tls, ct->svc, &ct->file_loc), true,
			   "%s", ct->tls.key);
	if (!err)
		err = want(pl, "TURN relay (coturn)", "turn",
			   XR_PROTO_BIT(XR_PROTO_UDP), ct->min.v, ct->max.v,
			   setting_src(&ct->min, ct->svc, &ct->file_loc), true,
			   "%s/max-port", ct->min.key);
	for (i = first; i < pl->nw; i++)
		pl->w[i].host_net = !ct->svc || ct->svc->host_network;
	return err;
}

/* ---- what compose publishes -----------------------------------------------
 */

/* Published to the outside: not exposed only, not loopback, a fixed port. */
static bool pub_outside(const struct xr_publish *p)
{
	return !p->expose && p->first && !xr_ip_is_loopback(p->host_ip);
}

/* The first outside publication of SERVICE's container ports FIRST-LAST. */
static const struct xr_publish *published(const struct xr_deploy *d,
					  const char *service, uint8_t proto,
					  uint16_t first, uint16_t last)
{
	size_t i;

	for (i = 0; i < d->npubs; i++) {
		const struct xr_publish *p = &d->pubs[i];

		if (!strcmp(p->service, service) && p->proto == proto &&
		    pub_outside(p) && p->target_first <= last &&
		    first <= p->target_last)
			return p;
	}
	return NULL;
}

static const char *proto_word(uint8_t proto)
{
	return proto == XR_PROTO_UDP ? "udp" : "tcp";
}

static const char *ip_text(const char *ip)
{
	return xr_ip_is_any(ip) ? "all interfaces" : ip;
}

static void range_text(unsigned int a, unsigned int b, char *buf, size_t len)
{
	if (a == b)
		snprintf(buf, len, "%u", a);
	else
		snprintf(buf, len, "%u-%u", a, b);
}

/* One Reflector service the firewall page names, and where compose has it. */
struct role {
	const char *service; /* the built-ins' label */
	const char *feature;
	const char *compose; /* the compose service */
	uint8_t proto;
	uint16_t first, last; /* container ports */
	bool caddy, direct;   /* opened in which mode */
};

static const struct role roles[] = {
	{"Caddy HTTPS", "", "caddy", XR_PROTO_TCP, 443, 443, true, false},
	{"Caddy HTTP/3", "http3", "caddy", XR_PROTO_UDP, 443, 443, true, false},
	{"Caddy HTTP", "", "caddy", XR_PROTO_TCP, 80, 80, true, false},
	{"Frontend (Next.js)", "", "web", XR_PROTO_TCP, 3000, 3000, false,
	 true},
	{"Backend API (FastAPI)", "", "server", XR_PROTO_TCP, 1250, 1250, false,
	 true},
	{"Reflector WebRTC (browser recording)", "webrtc", "server",
	 XR_PROTO_UDP, 1, 65535, false, true},
	{"Garage S3", "garage", "garage", XR_PROTO_TCP, 3900, 3900, false,
	 true},
	{"Hatchet dashboard", "dashboard", "hatchet", XR_PROTO_TCP, 8888, 8888,
	 true, true},
};

static bool is_reflector(const struct xr_deploy *d)
{
	size_t i;

	for (i = 0; i < d->nsvcs; i++)
		if (strstr(d->svcs[i].image, "reflector"))
			return true;
	return false;
}

/* Caddy mode: Caddy publishes 443 outside and the app binds loopback only. */
static void choose_mode(struct plan *pl)
{
	const struct xr_deploy *d = pl->d;
	const struct xr_publish *https, *app;
	size_t i;

	https = published(d, "caddy", XR_PROTO_TCP, 443, 443);
	app = NULL;
	for (i = 0; i < d->npubs; i++) {
		const struct xr_publish *p = &d->pubs[i];

		if (!p->expose && p->first &&
		    (!strcmp(p->service, "server") ||
		     !strcmp(p->service, "web")) &&
		    p->proto == XR_PROTO_TCP &&
		    !xr_ip_is_loopback(p->host_ip)) {
			app = p;
			break;
		}
	}
	pl->caddy = https && !app;
	pl->mode_pub = pl->caddy ? https : app;
	if (pl->caddy)
		pl->mode_why = "caddy publishes 443/tcp and the app binds "
			       "loopback only";
	else if (app)
		pl->mode_why = "the app is published outside, not only "
			       "through Caddy";
	else
		pl->mode_why = "no service publishes 443/tcp (Caddy)";
}

static int reflector_wants(struct plan *pl)
{
	const struct xr_deploy *d = pl->d;
	char r[16];
	size_t ri, i;
	int err = 0;

	/* LiveKit first: its ports are what LiveKit itself uses. */
	err = livekit_wants(pl, !pl->caddy);
	for (ri = 0; ri < sizeof(roles) / sizeof(roles[0]) && !err; ri++) {
		const struct role *ro = &roles[ri];

		if (!(pl->caddy ? ro->caddy : ro->direct))
			continue;
		for (i = 0; i < d->npubs && !err; i++) {
			const struct xr_publish *p = &d->pubs[i];

			if (strcmp(p->service, ro->compose) ||
			    p->proto != ro->proto || !pub_outside(p) ||
			    p->target_first > ro->last ||
			    ro->first > p->target_last)
				continue;
			range_text(p->first, p->last, r, sizeof(r));
			err = want(pl, ro->service, ro->feature,
				   XR_PROTO_BIT(ro->proto), p->first, p->last,
				   &p->loc, false, "%s publishes %s/%s",
				   p->service, r, proto_word(p->proto));
			if (!err && !strcmp(ro->feature, "dashboard"))
				pl->w[pl->nw - 1].placeholder = true;
		}
	}
	if (!err)
		err = coturn_wants(pl);
	return err;
}

static bool internal_port(uint16_t port, const struct xr_profile *base,
			  const char **what)
{
	size_t i;

	for (i = 0; i < sizeof(internal_ports) / sizeof(internal_ports[0]); i++)
		if (internal_ports[i].port == port) {
			*what = internal_ports[i].what;
			return true;
		}
	for (i = 0; base && i < base->nnever; i++)
		if (base->never[i].first_port <= port &&
		    port <= base->never[i].last_port) {
			*what = base->never[i].service;
			return true;
		}
	return false;
}

static bool pub_internal(const struct xr_publish *p,
			 const struct xr_profile *base, const char **what)
{
	unsigned int port;

	for (port = p->target_first; port <= p->target_last; port++)
		if (internal_port((uint16_t)port, base, what))
			return true;
	for (port = p->first; p->first && port <= p->last; port++)
		if (internal_port((uint16_t)port, base, what))
			return true;
	return false;
}

/* Anything else: what is published outside, except internal ports. */
static int generic_wants(struct plan *pl)
{
	const struct xr_deploy *d = pl->d;
	const char *what;
	size_t i;
	int err;

	err = livekit_wants(pl, true);
	if (!err)
		err = coturn_wants(pl);
	for (i = 0; i < d->npubs && !err; i++) {
		const struct xr_publish *p = &d->pubs[i];
		char label[XR_SERVICE_MAX], r[16];

		if (!pub_outside(p) || pub_internal(p, NULL, &what))
			continue;
		range_text(p->target_first, p->target_last, r, sizeof(r));
		snprintf(label, sizeof(label), "%.40s %s/%s", p->service, r,
			 proto_word(p->proto));
		err = want(pl, label, "", XR_PROTO_BIT(p->proto), p->first,
			   p->last, &p->loc, false, "%s publishes it on %s",
			   p->service, ip_text(p->host_ip));
	}
	return err;
}

/* ---- the profile text -----------------------------------------------------
 */

struct text {
	char *s;
	size_t len, cap;
	const char *dir; /* stripped from file names in comments */
	int err;
};

static void tadd(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tadd(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
			      t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = -EINVAL;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		t->s = realloc(t->s, t->cap);
		if (!t->s) {
			t->err = -ENOMEM;
			return;
		}
	}
}

static const char *short_file(const struct text *t, const char *file)
{
	size_t n = strlen(t->dir);

	if (n && !strncmp(file, t->dir, n) && file[n] == '/')
		return file + n + 1;
	return file;
}

/* One profile line: CONTENT, then "# file:line: why" aligned. */
static void tline(struct text *t, int indent, const char *content,
		  const struct xr_loc *src, const char *why)
{
	char comment[WHY_MAX + 300];
	int w;

	comment[0] = '\0';
	if (src && src->file)
		snprintf(comment, sizeof(comment), "%s:%u%s%s",
			 short_file(t, src->file), src->line,
			 why && *why ? ": " : "", why ? why : "");
	else if (why)
		snprintf(comment, sizeof(comment), "%s", why);
	w = indent + (int)strlen(content);
	tadd(t, "%*s%s", indent, "", content);
	if (comment[0])
		tadd(t, "%*s# %s", w < 48 ? 50 - w : 2, "", comment);
	tadd(t, "\n");
}

static void entry_text(const struct want *w, char *buf, size_t len)
{
	const char *proto =
		w->protos == XR_PROTO_BOTH
			? "both"
			: (w->protos & XR_PROTO_BIT(XR_PROTO_UDP) ? "udp"
								  : "tcp");

	if (w->first == w->last)
		snprintf(buf, len, "- {service: %s, protocol: %s, port: %u%s}",
			 w->service, proto, w->first,
			 w->placeholder ? ", sources: [" XR_DETECT_PLACEHOLDER
					  "]"
					: "");
	else
		snprintf(buf, len,
			 "- {service: %s, protocol: %s, ports: %u-%u}",
			 w->service, proto, w->first, w->last);
}

static bool want_matches_entry(const struct want *w, const struct xr_entry *e)
{
	return !strcmp(w->service, e->service) && w->protos == e->protos &&
	       w->first == e->first_port && w->last == e->last_port &&
	       !w->placeholder && !e->nsources;
}

/* Feature descriptions for features the built-ins do not have. */
static const struct {
	const char *name, *description, *required;
} new_features[] = {
	{"livekit", "LiveKit WebRTC media", "Yes (if LiveKit enabled)"},
	{"livekit-tcp", "LiveKit TCP media fallback", "Recommended"},
	{"livekit-turn", "LiveKit embedded TURN server", "Optional"},
	{"turn", "TURN relay (coturn)", "Optional"},
	{"webrtc", "Reflector WebRTC (browser recording)", "Optional"},
	{"garage", "Garage S3", "Optional"},
	{"dashboard", "Hatchet dashboard", "Optional (admin only)"},
};

static void safe_name(const struct plan *pl, char *out, size_t len)
{
	const char *src = pl->d->name;
	char dirbuf[PATH_MAX], *base;
	size_t i, n = 0;

	if (!*src) {
		if (!realpath(pl->d->dir, dirbuf))
			snprintf(dirbuf, sizeof(dirbuf), "%s", pl->d->dir);
		base = strrchr(dirbuf, '/');
		src = base && base[1] ? base + 1 : dirbuf;
	}
	for (i = 0; src[i] && n + 1 < len && n < 40; i++) {
		char c = src[i];

		if (isalnum((unsigned char)c) || c == '.' || c == '_' ||
		    c == '-')
			out[n++] = c;
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	out[n] = '\0';
	if (!n || !isalnum((unsigned char)out[0]))
		snprintf(out, len, "detected");
}

static void write_features(struct plan *pl, struct text *t,
			   const struct xr_profile *base)
{
	char names[XR_FEATURES_MAX * 2][XR_NAME_MAX], buf[512];
	size_t nnames = 0, i, k, f;
	bool any = false;

	/* The base's features in its order, then new ones in want order. */
	for (i = 0; base && i < base->nfeatures; i++)
		snprintf(names[nnames++], XR_NAME_MAX, "%s",
			 base->features[i].name);
	for (i = 0; i < pl->nw && nnames < XR_FEATURES_MAX * 2; i++) {
		bool seen = !pl->w[i].feature[0];

		for (k = 0; k < nnames && !seen; k++)
			seen = !strcmp(names[k], pl->w[i].feature);
		if (!seen)
			snprintf(names[nnames++], XR_NAME_MAX, "%s",
				 pl->w[i].feature);
	}
	for (f = 0; f < nnames; f++) {
		const struct want *first = NULL;
		bool in_base = false, own = false;

		for (i = 0; base && i < base->nfeatures; i++)
			in_base |= !strcmp(base->features[i].name, names[f]);
		for (i = 0; i < pl->nw; i++) {
			if (strcmp(pl->w[i].feature, names[f]))
				continue;
			if (!first)
				first = &pl->w[i];
			own |= !pl->w[i].in_base;
		}
		if (!any) {
			tline(t, 0, "features:", NULL, NULL);
			any = true;
		}
		snprintf(buf, sizeof(buf), "%s:", names[f]);
		tline(t, 2, buf, first ? &first->src : NULL,
		      first ? NULL : "nothing in the deployment uses it");
		if (!in_base) {
			for (k = 0;
			     k < sizeof(new_features) / sizeof(new_features[0]);
			     k++)
				if (!strcmp(new_features[k].name, names[f]))
					break;
			snprintf(buf, sizeof(buf), "description: %s",
				 k < sizeof(new_features) /
							 sizeof(new_features[0])
					 ? new_features[k].description
					 : names[f]);
			tline(t, 4, buf, NULL, "detect's words");
			if (k <
			    sizeof(new_features) / sizeof(new_features[0])) {
				snprintf(buf, sizeof(buf), "required: %s",
					 new_features[k].required);
				tline(t, 4, buf, NULL, "detect's words");
			}
		}
		if (!strcmp(names[f], "ssh"))
			tline(t, 4, "default: true", NULL,
			      "the host's sshd, not the deployment: kept so "
			      "that loading cannot cut the admin off");
		else
			tline(t, 4, first ? "default: true" : "default: false",
			      first ? &first->src : NULL,
			      first ? first->why : "nothing publishes it");
		if (!own)
			continue;
		tline(t, 4, "allow:", &first->src, NULL);
		for (i = 0; i < pl->nw; i++) {
			const struct want *w = &pl->w[i];

			if (strcmp(w->feature, names[f]) || w->in_base)
				continue;
			entry_text(w, buf, sizeof(buf));
			tline(t, 6, buf, &w->src,
			      w->placeholder ? "plain HTTP: "
					       "replace " XR_DETECT_PLACEHOLDER
					       " with your admin network(s)"
					     : w->why);
		}
	}
}

static int write_profile(struct plan *pl, const struct xr_profile *base,
			 char **out)
{
	struct text t = {.dir = pl->d->dir};
	char name[XR_NAME_MAX], buf[512];
	bool any;
	size_t i, k;

	tadd(&t, "# Written by `xdp-reflector detect` from %s", pl->d->dir);
	for (i = 0; i < pl->d->nfiles; i++)
		tadd(&t, "%s %s", i ? "," : ":",
		     short_file(&t, pl->d->files[i]));
	tadd(&t, ".\n# The comment on each line says where it came from. "
		 "Before loading: xdp-reflector check THIS-FILE\n");
	safe_name(pl, name, sizeof(name));
	snprintf(buf, sizeof(buf), "name: %s", name);
	tline(&t, 0, buf, pl->d->name[0] ? &pl->d->name_loc : NULL,
	      pl->d->name[0] ? "the compose project's name"
			     : "the deployment directory's name");
	if (base) {
		snprintf(buf, sizeof(buf), "extends: %s", base->name);
		tline(&t, 0, buf, pl->mode_pub ? &pl->mode_pub->loc : NULL,
		      pl->mode_why);
		/* Base entries the deployment does not use as they are. */
		any = false;
		for (i = 0; i < base->nentries; i++) {
			const struct xr_entry *e = &base->entries[i];
			const struct want *hit = NULL, *same = NULL;
			bool dup = false;

			for (k = 0; k < pl->nw; k++) {
				if (!strcmp(pl->w[k].service, e->service) &&
				    !hit)
					hit = &pl->w[k];
				if (want_matches_entry(&pl->w[k], e))
					same = &pl->w[k];
			}
			if (same) {
				size_t n = 0;

				for (k = 0; k < pl->nw; k++)
					n += !strcmp(pl->w[k].service,
						     e->service);
				if (n == 1) {
					pl->w[same - pl->w].in_base = true;
					continue;
				}
			}
			/* A feature the deployment leaves off keeps its
			 * entries: `default: false` says enough. */
			if (!hit && e->feature >= 0) {
				bool used = false;

				for (k = 0; k < pl->nw; k++)
					used |= !strcmp(
						pl->w[k].feature,
						base->features[e->feature]
							.name);
				if (!used)
					continue;
			}
			for (k = 0; k < i; k++)
				dup |= !strcmp(base->entries[k].service,
					       e->service);
			if (dup)
				continue;
			if (!any) {
				tline(&t, 0, "remove:", NULL,
				      "the base's entries this deployment "
				      "uses otherwise");
				any = true;
			}
			snprintf(buf, sizeof(buf), "- %s", e->service);
			tline(&t, 2, buf, hit ? &hit->src : NULL,
			      hit ? "set below from the deployment"
				  : "nothing in the deployment publishes it");
		}
	}
	any = false;
	for (i = 0; i < pl->nw; i++) {
		const struct want *w = &pl->w[i];

		if (w->feature[0] || w->in_base)
			continue;
		if (!any) {
			tline(&t, 0, "allow:", &w->src, NULL);
			any = true;
		}
		entry_text(w, buf, sizeof(buf));
		tline(&t, 2, buf, &w->src, w->why);
	}
	/* SSH: a profile without it would cut the admin off at load. */
	if (!base) {
		struct want ssh;

		memset(&ssh, 0, sizeof(ssh));
		snprintf(ssh.service, sizeof(ssh.service), "SSH");
		snprintf(ssh.feature, sizeof(ssh.feature), "ssh");
		ssh.protos = XR_PROTO_BIT(XR_PROTO_TCP);
		ssh.first = ssh.last = 22;
		snprintf(ssh.why, sizeof(ssh.why),
			 "the host's sshd: on so that loading cannot cut the "
			 "admin off");
		if (!want_add(pl, &ssh) &&
		    !strcmp(pl->w[pl->nw - 1].service, "SSH"))
			pl->w[pl->nw - 1].src.file = NULL;
	}
	write_features(pl, &t, base);
	if (!base) {
		tline(&t, 0, "never_expose:", NULL,
		      "internal-only whatever is published");
		for (i = 0;
		     i < sizeof(internal_ports) / sizeof(internal_ports[0]);
		     i++) {
			snprintf(buf, sizeof(buf),
				 "- {service: %s, protocol: tcp, port: %u}",
				 internal_ports[i].what,
				 internal_ports[i].port);
			tline(&t, 2, buf, NULL, "used between containers only");
		}
	}
	if (t.err) {
		free(t.s);
		return t.err;
	}
	*out = t.s;
	return 0;
}

/* ---- compile and compare --------------------------------------------------
 */

/* The profile as `check` compiles it, the placeholder a documentation net. */
static int compile_profile(const char *yaml, struct xr_policy **out)
{
	char path[] = "/tmp/xdp-reflector-detect-XXXXXX.yaml";
	static const struct xr_toggles none;
	const char *p;
	size_t n = strlen(XR_DETECT_PLACEHOLDER);
	FILE *f;
	int fd, err;

	fd = mkstemps(path, 5);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	for (p = yaml; *p;) {
		const char *hit = strstr(p, XR_DETECT_PLACEHOLDER);

		if (!hit) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t)(hit - p), f);
		fputs("192.0.2.0/24", f);
		p = hit + n;
	}
	err = fclose(f) ? -errno : 0;
	if (!err)
		err = xr_policy_build(path, &none, out);
	unlink(path);
	return err;
}

/* The rule of POLICY that opens PORT/PROTO, or NULL. */
static const struct xr_rule *rule_at(const struct xr_policy *policy,
				     uint8_t proto, unsigned int port)
{
	size_t i;

	for (i = 0; i < policy->nrules; i++)
		if (policy->rules[i].proto == proto &&
		    policy->rules[i].first_port <= port &&
		    port <= policy->rules[i].last_port)
			return &policy->rules[i];
	return NULL;
}

static void warn_internal(struct plan *pl, const struct xr_profile *base)
{
	struct xr_deploy *d = pl->d;
	const char *what = NULL;
	char hp[16], tp[16];
	size_t i;

	for (i = 0; i < d->npubs; i++) {
		struct xr_publish *p = &d->pubs[i];

		if (p->expose || !xr_ip_is_any(p->host_ip) ||
		    !pub_internal(p, base, &what))
			continue;
		p->explained = true;
		range_text(p->target_first, p->target_last, tp, sizeof(tp));
		if (p->first)
			range_text(p->first, p->last, hp, sizeof(hp));
		else
			snprintf(hp, sizeof(hp), "a random port");
		xr_dwarn(d, "internal-exposed", &p->loc,
			 "%s publishes %s/%s (%s, internal-only) on all "
			 "interfaces; the filter keeps it closed, but Docker "
			 "forwards it past ufw and iptables INPUT, so one "
			 "`docker run` or firewall change away it is exposed: "
			 "bind it to loopback with \"127.0.0.1:%s:%s%s\" (or "
			 "replace 'ports' with 'expose' if only containers "
			 "use it)",
			 p->service, hp, proto_word(p->proto), what,
			 p->first ? hp : tp, tp,
			 p->proto == XR_PROTO_UDP ? "/udp" : "");
	}
}

/* livekit.yaml's media range against what the livekit service publishes. */
static void warn_livekit_range(struct plan *pl)
{
	struct livekit *lk = &pl->lk;
	struct xr_deploy *d = pl->d;
	struct xr_publish *cand = NULL;
	size_t i, k;

	if (!lk->svc || lk->svc->host_network || !lk->present ||
	    (lk->udp_port.set && lk->udp_port.v))
		return;
	for (i = 0; i < d->npubs; i++) {
		struct xr_publish *p = &d->pubs[i];

		if (strcmp(p->service, lk->svc->name) ||
		    p->proto != XR_PROTO_UDP || p->expose ||
		    (lk->turn_enabled.v && p->target_first == lk->turn_udp.v &&
		     p->target_last == lk->turn_udp.v))
			continue;
		if (p->first == lk->range_start.v &&
		    p->last == lk->range_end.v &&
		    p->target_first == lk->range_start.v &&
		    p->target_last == lk->range_end.v)
			return; /* the same range: nothing to say */
		if (p->target_last > p->target_first && !cand)
			cand = p;
	}
	if (!cand)
		return;
	cand->explained = true;
	for (k = 0; k < pl->nw; k++)
		if (!strcmp(pl->w[k].service, "LiveKit WebRTC media"))
			pl->w[k].host_net = true; /* warned here, not again */
	xr_dwarn(d, "livekit-range",
		 lk->range_start.set ? &lk->range_start.loc : &lk->svc->loc,
		 "LiveKit's media range is %ld-%ld/udp (%s/end) but %s:%u "
		 "publishes %u-%u:%u-%u/udp; LiveKit offers clients the ports "
		 "of its own range, so the profile opens %ld-%ld: change the "
		 "compose range (LIVEKIT_UDP_PORTS in .env, for Reflector) "
		 "or rtc.port_range_start/end so that both say the same",
		 lk->range_start.v, lk->range_end.v, lk->range_start.key,
		 cand->loc.file, cand->loc.line, cand->first, cand->last,
		 cand->target_first, cand->target_last, lk->range_start.v,
		 lk->range_end.v);
}

static void warn_published_closed(struct plan *pl,
				  const struct xr_policy *policy)
{
	struct xr_deploy *d = pl->d;
	size_t i;

	for (i = 0; i < d->npubs; i++) {
		const struct xr_publish *p = &d->pubs[i];
		unsigned int port, a = 0;
		char closed[256], r[16], tr[16];
		size_t used = 0;

		if (p->expose || p->explained || xr_ip_is_loopback(p->host_ip))
			continue;
		if (!p->first) {
			xr_dwarn(d, "published-random", &p->loc,
				 "%s publishes container port %u/%s on a host "
				 "port Docker picks at each start, which no "
				 "profile can open; write \"PORT:%u%s\" to fix "
				 "the port, or \"127.0.0.1::%u\" if it is only "
				 "for this host",
				 p->service, p->target_first,
				 proto_word(p->proto), p->target_first,
				 p->proto == XR_PROTO_UDP ? "/udp" : "",
				 p->target_first);
			continue;
		}
		closed[0] = '\0';
		for (port = p->first; port <= (unsigned int)p->last + 1;
		     port++) {
			bool shut = port <= p->last &&
				    !rule_at(policy, p->proto, port);

			if (shut && !a)
				a = port;
			if (!shut && a) {
				range_text(a, port - 1, r, sizeof(r));
				used += (size_t)snprintf(
					closed + used,
					used < sizeof(closed)
						? sizeof(closed) - used
						: 0,
					"%s%s", used ? ", " : "", r);
				a = 0;
			}
		}
		if (!closed[0])
			continue;
		range_text(p->first, p->last, r, sizeof(r));
		range_text(p->target_first, p->target_last, tr, sizeof(tr));
		xr_dwarn(d, "published-closed", &p->loc,
			 "%s publishes %s/%s on %s but the profile keeps %s "
			 "closed; if clients need it, add an allow entry for "
			 "it; if not, publish it on loopback only "
			 "(\"127.0.0.1:%s:%s%s\")",
			 p->service, r, proto_word(p->proto),
			 ip_text(p->host_ip), closed, r, tr,
			 p->proto == XR_PROTO_UDP ? "/udp" : "");
	}
}

/* Is PORT/PROTO published outside by any service? */
static bool is_published(const struct xr_deploy *d, uint8_t proto,
			 unsigned int port)
{
	size_t i;

	for (i = 0; i < d->npubs; i++) {
		const struct xr_publish *p = &d->pubs[i];

		if (p->proto == proto && pub_outside(p) && p->first <= port &&
		    port <= p->last)
			return true;
	}
	return false;
}

static void warn_opened_unpublished(struct plan *pl,
				    const struct xr_policy *policy)
{
	struct xr_deploy *d = pl->d;
	size_t i, k;

	if (!d->ncompose)
		return; /* a host without compose publishes nothing */
	for (i = 0; i < policy->nrules; i++) {
		const struct xr_rule *r = &policy->rules[i];
		const struct want *w = NULL;
		unsigned int port, a = 0;
		char open[256], t[16];
		size_t used = 0;

		if (!strcmp(r->feature, "ssh"))
			continue;
		for (k = 0; k < pl->nw && !w; k++)
			if (!strcmp(pl->w[k].service, r->service))
				w = &pl->w[k];
		if (w && w->host_net)
			continue;
		open[0] = '\0';
		for (port = r->first_port;
		     port <= (unsigned int)r->last_port + 1; port++) {
			bool lone = port <= r->last_port &&
				    !is_published(d, r->proto, port);

			if (lone && !a)
				a = port;
			if (!lone && a) {
				range_text(a, port - 1, t, sizeof(t));
				used += (size_t)snprintf(
					open + used,
					used < sizeof(open)
						? sizeof(open) - used
						: 0,
					"%s%s", used ? ", " : "", t);
				a = 0;
			}
		}
		if (!open[0])
			continue;
		xr_dwarn(d, "opened-unpublished", w ? &w->src : NULL,
			 "the profile opens %s/%s for %s (%s) but no service "
			 "publishes it: publish it (\"%s:%s%s\" on the service "
			 "that listens there) or the port stays unreachable "
			 "behind Docker",
			 open, proto_word(r->proto), r->service,
			 w ? w->why : "the base profile", open, open,
			 r->proto == XR_PROTO_UDP ? "/udp" : "");
	}
}

static void warn_host_network(struct plan *pl)
{
	struct xr_deploy *d = pl->d;
	size_t i;

	for (i = 0; i < d->nsvcs; i++) {
		const struct xr_service *s = &d->svcs[i];

		if (!s->host_network || s == pl->lk.svc ||
		    (s == pl->ct.svc && pl->ct.present))
			continue;
		xr_dwarn(d, "host-network", &s->loc,
			 "service %s uses network_mode: host, so compose does "
			 "not say which ports it listens on; run detect "
			 "--listening on the host to see them, and add what "
			 "clients need to the profile",
			 s->name);
	}
}

int xr_detect(struct xr_deploy *d, struct xr_detected *out)
{
	struct xr_profile *base = NULL;
	struct plan pl = {.d = d};
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = livekit_read(&pl);
	if (!err)
		err = coturn_read(&pl);
	if (err)
		goto out;
	if (!d->ncompose && !pl.lk.present && !pl.ct.present) {
		fprintf(stderr,
			"%s: error: no compose file found (compose*.yaml, "
			"compose*.yml, docker-compose*.yaml, "
			"docker-compose*.yml), nor livekit.yaml or "
			"turnserver.conf; give the deployment's directory, or "
			"its compose file with -f FILE\n",
			d->dir);
		err = -ENOENT;
		goto out;
	}
	pl.reflector = is_reflector(d);
	if (pl.reflector) {
		choose_mode(&pl);
		snprintf(out->base, sizeof(out->base), "%s",
			 pl.caddy ? "reflector-caddy" : "reflector-direct");
		err = xr_profile_load(out->base, &base);
		xr_warnings_flush(false);
		if (err)
			goto out;
		err = reflector_wants(&pl);
	} else {
		err = generic_wants(&pl);
	}
	if (!err)
		err = write_profile(&pl, base, &out->yaml);
	if (err)
		goto out;
	warn_internal(&pl, base);
	warn_livekit_range(&pl);
	warn_host_network(&pl);
	for (i = 0; i < pl.nw; i++)
		if (pl.w[i].placeholder)
			xr_dwarn(d, "dashboard-sources", &pl.w[i].src,
				 "%s publishes the Hatchet dashboard (plain "
				 "HTTP): the profile turns it on for the "
				 "sources " XR_DETECT_PLACEHOLDER
				 ", which `check` refuses until you write your "
				 "admin network(s) there (or set the feature's "
				 "default to false)",
				 "hatchet");
	err = compile_profile(out->yaml, &out->policy);
	if (err) {
		fprintf(stderr, "detect: error: the profile detect wrote does "
				"not compile (a bug in detect; please report "
				"it with the deployment's files)\n");
		err = err == -EINVAL ? -EIO : err;
		goto out;
	}
	warn_published_closed(&pl, out->policy);
	warn_opened_unpublished(&pl, out->policy);
out:
	xr_profile_free(base);
	free(pl.w);
	if (err)
		xr_detected_free(out);
	return err;
}

void xr_detected_free(struct xr_detected *r)
{
	free(r->yaml);
	xr_policy_free(r->policy);
	memset(r, 0, sizeof(*r));
}

void xr_dwarnings_print(const struct xr_deploy *d)
{
	size_t i;

	for (i = 0; i < d->nwarnings; i++) {
		const struct xr_dwarning *w = &d->warnings[i];

		if (w->loc.file)
			fprintf(stderr, "%s:%u:%u: warning: %s\n", w->loc.file,
				w->loc.line, w->loc.col, w->text);
		else
			fprintf(stderr, "detect: warning: %s\n", w->text);
	}
}
