// SPDX-License-Identifier: GPL-2.0
/*
 * `export`: the format table, the header every format starts with and the
 * text helpers the renderers share (export.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "export.h"

static const struct {
	const char *name;
	void (*write)(FILE *f, const struct xr_policy *p);
} formats[XR_EXPORT_FORMATS] = {
	[XR_EXPORT_NFT] = {"nft", xr_export_nft},
	[XR_EXPORT_UFW] = {"ufw", xr_export_ufw},
	[XR_EXPORT_DOCTL] = {"doctl", xr_export_doctl},
	[XR_EXPORT_AWS] = {"aws", xr_export_aws},
};

int xr_export_format_parse(const char *name)
{
	int i;

	for (i = 0; i < XR_EXPORT_FORMATS; i++)
		if (name && !strcmp(name, formats[i].name))
			return i;
	return -EINVAL;
}

const char *xr_export_format_list(void)
{
	static char list[64];
	int i;

	if (!list[0])
		for (i = 0; i < XR_EXPORT_FORMATS; i++)
			snprintf(list + strlen(list),
				 sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", formats[i].name);
	return list;
}

int xr_export_write(const struct xr_policy *p, enum xr_export_format format,
		    FILE *f)
{
	if ((int)format < 0 || format >= XR_EXPORT_FORMATS)
		return -EINVAL;
	formats[format].write(f, p);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

const char *xr_export_clean(const char *s, const char *bad, char repl,
			    char *buf, size_t len)
{
	size_t i;

	if (!len)
		return "";
	for (i = 0; s[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			buf[i] = ' ';
		else if (bad && strchr(bad, c))
			buf[i] = repl;
		else
			buf[i] = (char)c;
	}
	buf[i] = '\0';
	return buf;
}

static void comment_line(FILE *f, const char *lead, const char *fmt,
			 va_list ap);

/*
 * guard: webrtc and rate are checks of the XDP program alone: no export
 * format has RFC 7983's first-byte demux, and none keeps xdp-reflector's
 * per-source buckets (ufw's `limit` and the clouds have no such knob). The
 * exported rule opens the port without them; say so rather than drop them
 * silently.
 */
static void rule_limits(FILE *f, const struct xr_policy *p)
{
	char ports[16], rate[64];
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		if (!r->guard && !r->rate.count)
			continue;
		if (r->first_port == r->last_port)
			snprintf(ports, sizeof(ports), "%u", r->first_port);
		else
			snprintf(ports, sizeof(ports), "%u-%u", r->first_port,
				 r->last_port);
		if (r->guard)
			xr_export_limit(f,
					"guard: webrtc on %s %s (%s) - RFC 7983's "
					"first-byte check is XDP-only: the rule "
					"below passes every datagram to it",
					xr_export_proto(r->proto), ports,
					r->service);
		if (r->rate.count)
			xr_export_limit(f,
					"rate %s per source on %s %s (%s) - the "
					"per-source limit is XDP-only: the rule "
					"below does not limit",
					xr_rate_text(&r->rate, rate, sizeof(rate)),
					xr_export_proto(r->proto), ports,
					r->service);
	}
}

void xr_export_header(FILE *f, const struct xr_policy *p, const char *format)
{
	char text[sizeof(p->description)];
	size_t i;

	fprintf(f, "# xdp-reflector export --format %s\n", format);
	fprintf(f, "# profile: %s%s%s\n", p->name,
		p->description[0] ? " - " : "",
		xr_export_clean(p->description, NULL, 0, text, sizeof(text)));
	fprintf(f, "# features:");
	for (i = 0; i < p->nfeatures; i++)
		fprintf(f, "%s %s %s", i ? "," : "", p->features[i].name,
			p->features[i].enabled ? "on" : "off");
	fprintf(f, "%s\n", p->nfeatures ? "" : " (none)");
	fprintf(f,
		"# policy digest: %016llx (as `xdp-reflector check` and "
		"`status` show it)\n",
		(unsigned long long)xr_policy_digest(p));
	fprintf(f, "# Generated from the compiled profile: change the profile "
		   "and export again rather than edit this.\n");
	rule_limits(f, p);
}

static void comment_line(FILE *f, const char *lead, const char *fmt, va_list ap)
{
	char line[1024], clean[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(f, "# %s%s\n", lead,
		xr_export_clean(line, NULL, 0, clean, sizeof(clean)));
}

void xr_export_limit(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	comment_line(f, "not expressible: ", fmt, ap);
	va_end(ap);
}

void xr_export_note(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	comment_line(f, "note: ", fmt, ap);
	va_end(ap);
}

void xr_export_shell_quote(FILE *f, const char *s)
{
	char clean[256];

	xr_export_clean(s, NULL, 0, clean, sizeof(clean));
	fputc('\'', f);
	for (s = clean; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

bool xr_export_has_family(const struct xr_rule *r, int family)
{
	size_t i;

	for (i = 0; i < r->nsources; i++)
		if (r->sources[i].family == family)
			return true;
	return false;
}

size_t xr_export_allowed_protos(const struct xr_class_policy *c,
				unsigned int *out, size_t max)
{
	unsigned int proto;
	size_t n = 0;

	for (proto = 0; proto < 256; proto++)
		if ((c->other_ip_allow[proto / 64] >> (proto % 64)) & 1)
			if (n < max)
				out[n++] = proto;
	return n;
}

const char *xr_export_proto(uint8_t proto)
{
	return proto == XR_PROTO_TCP ? "tcp" : "udp";
}
