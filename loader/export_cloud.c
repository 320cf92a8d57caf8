// SPDX-License-Identifier: GPL-2.0
/*
 * `export --format doctl|aws`: the policy as a cloud firewall in front of
 * the host. Both clouds' firewalls are stateful (they pass replies
 * themselves) and know TCP/UDP ports and ICMP; what else the profile says
 * is written as a comment.
 *   doctl: `doctl compute firewall create`, --inbound-rules as Reflector's
 *          firewall page writes it (sources as address:CIDR, everyone as
 *          address:0.0.0.0/0,address:::/0);
 *   aws:   `aws ec2 authorize-security-group-ingress` with the IpPermissions
 *          JSON array (IpRanges and Ipv6Ranges, a Description per range).
 */
#include <arpa/inet.h>
#include <string.h>

#include "export.h"
#include "json.h"

/* The limits both clouds share. */
static void cloud_limits(FILE *f, const struct xr_class_policy *c,
			 const char *cloud)
{
	if (c->replies)
		xr_export_note(f,
			       "replies: %s's firewall is stateful and "
			       "passes them itself, with its own timeouts "
			       "rather than reply_timeouts",
			       cloud);
	else
		xr_export_limit(f,
				"replies: false - %s's firewall always "
				"passes replies to connections the host "
				"opened",
				cloud);
	if (c->drop_frags)
		xr_export_limit(f,
				"fragments: drop - %s's firewall has no "
				"rule for IP fragments",
				cloud);
	if (c->other_ip_pass)
		xr_export_limit(f,
				"other_protocols: pass - %s's firewall "
				"cannot pass every IP protocol but TCP "
				"and UDP without passing every port",
				cloud);
	xr_export_note(f, "DHCP answers to the host's client are the "
			  "cloud's own traffic, outside these rules");
}

/* ---- DigitalOcean -----------------------------------------------------------
 */

static void doctl_sources(FILE *f, const struct xr_rule *r)
{
	char cidr[INET6_ADDRSTRLEN + 8];
	size_t i;

	if (!r->nsources) {
		fprintf(f, ",address:0.0.0.0/0,address:::/0");
		return;
	}
	for (i = 0; i < r->nsources; i++) {
		xr_cidr_format(&r->sources[i], cidr, sizeof(cidr));
		fprintf(f, ",address:%s", cidr);
	}
}

void xr_export_doctl(FILE *f, const struct xr_policy *p)
{
	const struct xr_class_policy *c = &p->classes;
	unsigned int protos[256];
	char name[XR_NAME_MAX];
	size_t i, n;

	xr_export_header(f, p, "doctl");
	cloud_limits(f, c, "DigitalOcean");
	if (c->drop_echo)
		xr_export_limit(f, "echo_requests: drop - DigitalOcean has "
				   "no ICMP types: no inbound icmp rule, so "
				   "no ICMP errors (path MTU) either");
	else if (!c->icmp_info_pass)
		xr_export_limit(f, "icmp_informational: drop - DigitalOcean "
				   "has no ICMP types: the icmp rule that "
				   "passes echo requests passes every type");
	n = xr_export_allowed_protos(c, protos, 256);
	for (i = 0; i < n; i++)
		xr_export_limit(f,
				"allow_protocols: %u - DigitalOcean knows "
				"tcp, udp and icmp only",
				protos[i]);
	if (!p->nrules && c->drop_echo)
		xr_export_note(f, "no inbound rule: DigitalOcean drops every "
				  "inbound connection");
	/* Firewall names: letters, digits, '-' and '.'. */
	xr_export_clean(p->name, "_", '-', name, sizeof(name));
	fprintf(f, "doctl compute firewall create \\\n");
	fprintf(f, "  --name %s \\\n", name);
	fprintf(f, "  --inbound-rules \"");
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		fprintf(f, "%sprotocol:%s,ports:", i ? " " : "",
			xr_export_proto(r->proto));
		if (r->first_port == r->last_port)
			fprintf(f, "%u", r->first_port);
		else
			fprintf(f, "%u-%u", r->first_port, r->last_port);
		doctl_sources(f, r);
	}
	if (!c->drop_echo)
		fprintf(f, "%sprotocol:icmp,address:0.0.0.0/0,address:::/0",
			p->nrules ? " " : "");
	fprintf(f, "\" \\\n");
	/* Without outbound rules a DigitalOcean firewall drops everything the
	 * host sends; the XDP filter judges ingress only. */
	fprintf(f,
		"  --outbound-rules \"protocol:tcp,ports:all,address:0.0.0.0/"
		"0,address:::/0 protocol:udp,ports:all,address:0.0.0.0/0,"
		"address:::/0 protocol:icmp,address:0.0.0.0/0,"
		"address:::/0\" \\\n");
	fprintf(f, "  --droplet-ids \"${DROPLET_ID:?set DROPLET_ID to the "
		   "droplet IDs}\"\n");
}

/* ---- AWS
 * ---------------------------------------------------------------------- */

/*
 * Descriptions may hold letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*
 * only: anything else (a multi-byte character counts once) becomes '-'.
 */
static const char *aws_text(const char *s, char *buf, size_t len)
{
	static const char ok[] = " ._-:/()#,@[]+=&;{}!$*";
	const unsigned char *in = (const unsigned char *)s;
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if ((*in & 0xc0) == 0x80) /* the rest of a replaced character */
			continue;
		if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
		    (*in >= '0' && *in <= '9') || (*in && strchr(ok, *in)))
			buf[o++] = (char)*in;
		else
			buf[o++] = '-';
	}
	buf[o] = '\0';
	return buf;
}

