// SPDX-License-Identifier: GPL-2.0
/*
 * `check PROFILE`: validate and compile a profile with the operator's toggles
 * and show what the packet path would be given, without touching the kernel.
 * `profiles`: list the built-in profiles and their features.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "policy.h"
#include "profile.h"

static const char *proto_text(uint8_t proto)
{
	return proto == XR_PROTO_TCP ? "tcp" : "udp";
}

/* "any", or the rule's sources joined by commas. */
static void sources_text(const struct xr_rule *r, char *buf, size_t len)
{
	char one[INET6_ADDRSTRLEN + 8];
	size_t i, used = 0;

	if (!r->nsources) {
		snprintf(buf, len, "any");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < r->nsources && used < len; i++) {
		int w;

		xr_cidr_format(&r->sources[i], one, sizeof(one));
		w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used >= len && len > 4)
		strcpy(buf + len - 4, "...");
}

/* "guard webrtc, rate 20/s burst 40", or "-". */
static void limits_text(const struct xr_rule *r, char *buf, size_t len)
{
	char rate[64];

	xr_rate_text(&r->rate, rate, sizeof(rate));
	snprintf(buf, len, "%s%s%s%s", r->guard ? "guard webrtc" : "",
		 r->guard && rate[0] ? ", " : "", rate[0] ? "rate " : "", rate);
	if (!buf[0])
		snprintf(buf, len, "-");
}

static const char *pass_word(bool pass)
{
	return pass ? "pass" : "drop";
}

/* The class defaults in the words of the profile's `defaults`. */
static void defaults_json(struct json *j, const struct xr_class_policy *c)
{
	int proto;

	json_object_start(j, "defaults");
	json_string(j, "echo_requests", pass_word(!c->drop_echo));
	json_string(j, "icmp_informational", pass_word(c->icmp_info_pass));
	json_string(j, "fragments", pass_word(!c->drop_frags));
	json_string(j, "other_protocols", pass_word(c->other_ip_pass));
	json_array_start(j, "allow_protocols");
	for (proto = 0; proto < 256; proto++)
		if (c->other_ip_allow[proto / 64] & (1ULL << (proto % 64)))
			json_uint(j, NULL, (unsigned int)proto);
	json_array_end(j);
	json_bool(j, "replies", c->replies);
	json_object_start(j, "reply_timeouts");
	json_uint(j, "tcp", c->reply_tcp_secs);
	json_uint(j, "udp", c->reply_udp_secs);
	json_uint(j, "closed", c->reply_closed_secs);
	json_object_end(j);
	json_object_end(j);
}

