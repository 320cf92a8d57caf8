// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `export`'s renderers (export.c, export_nft.c, export_ufw.c,
 * export_cloud.c): small profiles compiled as `check` compiles them,
 * rendered into memory. The nft output against the kernel and against the
 * XDP filter is tests/e2e/export.sh; against Reflector's firewall page,
 * tests/profiles/export.sh.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "export.h"
#include "toggles.h"

static char tmpdir[] = "/tmp/xr-test-export-XXXXXX";

static struct xr_policy *build(const char *text)
{
	struct xr_toggles t = {0};
	struct xr_policy *p = NULL;
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	if (xr_policy_build(path, &t, &p))
		fail_msg("profile failed to build: %s", xr_last_error());
	return p;
}

/* P rendered as FORMAT; free() it. */
static char *render(const struct xr_policy *p, enum xr_export_format format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(xr_export_write(p, format, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void has(const char *out, const char *what)
{
	if (!strstr(out, what))
		fail_msg("output lacks '%s':\n%s", what, out);
}

static void lacks(const char *out, const char *what)
{
	if (strstr(out, what))
		fail_msg("output has '%s':\n%s", what, out);
}

static const char mixed[] =
	"name: mixed\n"
	"allow:\n"
	"  - {service: Web, protocol: tcp, port: 443}\n"
	"  - {service: Media, protocol: udp, ports: 1000-1010}\n"
	"  - {service: Admin, protocol: tcp, port: 8888,\n"
	"     sources: [192.0.2.0/24, 2001:db8::/32]}\n"
	"  - {service: Four, protocol: tcp, port: 9000, sources: "
	"[198.51.100.0/24]}\n";

static void test_format_names_and_list(void **state)
{
	(void)state;
	assert_int_equal(xr_export_format_parse("nft"), XR_EXPORT_NFT);
	assert_int_equal(xr_export_format_parse("ufw"), XR_EXPORT_UFW);
	assert_int_equal(xr_export_format_parse("doctl"), XR_EXPORT_DOCTL);
	assert_int_equal(xr_export_format_parse("aws"), XR_EXPORT_AWS);
	assert_int_equal(xr_export_format_parse("NFT"), -EINVAL);
	assert_int_equal(xr_export_format_parse(""), -EINVAL);
	assert_int_equal(xr_export_format_parse(NULL), -EINVAL);
	assert_string_equal(xr_export_format_list(), "nft, ufw, doctl, aws");
}

static void test_nft_open_ports_in_sets_sources_as_rules(void **state)
{
	struct xr_policy *p = build(mixed);
	char *out = render(p, XR_EXPORT_NFT);

	(void)state;
	has(out, "\t\t\t443 comment \"Web\"\n");
	has(out, "\t\t\t1000-1010 comment \"Media\"\n");
	has(out, "ip saddr { 192.0.2.0/24 } tcp dport 8888 accept");
	has(out, "ip6 saddr { 2001:db8::/32 } tcp dport 8888 accept");
	has(out, "ip saddr { 198.51.100.0/24 } tcp dport 9000 accept");
	/* An IPv4-only source list gives no IPv6 rule: IPv6 meets the drop. */
	lacks(out, "ip6 saddr { } tcp dport 9000");
	lacks(out, "tcp dport 9000 accept comment \"Four\"\n\t\tip6");
	/* Source-restricted ports are not in the open sets. */
	lacks(out, "8888 comment");
	has(out, "policy drop;");
	has(out, "ct state established,related accept");
	free(out);
	xr_policy_free(p);
}

static void test_nft_set_without_ports_has_no_elements(void **state)
{
	struct xr_policy *p =
		build("name: u\nallow:\n"
		      "  - {service: M, protocol: udp, port: 5}\n");
	char *out = render(p, XR_EXPORT_NFT);
	char *tcp = strstr(out, "set tcp_ports {"), *end;

	(void)state;
	assert_non_null(tcp);
	end = strstr(tcp, "\n\t}\n");
	assert_non_null(end);
	/* nft refuses an empty elements list: the set is declared bare. */
	assert_true(strstr(tcp, "elements") > end);
	has(out, "set udp_ports {");
	has(out, "\t\t\t5 comment \"M\"");
	free(out);
	xr_policy_free(p);
}

static void test_every_format_names_its_origin(void **state)
{
	struct xr_policy *p = build("name: bare\n");
	int fmt;

	(void)state;
	for (fmt = 0; fmt < XR_EXPORT_FORMATS; fmt++) {
		char *out = render(p, fmt), want[64];

		snprintf(want, sizeof(want),
			 "# xdp-reflector export --format %s\n",
			 fmt == XR_EXPORT_NFT	  ? "nft"
			 : fmt == XR_EXPORT_UFW	  ? "ufw"
			 : fmt == XR_EXPORT_DOCTL ? "doctl"
						  : "aws");
		has(out, want);
		has(out, "# profile: bare\n");
		has(out, "# features: (none)\n");
		has(out, "# policy digest: ");
		free(out);
	}
	xr_policy_free(p);
}

static void test_profile_text_cannot_leave_its_quotes(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(
		xr_export_clean("a\"b\\c", "\"\\", '\'', buf, sizeof(buf)),
		"a'b'c");
	assert_string_equal(
		xr_export_clean("one\ntwo\r\x7f", NULL, 0, buf, sizeof(buf)),
		"one two  ");
	assert_string_equal(xr_export_clean("abcdef", NULL, 0, buf, 4), "abc");
}

static void test_nft_comment_of_a_quoted_service(void **state)
{
	struct xr_policy *p = build("name: q\nallow:\n"
				    "  - {service: 'say \"hi\"', protocol: "
				    "tcp, port: 7}\n");
	char *out = render(p, XR_EXPORT_NFT);

	(void)state;
	has(out, "7 comment \"say 'hi'\"");
	free(out);
	xr_policy_free(p);
}

static void test_ufw_one_line_per_source(void **state)
{
	struct xr_policy *p = build(mixed);
	char *out = render(p, XR_EXPORT_UFW);

	(void)state;
	has(out, "\nufw allow 443/tcp comment 'Web'\n");
	has(out, "\nufw allow 1000:1010/udp comment 'Media'\n");
	has(out, "\nufw allow from 192.0.2.0/24 to any port 8888 proto tcp "
		 "comment 'Admin'\n");
	has(out, "\nufw allow from 2001:db8::/32 to any port 8888 proto tcp "
		 "comment 'Admin'\n");
	lacks(out, "ufw allow 8888");
	free(out);
	xr_policy_free(p);
}

static void test_doctl_sources_and_everyone(void **state)
{
	struct xr_policy *p = build(mixed);
	char *out = render(p, XR_EXPORT_DOCTL);

	(void)state;
	has(out, "protocol:tcp,ports:443,address:0.0.0.0/0,address:::/0 ");
	has(out, "protocol:tcp,ports:8888,address:192.0.2.0/24,address:2001:"
		 "db8::/32 ");
	has(out, "protocol:udp,ports:1000-1010,address:0.0.0.0/0,address:::/0");
	has(out, "  --name mixed \\\n");
	free(out);
	xr_policy_free(p);
}

static void test_aws_ranges_by_family_and_description_charset(void **state)
{
	struct xr_policy *p =
		build("name: a\nallow:\n"
		      "  - {service: \"Caf\xc3\xa9 \xe2\x80\x94 it's\", "
		      "protocol: tcp, "
		      "port: 1}\n"
		      "  - {service: Four, protocol: tcp, port: 9000, sources: "
		      "[198.51.100.0/24]}\n");
	char *out = render(p, XR_EXPORT_AWS);

	(void)state;
	has(out, "\"Description\":\"Caf- - it-s\"");
	has(out,
	    "{\"IpProtocol\":\"tcp\",\"FromPort\":9000,\"ToPort\":9000,"
	    "\"IpRanges\":[{\"CidrIp\":\"198.51.100.0/24\",\"Description\":"
	    "\"Four\"}]}");
	has(out, "{\"IpProtocol\":\"icmpv6\",\"FromPort\":2,\"ToPort\":-1,");
	free(out);
	xr_policy_free(p);
}

static void test_write_error_is_eio(void **state)
{
	struct xr_policy *p = build(mixed);
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(xr_export_write(p, XR_EXPORT_NFT, f), -EIO);
	fclose(f);
	xr_policy_free(p);
}

static int setup(void **state)
{
	(void)state;
	xr_errors_quiet(true);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/p.yaml", tmpdir);
	unlink(path);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names_and_list),
		cmocka_unit_test(test_nft_open_ports_in_sets_sources_as_rules),
		cmocka_unit_test(test_nft_set_without_ports_has_no_elements),
		cmocka_unit_test(test_every_format_names_its_origin),
		cmocka_unit_test(test_profile_text_cannot_leave_its_quotes),
		cmocka_unit_test(test_nft_comment_of_a_quoted_service),
		cmocka_unit_test(test_ufw_one_line_per_source),
		cmocka_unit_test(test_doctl_sources_and_everyone),
		cmocka_unit_test(
			test_aws_ranges_by_family_and_description_charset),
		cmocka_unit_test(test_write_error_is_eio),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
