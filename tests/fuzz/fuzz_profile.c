// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the profile loader, from bytes to a compiled policy or
 * an error, through the one call every command makes (xr_policy_build:
 * read, YAML, schema, extends, overlaps, toggles, compile).
 *
 * Each input is written to a file of its own temporary directory (the
 * loader reads files; `extends` resolves relative to it, built-in names to
 * policies/ of this tree), then:
 *  - success: no error was reported, and the rules are sorted, disjoint,
 *    within 1-65535, and agree with the port tables;
 *  - -EINVAL: exactly one error was reported, and when it is about this
 *    file its line:column is a character of the input (1:1 for an empty
 *    one), counted as libyaml counts (LF, CR, CRLF, NEL, LS, PS end lines;
 *    a column is a character, a stray byte of invalid UTF-8 one too);
 *  - any other return is a finding, as is what the sanitizers report.
 * A line "# args: --enable F --disable F --source F=CIDR" in the input (as
 * in tests/profiles) becomes the operator's toggles, so they are fuzzed too.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "policy.h"
#include "toggles.h"
#include "yaml_doc.h"

#ifndef XR_FUZZ_POLICIES
#define XR_FUZZ_POLICIES "policies"
#endif

/* $TMPDIR/xr-fuzz-profile-XXXXXX/p.yaml: a crash leaves it behind. */
static char dir[4096];
static char path[sizeof(dir) + 16];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char abs[4096];

	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/xr-fuzz-profile-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("fuzz_profile: mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/p.yaml", dir);
	atexit(cleanup);
	/* Built-in names resolve to this tree's policies/, whatever is
	 * installed. */
	if (!getenv("XDP_REFLECTOR_PROFILE_DIR") &&
	    realpath(XR_FUZZ_POLICIES, abs))
		setenv("XDP_REFLECTOR_PROFILE_DIR", abs, 1);
	xr_errors_quiet(true);
	return 0;
}

/* Is LINE:COL (1-based) the position of a character of B[0..N)? */
static int in_input(const uint8_t *b, size_t n, unsigned int line,
		    unsigned int col)
{
	unsigned int l = 1, c = 1, want;
	size_t i = 0, br;

	if (!n)
		return line == 1 && col == 1;
	while (i < n) {
		if (l == line && c == col)
			return 1;
		br = xr_yaml_line_break(b + i, n - i);
		if (br) {
			i += br;
			l++;
			c = 1;
			continue;
		}
		/*
		 * One character: a lead byte and the continuation bytes it
		 * announces; a stray byte of invalid UTF-8 is one.
		 */
		want = b[i] >= 0xf0   ? 3
		       : b[i] >= 0xe0 ? 2
		       : b[i] >= 0xc0 ? 1
				      : 0;
		for (i++; want && i < n && (b[i] & 0xc0) == 0x80; want--)
			i++;
		c++;
	}
	return 0;
}

/* The words of the input's "# args: " line into *T (pointing into ARGS). */
static void toggles_of(const uint8_t *data, size_t len, char *args, size_t cap,
		       struct xr_toggles *t)
{
	const char *at = memmem(data, len, "# args: ", 8), *end;
	char *w, *save, *opt = NULL;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (!at)
		return;
	at += 8;
	end = memchr(at, '\n', len - (size_t)(at - (const char *)data));
	n = end ? (size_t)(end - at) : len - (size_t)(at - (const char *)data);
	if (n >= cap)
		n = cap - 1;
	memcpy(args, at, n);
	args[n] = '\0';
	for (w = strtok_r(args, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		if (!opt) {
			opt = w;
			continue;
		}
		if (!strcmp(opt, "--enable") && t->nenable < XR_TOGGLES_MAX)
			t->enable[t->nenable++] = w;
		else if (!strcmp(opt, "--disable") &&
			 t->ndisable < XR_TOGGLES_MAX)
			t->disable[t->ndisable++] = w;
		else if (!strcmp(opt, "--source") &&
			 t->nsource < XR_TOGGLES_MAX)
			t->source[t->nsource++] = w;
		opt = NULL;
	}
}

static void finding(const char *what, const uint8_t *data, size_t len)
{
	fprintf(stderr,
		"fuzz_profile: %s\n  last error: %s\n  input (%zu "
		"bytes):\n%.*s\n",
		what, xr_last_error(), len, (int)(len < 2000 ? len : 2000),
		(const char *)data);
	abort();
}

static void check_policy(const struct xr_policy *p, const uint8_t *data,
			 size_t len)
{
	static const uint8_t any[16] = {192, 0, 2, 1};
	size_t i;
	unsigned int port, proto, covered[XR_PROTOS] = {0},
				  open[XR_PROTOS] = {0};

	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		if (r->proto > XR_PROTO_UDP || !r->first_port ||
		    r->first_port > r->last_port)
			finding("a rule with a bad protocol or range", data,
				len);
		if (i && (p->rules[i - 1].proto > r->proto ||
			  (p->rules[i - 1].proto == r->proto &&
			   p->rules[i - 1].last_port >= r->first_port)))
			finding("rules not sorted and disjoint", data, len);
		if (!r->service[0] ||
		    memchr(r->service, 0, sizeof(r->service)) == NULL)
			finding("a rule without a service label", data, len);
		covered[r->proto] += r->last_port - r->first_port + 1u;
		/* A rule without sources opens its ports to anyone. */
		if (!r->nsources &&
		    (!xr_policy_allows(p, r->proto, r->first_port, AF_INET,
				       any) ||
		     !xr_policy_allows(p, r->proto, r->last_port, AF_INET6,
				       any)))
			finding("a rule's port is not allowed", data, len);
	}
	if (xr_policy_digest(p) != xr_policy_digest(p))
		finding("the digest is not stable", data, len);
	/* The port tables open exactly the ports the rules cover. */
	for (proto = 0; proto < XR_PROTOS; proto++) {
		for (port = 0; port < XR_PORTS_PER_PROTO; port++)
			if (p->ports[proto][port].flags & XR_PORT_ALLOW)
				open[proto]++;
		if (open[proto] != covered[proto])
			finding("port tables and rules differ", data, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char args[512];
	struct xr_toggles toggles;
	struct xr_policy *pol = NULL;
	const struct xr_loc *loc;
	unsigned int before;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd)) {
		perror("fuzz_profile: writing the input");
		exit(1);
	}
	toggles_of(data, len, args, sizeof(args), &toggles);
	before = xr_error_count();
	err = xr_policy_build(path, &toggles, &pol);
	xr_warnings_flush(false);
	if (!err) {
		if (xr_error_count() != before)
			finding("an error reported, yet the profile loaded",
				data, len);
		check_policy(pol, data, len);
		xr_policy_free(pol);
		return 0;
	}
	if (err != -EINVAL)
		finding(err == -ENOMEM ? "out of memory"
				       : "neither a policy nor a profile error",
			data, len);
	if (xr_error_count() != before + 1)
		finding("a failed profile must report exactly one error", data,
			len);
	loc = xr_last_error_loc();
	if (loc && !strcmp(loc->file, path) &&
	    !in_input(data, len, loc->line, loc->col)) {
		char what[96];

		snprintf(what, sizeof(what),
			 "error position %u:%u is not in the input", loc->line,
			 loc->col);
		finding(what, data, len);
	}
	return 0;
}