static void check_json(const struct xr_policy *p)
{
	char cidr[INET6_ADDRSTRLEN + 8];
	struct json j;
	size_t i, k;

	json_init(&j, stdout);
	json_object_start(&j, NULL);
	json_string(&j, "profile", p->name);
	json_object_start(&j, "features");
	for (i = 0; i < p->nfeatures; i++)
		json_bool(&j, p->features[i].name, p->features[i].enabled);
	json_object_end(&j);
	json_array_start(&j, "rules");
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		json_object_start(&j, NULL);
		json_string(&j, "service", r->service);
		json_string(&j, "protocol", proto_text(r->proto));
		json_uint(&j, "first_port", r->first_port);
		json_uint(&j, "last_port", r->last_port);
		json_array_start(&j, "sources");
		for (k = 0; k < r->nsources; k++) {
			xr_cidr_format(&r->sources[k], cidr, sizeof(cidr));
			json_string(&j, NULL, cidr);
		}
		json_array_end(&j);
		json_string(&j, "feature", r->feature);
		if (r->guard)
			json_string(&j, "guard", "webrtc");
		if (r->rate.count) {
			char per[32];

			snprintf(per, sizeof(per), "%u/%s", r->rate.count,
				 r->rate.period == 60 ? "min" : "s");
			json_object_start(&j, "rate");
			json_string(&j, "per_source", per);
			json_uint(&j, "burst", r->rate.burst);
			json_object_end(&j);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	defaults_json(&j, &p->classes);
	json_uint(&j, "rate_sources", p->rate_sources);
	json_object_end(&j);
	json_finish(&j);
}

static void check_table(const struct xr_policy *p)
{
	int wsvc = (int)strlen("SERVICE"), wsrc = (int)strlen("SOURCES");
	int wfeat = (int)strlen("FEATURE");
	char src[256], ports[16], limits[96];
	bool any_limits = false;
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		int l = (int)strlen(p->rules[i].service);

		if (l > wsvc)
			wsvc = l;
		sources_text(&p->rules[i], src, sizeof(src));
		if ((int)strlen(src) > wsrc)
			wsrc = (int)strlen(src);
		if ((int)strlen(p->rules[i].feature) > wfeat)
			wfeat = (int)strlen(p->rules[i].feature);
		if (p->rules[i].guard || p->rules[i].rate.count)
			any_limits = true;
	}
	printf("profile %s%s%s\n", p->name, p->description[0] ? ": " : "",
	       p->description);
	/* LIMITS only when a rule has a guard or a rate. */
	printf("%-*s  %-5s  %-11s  %-*s  %-*s%s\n", wsvc, "SERVICE", "PROTO",
	       "PORTS", wsrc, "SOURCES", any_limits ? wfeat : 0, "FEATURE",
	       any_limits ? "  LIMITS" : "");
	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		sources_text(r, src, sizeof(src));
		limits_text(r, limits, sizeof(limits));
		printf("%-*s  %-5s  %-11s  %-*s  %-*s%s%s\n", wsvc, r->service,
		       proto_text(r->proto),
		       xr_ports_text(r->first_port, r->last_port, ports,
				     sizeof(ports)),
		       wsrc, src, any_limits ? wfeat : 0,
		       r->feature[0] ? r->feature : "-",
		       any_limits ? "  " : "", any_limits ? limits : "");
	}
	if (!p->nrules)
		printf("(no ports open: only replies, ICMP and the classes "
		       "below pass)\n");
	if (p->nfeatures) {
		int wname = 0;

		for (i = 0; i < p->nfeatures; i++)
			if ((int)strlen(p->features[i].name) > wname)
				wname = (int)strlen(p->features[i].name);
		printf("features:\n");
		for (i = 0; i < p->nfeatures; i++)
			printf("  %-*s  %-3s  %s\n", wname, p->features[i].name,
			       p->features[i].enabled ? "on" : "off",
			       p->features[i].description);
	}
	printf("echo requests %s, fragments %s, other protocols %s, replies %s",
	       p->classes.drop_echo ? "drop" : "pass",
	       p->classes.drop_frags ? "drop" : "pass",
	       p->classes.other_ip_pass ? "pass" : "drop",
	       p->classes.replies ? "pass" : "drop");
	if (p->classes.replies)
		printf(" (tcp %us, udp %us, closed %us)",
		       p->classes.reply_tcp_secs, p->classes.reply_udp_secs,
		       p->classes.reply_closed_secs);
	printf("\n");
	printf("informational ICMP (timestamp, node information, redirects, "
	       "...) %s\n",
	       p->classes.icmp_info_pass ? "pass" : "drop");
	{
		char list[1024];
		size_t used = 0;
		int proto;

		list[0] = '\0';
		for (proto = 0; proto < 256; proto++)
			if (p->classes.other_ip_allow[proto / 64] &
			    (1ULL << (proto % 64)))
				used += (size_t)snprintf(list + used,
							 sizeof(list) - used,
							 " %d", proto);
		if (used)
			printf("IP protocols always passed:%s\n", list);
	}
	printf("digest %016llx\n", (unsigned long long)xr_policy_digest(p));
}

/*
 * O's profile compiled with O's toggles, its error reported once as `check`
 * reports it (export uses it too, so both say the same). Returns the exit code.
 */
int xr_check_build(const struct xr_opts *o, struct xr_policy **p)
{
	int err = xr_policy_build(o->profile, &o->toggles, p);

	if (err && err != -EINVAL && err != -ENOMEM && !*xr_last_error())
		fprintf(stderr, "%s: error: %s\n", o->profile, strerror(-err));
	return err ? xr_exit_code(err) : XR_EXIT_OK;
}

