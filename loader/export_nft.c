// SPDX-License-Identifier: GPL-2.0
/*
 * `export --format nft`: the policy as one nftables table, `table inet
 * xdp_reflector`, that `nft -f` replaces in one transaction. It passes what
 * the XDP program passes (the verdict table of bpf/xdp_reflector.bpf.c):
 * ICMP by type alone and other IP protocols by the class defaults, both
 * before conntrack as in XDP; then replies (conntrack's established,related
 * for the filter's flow table), DHCP answers to the host's client, and the
 * ports, open ones as sets, source-restricted ones as rules with saddr.
 */
#include <arpa/inet.h>
#include <string.h>

#include "export.h"

/* nft strings cannot escape a quote: profile text loses those. */
static const char *nft_text(const char *s, char *buf, size_t len)
{
	return xr_export_clean(s, "\"\\", '\'', buf, len);
}

static void port_set(FILE *f, const struct xr_policy *p, uint8_t proto)
{
	char svc[XR_SERVICE_MAX];
	bool first = true;
	size_t i;

	fprintf(f, "\t# %s ports open to everyone\n", xr_export_proto(proto));
	fprintf(f,
		"\tset %s_ports {\n\t\ttype inet_service\n"
		"\t\tflags interval\n",
		xr_export_proto(proto));
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		if (r->proto != proto || r->nsources)
			continue;
		fprintf(f, "%s", first ? "\t\telements = {\n" : ",\n");
		first = false;
		if (r->first_port == r->last_port)
			fprintf(f, "\t\t\t%u", r->first_port);
		else
			fprintf(f, "\t\t\t%u-%u", r->first_port, r->last_port);
		fprintf(f, " comment \"%s\"",
			nft_text(r->service, svc, sizeof(svc)));
	}
	if (!first)
		fprintf(f, "\n\t\t}\n");
	fprintf(f, "\t}\n\n");
}

/* "ip saddr { 192.0.2.0/24 } tcp dport 8888 accept comment ..." */
static void source_rule(FILE *f, const struct xr_rule *r, int family)
{
	char cidr[INET6_ADDRSTRLEN + 8], svc[XR_SERVICE_MAX];
	bool first = true;
	size_t i;

	fprintf(f, "\t\t%s saddr { ", family == AF_INET ? "ip" : "ip6");
	for (i = 0; i < r->nsources; i++) {
		if (r->sources[i].family != family)
			continue;
		xr_cidr_format(&r->sources[i], cidr, sizeof(cidr));
		fprintf(f, "%s%s", first ? "" : ", ", cidr);
		first = false;
	}
	fprintf(f, " } %s dport ", xr_export_proto(r->proto));
	if (r->first_port == r->last_port)
		fprintf(f, "%u", r->first_port);
	else
		fprintf(f, "%u-%u", r->first_port, r->last_port);
	fprintf(f, " accept comment \"%s\"\n",
		nft_text(r->service, svc, sizeof(svc)));
}

static void limits(FILE *f, const struct xr_policy *p)
{
	const struct xr_class_policy *c = &p->classes;

	xr_export_limit(f, "ports that Docker publishes are DNAT'ed before "
			   "input and filtered in the forward hook: this "
			   "input chain does not see them (the XDP filter "
			   "does, before NAT)");
	if (c->replies)
		xr_export_note(f,
			       "replies: conntrack's established,related "
			       "stands for the filter's flow table; "
			       "conntrack keeps its own timeouts, not "
			       "reply_timeouts (tcp %us, udp %us, closed %us)",
			       c->reply_tcp_secs, c->reply_udp_secs,
			       c->reply_closed_secs);
	else
		xr_export_note(f, "replies: false: no ct state rule, so only "
				  "open ports and the classes below pass");
	if (!c->drop_frags && c->replies)
		xr_export_note(f, "fragments: pass: the kernel reassembles "
				  "before this chain, which judges the whole "
				  "datagram by its ports");
	else if (!c->drop_frags)
		/* Without a ct expression nf_defrag_ipv6 is not in use. */
		xr_export_limit(f, "fragments: pass with replies: false - "
				   "without conntrack IPv6 is reassembled "
				   "after this chain, which drops later IPv6 "
				   "fragments (they carry no ports)");
}

