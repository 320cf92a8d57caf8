// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iftopo.h"
#include "sockdiag.h"
#include "ssh_guard.h"

struct ssh_session {
	int family;
	unsigned char client[16], server[16];
	char client_txt[INET6_ADDRSTRLEN + IF_NAMESIZE + 1],
		server_txt[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	char scope[IF_NAMESIZE + 1]; /* the server address's %scope, or "" */
	unsigned int server_port;
};

/*
 * Cut a "%scope" off TXT (sshd writes link-local addresses as
 * fe80::1%eth0) into SCOPE, and a v4-mapped prefix (the IPv4 client of a
 * dual-stack sshd shows as ::ffff:a.b.c.d).
 */
static void strip_address(char *txt, char *scope, size_t len)
{
	char *pct = strchr(txt, '%');

	if (pct) {
		if (scope)
			snprintf(scope, len, "%s", pct + 1);
		*pct = '\0';
	}
	if (!strncmp(txt, "::ffff:", 7) && strchr(txt, '.'))
		memmove(txt, txt + 7, strlen(txt + 7) + 1);
}

/* SSH_CONNECTION is "CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT". */
static int parse_session(const char *env, struct ssh_session *s)
{
	unsigned int client_port;

	memset(s, 0, sizeof(s[0]));
	if (sscanf(env, "%62s %u %62s %u", s->client_txt, &client_port,
		   s->server_txt, &s->server_port) != 4 ||
	    s->server_port == 0 || s->server_port > 65535)
		return -EINVAL;
	strip_address(s->client_txt, NULL, 0);
	strip_address(s->server_txt, s->scope, sizeof(s->scope));
	if (inet_pton(AF_INET, s->client_txt, s->client) == 1 &&
	    inet_pton(AF_INET, s->server_txt, s->server) == 1) {
		s->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s->client_txt, s->client) == 1 &&
	    inet_pton(AF_INET6, s->server_txt, s->server) == 1) {
		s->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/*
 * The device that holds the session's server address and reaches the
 * host through IFACE (IFACE itself, or a bridge, bond, VLAN or macvlan on
 * top of it), 0 when none does. A scoped link-local address names its
 * device. -errno when the devices cannot be read: the caller guards then.
 */
static int session_device(const struct ssh_session *s,
			  const struct xr_iftopo *t, int base)
{
	size_t len = s->family == AF_INET ? 4 : 16;
	int scope = 0;
	size_t i;

	if (s->scope[0]) {
		scope = xr_iftopo_index(t, s->scope);
		if (!scope)
			scope = atoi(s->scope);
		if (!xr_iftopo_above(t, base, scope))
			return 0;
	}
	for (i = 0; i < t->naddrs; i++) {
		const struct xr_addr *a = &t->addrs[i];

		if (a->family == s->family && !memcmp(a->addr, s->server, len) &&
		    (!scope || a->ifindex == scope) &&
		    xr_iftopo_above(t, base, a->ifindex))
			return a->ifindex;
	}
	return 0;
}

/*
 * SSH_CONNECTION of this process or, when sudo or su dropped it from the
 * environment, of the nearest ancestor that has it (the login shell).
 */
static const char *find_ssh_connection(char *buf, size_t len)
{
	const char *env = getenv("SSH_CONNECTION");
	pid_t pid = getppid();
	int depth;

	if (env && *env)
		return env;
	for (depth = 0; depth < 16 && pid > 1; depth++) {
		char path[64], data[16384], *p, *end;
		unsigned long ppid = 0;
		ssize_t n;
		FILE *f;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, data, sizeof(data) - 1);
			close(fd);
			data[n > 0 ? n : 0] = '\0';
			end = data + (n > 0 ? n : 0);
			for (p = data; p < end; p += strlen(p) + 1)
				if (!strncmp(p, "SSH_CONNECTION=", 15) && p[15]) {
					snprintf(buf, len, "%s", p + 15);
					return buf;
				}
		}
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "re");
		if (!f)
			break;
		/* pid (comm) state ppid: comm may hold spaces, so skip past ')' */
		if (!fgets(data, sizeof(data), f) || !(p = strrchr(data, ')')) ||
		    sscanf(p + 1, " %*c %lu", &ppid) != 1)
			ppid = 0;
		fclose(f);
		pid = (pid_t)ppid;
	}
	return NULL;
}

/* ---- sshd's listening sockets -------------------------------------------- */

#define MAX_LISTENERS 64

struct listeners {
	struct xr_sock sock[MAX_LISTENERS];
	size_t n;
};

static int listener_cb(const struct xr_sock *s, void *arg)
{
	struct listeners *l = arg;

	if (l->n < MAX_LISTENERS)
		l->sock[l->n++] = *s;
	return 0;
}

