// SPDX-License-Identifier: GPL-2.0
/*
 * `detect [DIR] [-f FILE]... [-o FILE] [--listening] [--json]`: the profile
 * a deployment needs (detect.c), written to stdout or atomically to FILE,
 * with the warnings on stderr. --listening adds the sockets of this host
 * that listen on every address and that the profile drops (sock_diag), with
 * the process that owns each.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "detect.h"
#include "file_replace.h"
#include "json.h"
#include "sockdiag.h"

#define TCP_LISTEN_STATE 10 /* TCP_LISTEN */
#define UDP_UNCONNECTED 7   /* TCP_CLOSE: a UDP socket with no peer */
#define LISTEN_MAX 1024

struct listener {
	uint8_t proto; /* XR_PROTO_* */
	uint16_t port;
	uint8_t family;
	uint32_t inode;
	int pid;
	char comm[32];
};

struct listeners {
	struct listener v[LISTEN_MAX];
	size_t n;
};

static bool wildcard(const struct xr_sock *s)
{
	static const uint8_t zero[16];

	return !memcmp(s->local, zero, s->family == AF_INET ? 4 : 16);
}

static int listener_cb(const struct xr_sock *s, void *arg)
{
	struct listeners *l = arg;
	uint8_t proto = s->proto == IPPROTO_UDP ? XR_PROTO_UDP : XR_PROTO_TCP;
	size_t i;

	if (!wildcard(s) || s->ifindex || l->n >= LISTEN_MAX)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->v[i].proto == proto && l->v[i].port == s->local_port)
			return 0; /* the other family's twin */
	l->v[l->n].proto = proto;
	l->v[l->n].port = s->local_port;
	l->v[l->n].family = s->family;
	l->v[l->n].inode = s->inode;
	l->v[l->n].pid = 0;
	l->n++;
	return 0;
}

/* Which process holds each socket: /proc/PID/fd links to socket:[INODE]. */
static void owners(struct listeners *l)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	char path[600], link[64];
	size_t i;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			unsigned long ino;
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			for (i = 0; i < l->n; i++) {
				FILE *c;

				if (l->v[i].inode != ino || l->v[i].pid)
					continue;
				l->v[i].pid = atoi(p->d_name);
				snprintf(path, sizeof(path), "/proc/%s/comm",
					 p->d_name);
				c = fopen(path, "re");
				if (c) {
					if (fgets(l->v[i].comm,
						  sizeof(l->v[i].comm), c))
						l->v[i].comm[strcspn(
							l->v[i].comm, "\n")] =
							'\0';
					fclose(c);
				}
			}
		}
		closedir(fds);
	}
	closedir(proc);
}

static bool rule_open(const struct xr_policy *p, uint8_t proto, uint16_t port)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].proto == proto &&
		    p->rules[i].first_port <= port &&
		    port <= p->rules[i].last_port)
			return true;
	return false;
}

static bool pub_has(const struct xr_deploy *d, uint8_t proto, uint16_t port)
{
	size_t i;

	for (i = 0; i < d->npubs; i++)
		if (!d->pubs[i].expose && d->pubs[i].proto == proto &&
		    d->pubs[i].first <= port && port <= d->pubs[i].last)
			return true;
	return false;
}

static int warn_listening(struct xr_deploy *d, const struct xr_policy *p)
{
	static const int fams[] = {AF_INET, AF_INET6};
	struct listeners *l = calloc(1, sizeof(*l));
	size_t i, f;
	int err = 0;

	if (!l)
		return -ENOMEM;
	for (f = 0; f < 2 && !err; f++) {
		err = xr_sockdiag_dump(fams[f], IPPROTO_TCP,
				       1U << TCP_LISTEN_STATE, listener_cb, l);
		if (!err)
			err = xr_sockdiag_dump(fams[f], IPPROTO_UDP,
					       1U << UDP_UNCONNECTED,
					       listener_cb, l);
	}
	if (err) {
		fprintf(stderr,
			"detect: error: cannot list this host's "
			"sockets (sock_diag): %s\n",
			strerror(-err));
		free(l);
		return err;
	}
	owners(l);
	for (i = 0; i < l->n; i++) {
		const struct listener *s = &l->v[i];
		bool udp = s->proto == XR_PROTO_UDP;
		char who[64];

		/* Answers to the host's DHCP client pass whatever the ports. */
		if (udp && (s->port == 68 || s->port == 546))
			continue;
		/* Published ports: compose said it, and so did a warning. */
		if (rule_open(p, s->proto, s->port) ||
		    pub_has(d, s->proto, s->port))
			continue;
		if (s->pid)
			snprintf(who, sizeof(who), "%s (pid %d)", s->comm,
				 s->pid);
		else
			snprintf(who, sizeof(who), "a socket (inode %u)",
				 s->inode);
		xr_dwarn(d, "listening", NULL,
			 "%s %s on every address, port %u/%s, and the profile "
			 "drops it: if clients need it, add an allow entry; "
			 "if only this host uses it, bind it to 127.0.0.1",
			 who, udp ? "receives" : "listens", s->port,
			 udp ? "udp" : "tcp");
	}
	free(l);
	return 0;
}

