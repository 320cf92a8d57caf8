/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `export`: a compiled policy (the structure `check --json` prints) written
 * as another firewall's rules, so that the cloud's firewall and a fallback
 * host firewall say what the XDP filter says. One renderer per format:
 * export_nft.c (an nftables ruleset), export_ufw.c (`ufw allow` lines),
 * export_cloud.c (`doctl compute firewall create`, AWS IpPermissions).
 *
 * Every output starts with the profile, its features and the policy digest
 * it came from; what a format cannot say as the XDP program does is written
 * as a comment, never dropped. Pure: no libbpf, unit-tested natively.
 */
#ifndef XR_EXPORT_H
#define XR_EXPORT_H

#include <stdio.h>

#include "policy.h"

enum xr_export_format {
	XR_EXPORT_NFT,
	XR_EXPORT_UFW,
	XR_EXPORT_DOCTL,
	XR_EXPORT_AWS,
	XR_EXPORT_FORMATS,
};

/* The format called NAME, or -EINVAL. */
int xr_export_format_parse(const char *name);
/* "nft, ufw, doctl, aws": for messages and help. */
const char *xr_export_format_list(void);

/* Write P as FORMAT to F. 0, or -EIO when F reports a write error. */
int xr_export_write(const struct xr_policy *p, enum xr_export_format format,
		    FILE *f);

/* ---- For the renderers ----------------------------------------------------
 */

/* "# " lines: the format, profile, features, digest. */
void xr_export_header(FILE *f, const struct xr_policy *p, const char *format);
/* A "# not expressible: ..." line: what FORMAT cannot say, and why. */
void xr_export_limit(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A "# note: ..." line. */
void xr_export_note(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * S for one line of output: control characters become spaces, and each
 * character of BAD becomes REPL (profile text never ends a quote or a line).
 */
const char *xr_export_clean(const char *s, const char *bad, char repl,
			    char *buf, size_t len);
/* S as one shell word in single quotes (a quote inside as '\''). */
void xr_export_shell_quote(FILE *f, const char *s);
/* Does rule R have sources of FAMILY (AF_INET, AF_INET6)? */
bool xr_export_has_family(const struct xr_rule *r, int family);
/* The IP protocols `allow_protocols` names, in order; returns how many. */
size_t xr_export_allowed_protos(const struct xr_class_policy *c,
				unsigned int *out, size_t max);
/* "tcp" or "udp". */
const char *xr_export_proto(uint8_t proto);

void xr_export_nft(FILE *f, const struct xr_policy *p);
void xr_export_ufw(FILE *f, const struct xr_policy *p);
void xr_export_doctl(FILE *f, const struct xr_policy *p);
void xr_export_aws(FILE *f, const struct xr_policy *p);

#endif /* XR_EXPORT_H */
