// SPDX-License-Identifier: GPL-2.0
/*
 * `export --format ufw`: one `ufw allow` command a line, the service as
 * ufw's own rule comment (so `ufw status` names it too). ufw's
 * before-rules already pass what the XDP program always passes (ICMP
 * errors, neighbour discovery, DHCP answers, established connections):
 * where the profile departs from them, a comment says so.
 */
#include <arpa/inet.h>

#include "export.h"

/* The IP protocols ufw can name (`ufw allow proto NAME`). */
static const char *ufw_proto_name(unsigned int proto)
{
	switch (proto) {
	case 2:
		return "igmp";
	case 41:
		return "ipv6";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	default:
		return NULL;
	}
}

static void ports(FILE *f, const struct xr_rule *r, char sep)
{
	if (r->first_port == r->last_port)
		fprintf(f, "%u", r->first_port);
	else
		fprintf(f, "%u%c%u", r->first_port, sep, r->last_port);
}

static void limits(FILE *f, const struct xr_class_policy *c)
{
	xr_export_limit(f, "ports that Docker publishes are DNAT'ed and "
			   "filtered in FORWARD, where these rules do not "
			   "apply (the XDP filter sees them before NAT)");
	if (c->drop_echo)
		xr_export_limit(f, "echo_requests: drop - ufw's before-rules "
				   "accept them: change the echo-request "
				   "lines of /etc/ufw/before.rules and "
				   "before6.rules to DROP");
	if (c->icmp_info_pass)
		xr_export_limit(f, "icmp_informational: pass - ufw's "
				   "before-rules pass only the ICMP types a "
				   "host needs; the rest meets the default "
				   "deny");
	if (c->drop_frags)
		xr_export_limit(f, "fragments: drop - ufw sees reassembled "
				   "datagrams only");
	if (!c->replies)
		xr_export_limit(f, "replies: false - ufw always passes "
				   "established and related traffic");
	else
		xr_export_note(f, "replies: ufw passes established "
				  "connections itself, with conntrack's "
				  "timeouts rather than reply_timeouts");
	if (c->other_ip_pass)
		xr_export_limit(f, "other_protocols: pass - ufw allows IP "
				   "protocols by name only (ah, esp, gre, "
				   "igmp, ipv6); the rest meets the default "
				   "deny");
}

void xr_export_ufw(FILE *f, const struct xr_policy *p)
{
	char cidr[INET6_ADDRSTRLEN + 8];
	unsigned int protos[256];
	size_t n, i, k;

	xr_export_header(f, p, "ufw");
	limits(f, &p->classes);
	fprintf(f, "ufw default deny incoming\n");
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		if (!r->nsources) {
			fprintf(f, "ufw allow ");
			ports(f, r, ':');
			fprintf(f, "/%s comment ", xr_export_proto(r->proto));
			xr_export_shell_quote(f, r->service);
			fputc('\n', f);
			continue;
		}
		for (k = 0; k < r->nsources; k++) {
			xr_cidr_format(&r->sources[k], cidr, sizeof(cidr));
			fprintf(f, "ufw allow from %s to any port ", cidr);
			ports(f, r, ':');
			fprintf(f, " proto %s comment ",
				xr_export_proto(r->proto));
			xr_export_shell_quote(f, r->service);
			fputc('\n', f);
		}
	}
	n = xr_export_allowed_protos(&p->classes, protos, 256);
	for (i = 0; i < n; i++) {
		const char *name = ufw_proto_name(protos[i]);

		if (name)
			fprintf(f,
				"ufw allow proto %s from any to any comment "
				"'allow_protocols'\n",
				name);
		else
			xr_export_limit(f,
					"allow_protocols: %u - ufw has no "
					"name for it",
					protos[i]);
	}
	if (!p->nrules)
		xr_export_note(f, "the profile opens no port");
	fprintf(f, "# Then `ufw enable` (it asks before it may cut this SSH "
		   "session).\n");
}