/* -o FILE gets the profile whole or not at all (file_replace.c). */
static int fill_text(FILE *f, void *text)
{
	return fputs(text, f) < 0 ? -EIO : 0;
}

static void detect_json(const struct xr_deploy *d, const struct xr_detected *r)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_start(&j, NULL);
	json_string(&j, "dir", d->dir);
	json_string(&j, "extends", r->base);
	json_array_start(&j, "files");
	for (i = 0; i < d->nfiles; i++)
		json_string(&j, NULL, d->files[i]);
	json_array_end(&j);
	json_array_start(&j, "published");
	for (i = 0; i < d->npubs; i++) {
		const struct xr_publish *p = &d->pubs[i];

		json_object_start(&j, NULL);
		json_string(&j, "service", p->service);
		json_string(&j, "protocol",
			    p->proto == XR_PROTO_UDP ? "udp" : "tcp");
		json_string(&j, "host_ip", p->host_ip);
		json_uint(&j, "first_port", p->first);
		json_uint(&j, "last_port", p->last);
		json_uint(&j, "target_first", p->target_first);
		json_uint(&j, "target_last", p->target_last);
		json_bool(&j, "expose", p->expose);
		json_string(&j, "file", p->loc.file);
		json_uint(&j, "line", p->loc.line);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_start(&j, "opens");
	for (i = 0; i < r->policy->nrules; i++) {
		const struct xr_rule *u = &r->policy->rules[i];

		json_object_start(&j, NULL);
		json_string(&j, "service", u->service);
		json_string(&j, "protocol",
			    u->proto == XR_PROTO_UDP ? "udp" : "tcp");
		json_uint(&j, "first_port", u->first_port);
		json_uint(&j, "last_port", u->last_port);
		json_string(&j, "feature", u->feature);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_start(&j, "warnings");
	for (i = 0; i < d->nwarnings; i++) {
		const struct xr_dwarning *w = &d->warnings[i];

		json_object_start(&j, NULL);
		json_string(&j, "kind", w->kind);
		json_string(&j, "file", w->loc.file ? w->loc.file : "");
		json_uint(&j, "line", w->loc.line);
		json_uint(&j, "col", w->loc.col);
		json_string(&j, "message", w->text);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_string(&j, "profile", r->yaml);
	json_object_end(&j);
	json_finish(&j);
}

int xr_cmd_detect(struct xr_opts *o)
{
	char dir[PATH_MAX];
	struct xr_deploy d;
	struct xr_detected r;
	int err, rc = XR_EXIT_OK;
	/* -o - is standard output, as for export */
	bool to_file = o->output && strcmp(o->output, "-");
	size_t n;

	memset(&d, 0, sizeof(d));
	memset(&r, 0, sizeof(r));
	/* DIR, else the first compose file's directory, else here. */
	if (o->dir) {
		snprintf(dir, sizeof(dir), "%s", o->dir);
	} else if (o->ncompose_files && strchr(o->compose_files[0], '/')) {
		snprintf(dir, sizeof(dir), "%s", o->compose_files[0]);
		*strrchr(dir, '/') = '\0';
		if (!dir[0])
			snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), ".");
	}
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	err = xr_compose_read(&d, dir, o->compose_files, o->ncompose_files,
			      false);
	if (err == -ENOENT && !o->ncompose_files)
		err = 0; /* maybe a plain LiveKit or coturn host */
	if (!err)
		err = xr_detect(&d, &r);
	if (err) {
		/* Nothing written: the deployment is not readable as one. */
		rc = err == -ENOMEM || err == -EIO ? XR_EXIT_RUNTIME
						   : XR_EXIT_USAGE;
		goto out;
	}
	if (o->listening && warn_listening(&d, r.policy)) {
		rc = XR_EXIT_RUNTIME;
		goto out;
	}
	if (to_file) {
		err = xr_file_replace(o->output, fill_text, r.yaml);
		if (err) {
			fprintf(stderr,
				"%s: error: cannot write the profile: "
				"%s\n",
				o->output, strerror(-err));
			rc = XR_EXIT_RUNTIME;
			goto out;
		}
	}
	if (o->json)
		detect_json(&d, &r);
	else if (!to_file)
		fputs(r.yaml, stdout);
	fflush(stdout);
	xr_dwarnings_print(&d);
out:
	xr_detected_free(&r);
	xr_deploy_free(&d);
	return rc;
}