#define AWS_V4 1 /* IpRanges */
#define AWS_V6 2 /* Ipv6Ranges */

struct aws_perm {
	const char *proto; /* "tcp", "udp", "icmp", "icmpv6", or a number */
	bool ports;	   /* FromPort/ToPort present */
	int from, to;	   /* ports, or ICMP type and code (-1: any) */
	const char *description;
	const struct xr_rule *rule; /* sources; NULL: everyone */
};

static void aws_ranges(struct json *j, const struct aws_perm *a, int family)
{
	char cidr[INET6_ADDRSTRLEN + 8], desc[XR_SERVICE_MAX + 64];
	const char *key = family == AF_INET ? "CidrIp" : "CidrIpv6";
	size_t i;

	aws_text(a->description, desc, sizeof(desc));
	json_array_start(j, family == AF_INET ? "IpRanges" : "Ipv6Ranges");
	if (!a->rule || !a->rule->nsources) {
		json_object_start(j, NULL);
		json_string(j, key, family == AF_INET ? "0.0.0.0/0" : "::/0");
		json_string(j, "Description", desc);
		json_object_end(j);
	} else {
		for (i = 0; i < a->rule->nsources; i++) {
			if (a->rule->sources[i].family != family)
				continue;
			xr_cidr_format(&a->rule->sources[i], cidr,
				       sizeof(cidr));
			json_object_start(j, NULL);
			json_string(j, key, cidr);
			json_string(j, "Description", desc);
			json_object_end(j);
		}
	}
	json_array_end(j);
}

static void aws_perm(FILE *f, const struct aws_perm *a, bool *first,
		     int families)
{
	struct json j;

	fprintf(f, "%s  ", *first ? "" : ",\n");
	*first = false;
	json_init(&j, f);
	json_object_start(&j, NULL);
	json_string(&j, "IpProtocol", a->proto);
	if (a->ports) {
		/* json_double: an ICMP code of -1 (any) is negative. */
		json_double(&j, "FromPort", a->from);
		json_double(&j, "ToPort", a->to);
	}
	if (families & AWS_V4)
		aws_ranges(&j, a, AF_INET);
	if (families & AWS_V6)
		aws_ranges(&j, a, AF_INET6);
	json_object_end(&j);
}

/* ICMP the XDP program always passes, as (type, description) rows. */
static const struct {
	const char *proto;
	int type;
	const char *description;
} aws_icmp[] = {
	{"icmp", 3, "ICMP destination unreachable (path MTU)"},
	{"icmp", 11, "ICMP time exceeded"},
	{"icmp", 12, "ICMP parameter problem"},
	{"icmpv6", 1, "ICMPv6 destination unreachable"},
	{"icmpv6", 2, "ICMPv6 packet too big (path MTU)"},
	{"icmpv6", 3, "ICMPv6 time exceeded"},
	{"icmpv6", 4, "ICMPv6 parameter problem"},
};

void xr_export_aws(FILE *f, const struct xr_policy *p)
{
	const struct xr_class_policy *c = &p->classes;
	unsigned int protos[256];
	char num[8];
	bool first = true;
	size_t i, n;

	xr_export_header(f, p, "aws");
	cloud_limits(f, c, "AWS");
	xr_export_limit(f, "ICMPv6 neighbour and router discovery and MLD "
			   "have no rows here: add icmpv6 rows for types "
			   "130-137 and 143 if the subnet needs them");
	if (c->icmp_info_pass)
		xr_export_limit(f, "icmp_informational: pass - only the ICMP "
				   "types below have rows");
	xr_export_note(f, "echo replies pass as replies to the host's own "
			  "pings (the security group is stateful)");
	fprintf(f, "aws ec2 authorize-security-group-ingress \\\n");
	fprintf(f, "  --group-id \"${SG_ID:?set SG_ID to the security group "
		   "ID}\" \\\n");
	fprintf(f, "  --ip-permissions '[\n");
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];
		struct aws_perm a = {
			.proto = xr_export_proto(r->proto),
			.ports = true,
			.from = r->first_port,
			.to = r->last_port,
			.description = r->service,
			.rule = r,
		};
		int fam = AWS_V4 | AWS_V6;

		if (r->nsources)
			fam = (xr_export_has_family(r, AF_INET) ? AWS_V4 : 0) |
			      (xr_export_has_family(r, AF_INET6) ? AWS_V6 : 0);
		aws_perm(f, &a, &first, fam);
	}
	for (i = 0; i < sizeof(aws_icmp) / sizeof(aws_icmp[0]); i++) {
		struct aws_perm a = {aws_icmp[i].proto,	      true,
				     aws_icmp[i].type,	      -1,
				     aws_icmp[i].description, NULL};

		/* icmp rows carry IPv4 ranges, icmpv6 rows IPv6 ones. */
		aws_perm(f, &a, &first,
			 strcmp(a.proto, "icmp") ? AWS_V6 : AWS_V4);
	}
	if (!c->drop_echo) {
		struct aws_perm v4 = {"icmp", true, 8, -1, "ICMP echo request",
				      NULL};
		struct aws_perm v6 = {
			"icmpv6", true, 128, -1, "ICMPv6 echo request", NULL};

		aws_perm(f, &v4, &first, AWS_V4);
		aws_perm(f, &v6, &first, AWS_V6);
	}
	n = xr_export_allowed_protos(c, protos, 256);
	for (i = 0; i < n; i++) {
		struct aws_perm a = {num, false, 0, 0, "allow_protocols", NULL};

		snprintf(num, sizeof(num), "%u", protos[i]);
		aws_perm(f, &a, &first, AWS_V4 | AWS_V6);
	}
	fprintf(f, "\n]'\n");
}
