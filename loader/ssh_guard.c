// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh_guard.h"

struct ssh_session {
	int family;
	unsigned char client[16], server[16];
	char client_txt[INET6_ADDRSTRLEN], server_txt[INET6_ADDRSTRLEN];
	unsigned int server_port;
};

/* SSH_CONNECTION is "CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT". */
static int parse_session(const char *env, struct ssh_session *s)
{
	unsigned int client_port;

	memset(s, 0, sizeof(*s));
	if (sscanf(env, "%45s %u %45s %u", s->client_txt, &client_port,
		   s->server_txt, &s->server_port) != 4 ||
	    s->server_port == 0 || s->server_port > 65535)
		return -EINVAL;
	/* An IPv4 client of a dual-stack sshd shows as ::ffff:a.b.c.d. */
	if (!strncmp(s->client_txt, "::ffff:", 7) && strchr(s->client_txt, '.'))
		memmove(s->client_txt, s->client_txt + 7,
			strlen(s->client_txt + 7) + 1);
	if (!strncmp(s->server_txt, "::ffff:", 7) && strchr(s->server_txt, '.'))
		memmove(s->server_txt, s->server_txt + 7,
			strlen(s->server_txt + 7) + 1);
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

/* Is the session's server address one of IFACE's addresses? */
static int session_on_iface(const struct ssh_session *s, const char *iface)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa))
		return 1; /* cannot tell: guard anyway */
	for (i = ifa; i && !found; i = i->ifa_next) {
		const void *a;
		size_t len;

		if (!i->ifa_addr || strcmp(i->ifa_name, iface) ||
		    i->ifa_addr->sa_family != s->family)
			continue;
		if (s->family == AF_INET) {
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			len = 4;
		} else {
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			len = 16;
		}
		found = !memcmp(a, s->server, len);
	}
	freeifaddrs(ifa);
	return found;
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

int xr_ssh_guard(const struct xr_policy *p, const char *iface)
{
	char found[256];
	const char *env = find_ssh_connection(found, sizeof(found));
	struct ssh_session s;

	if (!env || !*env)
		return 0;
	if (parse_session(env, &s)) {
		fprintf(stderr, "error: cannot read SSH_CONNECTION '%.80s'; "
				"pass --force if this is not an SSH session\n",
			env);
		return -EPERM;
	}
	if (!session_on_iface(&s, iface))
		return 0;
	if (xr_policy_allows(p, XR_PROTO_TCP, (uint16_t)s.server_port,
			     s.family, s.client))
		return 0;
	fprintf(stderr,
		"error: %s: this policy would cut your SSH session (%s -> %s port %u/tcp): "
		"the profile must allow %u/tcp from %s (for example `--enable ssh`, "
		"or `--source ssh=%s/%d` when ssh is source-restricted); "
		"--force applies it anyway\n",
		iface, s.client_txt, s.server_txt, s.server_port, s.server_port,
		s.client_txt, s.client_txt, s.family == AF_INET ? 32 : 128);
	return -EPERM;
}