/* Does a process named sshd hold socket INODE? */
static bool sshd_owns(__u32 inode)
{
	char want[32], path[600], link[64], comm[32];
	struct dirent *p, *f;
	bool found = false;
	DIR *proc, *fds;
	FILE *c;

	snprintf(want, sizeof(want), "socket:[%u]", inode);
	proc = opendir("/proc");
	while (proc && !found && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
		c = fopen(path, "re");
		if (!c)
			continue;
		if (!fgets(comm, sizeof(comm), c))
			comm[0] = '\0';
		fclose(c);
		if (strcmp(comm, "sshd\n"))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && !found && (f = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name,
				 f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				found = !strcmp(link, want);
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return found;
}

/* Is listener S reached through BASE: bound to a wildcard or to an address
 * of a device on BASE, and to no other device? */
static bool listener_reachable(const struct xr_sock *s,
			       const struct xr_iftopo *t, int base)
{
	static const __u8 zero[16], mapped_any[16] = { [10] = 0xff, [11] = 0xff };
	size_t len = s->family == AF_INET ? 4 : 16;
	size_t i;

	if (s->ifindex && !xr_iftopo_above(t, base, (int)s->ifindex))
		return false;
	if (!memcmp(s->local, zero, len) || !memcmp(s->local, mapped_any, 16))
		return true;
	for (i = 0; i < t->naddrs; i++)
		if (t->addrs[i].family == s->family &&
		    !memcmp(t->addrs[i].addr, s->local, len) &&
		    xr_iftopo_above(t, base, t->addrs[i].ifindex))
			return true;
	return false;
}

/*
 * No session to protect: still warn when the policy closes every port sshd
 * listens on through IFACE, since no one could open a new one there.
 */
static void warn_sshd_closed(const struct xr_policy *p, const char *iface,
			     const struct xr_iftopo *t, int base)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct listeners l = { .n = 0 };
	char ports[128] = "";
	size_t i, j, off = 0;
	int reachable = 0;

	for (i = 0; i < 2; i++)
		if (xr_sockdiag_dump(families[i], IPPROTO_TCP, 1U << 10,
				     listener_cb, &l))
			return; /* cannot tell: no warning rather than a wrong one */
	for (i = 0; i < l.n; i++) {
		const struct xr_sock *s = &l.sock[i];

		if (!listener_reachable(s, t, base) || !sshd_owns(s->inode))
			continue;
		if (p->ports[XR_PROTO_TCP][s->local_port].flags & XR_PORT_ALLOW)
			return; /* one of them stays open */
		for (j = 0; j < i; j++)
			if (l.sock[j].local_port == s->local_port)
				break;
		if (j < i && reachable)
			continue; /* the same port on another family or address */
		if (off < sizeof(ports) - 16)
			off += (size_t)snprintf(ports + off, sizeof(ports) - off,
						"%s%u/tcp", reachable ? ", " : "",
						s->local_port);
		reachable++;
	}
	if (reachable)
		fprintf(stderr,
			"warning: %s: this policy closes every port sshd listens on here (%s): "
			"no new SSH session can reach this host through %s; "
			"allow one of them in the profile to keep a way in\n",
			iface, ports, iface);
}

int xr_ssh_guard(const struct xr_policy *p, const char *iface)
{
	char found[256], hint[160];
	const char *env = find_ssh_connection(found, sizeof(found));
	const struct xr_link *dev;
	struct ssh_session s;
	struct xr_iftopo t;
	int base, on;

	if (env && *env && parse_session(env, &s)) {
		fprintf(stderr, "error: cannot read SSH_CONNECTION '%.80s'; "
				"pass --force if this is not an SSH session\n",
			env);
		return -EPERM;
	}
	if (xr_iftopo_read(&t)) {
		/* Cannot tell which devices IFACE carries: guard anyway. */
		memset(&t, 0, sizeof(t));
		base = 0;
		on = env && *env;
	} else {
		base = xr_iftopo_index(&t, iface);
		on = env && *env && base ? session_device(&s, &t, base) : 0;
	}
	if (!on || xr_policy_allows(p, XR_PROTO_TCP, (uint16_t)s.server_port,
				    s.family, s.client)) {
		if (base && !on)
			warn_sshd_closed(p, iface, &t, base);
		xr_iftopo_free(&t);
		return 0;
	}
	dev = base ? xr_iftopo_link(&t, on) : NULL;
	if (s.server_port == 22)
		snprintf(hint, sizeof(hint),
			 "`--enable ssh`, or `--source ssh=%s/%d` when ssh is source-restricted",
			 s.client_txt, s.family == AF_INET ? 32 : 128);
	else
		snprintf(hint, sizeof(hint),
			 "an entry {protocol: tcp, port: %u} in the profile's allow",
			 s.server_port);
	fprintf(stderr,
		"error: %s: this policy would cut your SSH session (%s -> %s%s%s port %u/tcp): "
		"the profile must allow %u/tcp from %s (for example %s); "
		"--force applies it anyway\n",
		iface, s.client_txt, s.server_txt,
		dev && on != base ? " on " : "", dev && on != base ? dev->name : "",
		s.server_port, s.server_port, s.client_txt, hint);
	xr_iftopo_free(&t);
	return -EPERM;
}