int xr_cmd_check(struct xr_opts *o)
{
	struct xr_policy *p;
	int err;

	if (!o->profile) {
		fprintf(stderr,
			"check: error: no profile given; write xdp-reflector "
			"check PROFILE (a built-in name or a .yaml path)\n");
		return XR_EXIT_USAGE;
	}
	err = xr_check_build(o, &p);
	if (err)
		return err;
	if (o->json)
		check_json(p);
	else
		check_table(p);
	xr_policy_free(p);
	return XR_EXIT_OK;
}

static int yaml_filter(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return d->d_name[0] != '.' && l > 5 &&
	       !strcmp(d->d_name + l - 5, ".yaml");
}

static void profile_json(struct json *j, const struct xr_profile *p,
			 const char *file)
{
	size_t i;

	json_object_start(j, NULL);
	json_string(j, "name", p->name);
	json_string(j, "file", file);
	json_string(j, "description", p->description);
	json_array_start(j, "features");
	for (i = 0; i < p->nfeatures; i++) {
		const struct xr_feature *f = &p->features[i];

		json_object_start(j, NULL);
		json_string(j, "name", f->name);
		json_bool(j, "default", f->enabled);
		json_string(j, "description", f->description);
		json_string(j, "required", f->required);
		json_string(j, "sources",
			    f->sources_required ? "required" : "optional");
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void profile_text(const struct xr_profile *p, const char *file)
{
	int wname = (int)strlen("FEATURE");
	size_t i;

	printf("%s: %s\n", p->name, p->description);
	printf("  file: %s\n", file);
	if (!p->nfeatures)
		return;
	for (i = 0; i < p->nfeatures; i++)
		if ((int)strlen(p->features[i].name) > wname)
			wname = (int)strlen(p->features[i].name);
	printf("  %-*s  DEFAULT  DESCRIPTION\n", wname, "FEATURE");
	for (i = 0; i < p->nfeatures; i++) {
		const struct xr_feature *f = &p->features[i];

		printf("  %-*s  %-7s  %s%s%s%s%s\n", wname, f->name,
		       f->enabled ? "on" : "off", f->description,
		       f->required[0] ? " [" : "", f->required,
		       f->required[0] ? "]" : "",
		       f->sources_required ? " (needs --source)" : "");
	}
}

int xr_cmd_profiles(struct xr_opts *o)
{
	const char *const *dirs = xr_profile_dirs(), *dir = NULL;
	struct dirent **names = NULL;
	int n = -1, i, shown = 0, rc = XR_EXIT_OK;
	char path[PATH_MAX];
	struct json j;

	for (; *dirs; dirs++) {
		n = scandir(*dirs, &names, yaml_filter, alphasort);
		if (n >= 0) {
			dir = *dirs;
			break;
		}
	}
	if (!dir) {
		fprintf(stderr, "profiles: error: no profile directory found "
				"(searched");
		for (dirs = xr_profile_dirs(); *dirs; dirs++)
			fprintf(stderr, " %s", *dirs);
		fprintf(stderr,
			"); set XDP_REFLECTOR_PROFILE_DIR or reinstall\n");
		return XR_EXIT_RUNTIME;
	}
	if (o->json) {
		json_init(&j, stdout);
		json_object_start(&j, NULL);
		json_string(&j, "dir", dir);
		json_array_start(&j, "profiles");
	}
	for (i = 0; i < n; i++) {
		struct xr_profile *p;
		int err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		err = xr_profile_load(path, &p);
		xr_warnings_flush(!err);
		if (err) {
			if (xr_exit_code(err) > rc)
				rc = xr_exit_code(err);
			continue;
		}
		if (o->json)
			profile_json(&j, p, path);
		else
			profile_text(p, path);
		shown++;
		xr_profile_free(p);
	}
	free(names);
	if (o->json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (!shown) {
		printf("no profiles in %s\n", dir);
	}
	return rc;
}