static void icmp_rules(FILE *f, const struct xr_class_policy *c)
{
	const char *echo = c->drop_echo ? "drop" : "accept";

	fprintf(f, "\t\t# ICMP by type alone, before conntrack, as the XDP "
		   "program judges it: errors (path MTU), echo replies, "
		   "neighbour and router discovery, MLD always\n");
	fprintf(f, "\t\ticmp type { echo-reply, destination-unreachable, "
		   "time-exceeded, parameter-problem } accept\n");
	fprintf(f,
		"\t\ticmp type echo-request %s comment \"echo_requests: "
		"%s\"\n",
		echo, c->drop_echo ? "drop" : "pass");
	fprintf(f, "\t\ticmpv6 type { destination-unreachable, packet-too-big, "
		   "time-exceeded, parameter-problem, echo-reply, "
		   "mld-listener-query, mld-listener-report, "
		   "mld-listener-done, nd-router-solicit, nd-router-advert, "
		   "nd-neighbor-solicit, nd-neighbor-advert, nd-redirect, "
		   "mld2-listener-report } accept\n");
	fprintf(f,
		"\t\ticmpv6 type echo-request %s comment \"echo_requests: "
		"%s\"\n",
		echo, c->drop_echo ? "drop" : "pass");
	fprintf(f,
		"\t\tmeta l4proto { icmp, ipv6-icmp } %s comment "
		"\"icmp_informational: %s\"\n",
		c->icmp_info_pass ? "accept" : "drop",
		c->icmp_info_pass ? "pass" : "drop");
}

static void other_ip_rules(FILE *f, const struct xr_class_policy *c)
{
	unsigned int protos[256];
	size_t n = xr_export_allowed_protos(c, protos, 256), i;

	fprintf(f, "\t\t# IP protocols other than TCP, UDP and ICMP: the "
		   "profile's default, before conntrack as in XDP\n");
	if (n) {
		fprintf(f, "\t\tmeta l4proto { ");
		for (i = 0; i < n; i++)
			fprintf(f, "%s%u", i ? ", " : "", protos[i]);
		fprintf(f, " } accept comment \"allow_protocols\"\n");
	}
	fprintf(f,
		"\t\tmeta l4proto != { tcp, udp } %s comment "
		"\"other_protocols: %s\"\n",
		c->other_ip_pass ? "accept" : "drop",
		c->other_ip_pass ? "pass" : "drop");
}

void xr_export_nft(FILE *f, const struct xr_policy *p)
{
	const struct xr_class_policy *c = &p->classes;
	size_t i;

	fprintf(f, "#!/usr/sbin/nft -f\n");
	xr_export_header(f, p, "nft");
	limits(f, p);
	fprintf(f, "# Load with `nft -f FILE`: the table is replaced in one "
		   "transaction.\n\n");
	/* Declared first so that the delete finds it on a first load. */
	fprintf(f, "table inet xdp_reflector\ndelete table inet "
		   "xdp_reflector\n\n");
	fprintf(f, "table inet xdp_reflector {\n");
	port_set(f, p, XR_PROTO_TCP);
	port_set(f, p, XR_PROTO_UDP);
	if (c->drop_frags) {
		/*
		 * Before conntrack's defragmentation (priority -400): after
		 * it the input hook sees whole datagrams only.
		 */
		fprintf(f, "\t# fragments: drop - every fragment, first ones "
			   "included, before the kernel reassembles them\n");
		fprintf(f, "\tchain fragments {\n\t\ttype filter hook "
			   "prerouting priority -450; policy accept;\n");
		fprintf(f, "\t\tiif \"lo\" accept\n");
		fprintf(f, "\t\tip frag-off & 0x3fff != 0 drop\n");
		fprintf(f, "\t\texthdr frag exists drop\n\t}\n\n");
	}
	fprintf(f, "\tchain input {\n\t\ttype filter hook input priority "
		   "filter; policy drop;\n");
	fprintf(f, "\t\tiif \"lo\" accept comment \"loopback: the XDP filter "
		   "never sees it\"\n");
	icmp_rules(f, c);
	other_ip_rules(f, c);
	if (c->replies)
		fprintf(f, "\t\tct state established,related accept comment "
			   "\"replies: true\"\n");
	fprintf(f, "\t\tmeta nfproto ipv4 udp sport 67 udp dport 68 accept "
		   "comment \"DHCP answers to the host's client\"\n");
	fprintf(f, "\t\tmeta nfproto ipv6 udp sport 547 udp dport 546 accept "
		   "comment \"DHCPv6 answers to the host's client\"\n");
	fprintf(f, "\t\ttcp dport @tcp_ports accept\n");
	fprintf(f, "\t\tudp dport @udp_ports accept\n");
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		if (!r->nsources)
			continue;
		if (xr_export_has_family(r, AF_INET))
			source_rule(f, r, AF_INET);
		if (xr_export_has_family(r, AF_INET6))
			source_rule(f, r, AF_INET6);
	}
	fprintf(f, "\t}\n}\n");
}
