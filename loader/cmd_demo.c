// SPDX-License-Identifier: GPL-2.0
/*
 * demo: xdp-reflector on a throwaway pair of network namespaces. A server
 * namespace gets reflector-caddy on its veth and listeners on open and
 * internal ports; a client namespace connects to each for a few seconds;
 * then what passed and what was dropped is shown, per service. Everything
 * it creates is removed on every exit path, Ctrl-C included.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "datapath.h"

#define DEMO_PROFILE "reflector-caddy"
#define SERVER_IP "192.0.2.1"
#define CLIENT_IP "192.0.2.2"
#define PROBE_TIMEOUT_MS 400

struct probe {
	int udp;
	int port;
	const char *what;
};

/* What the client tries: open services, internal ones, and ports Caddy proxies. */
static const struct probe probes[] = {
	{ 0, 443, "Caddy HTTPS" },
	{ 0, 80, "Caddy HTTP" },
	{ 0, 7881, "LiveKit TCP media" },
	{ 1, 44250, "LiveKit WebRTC media" },
	{ 0, 5432, "PostgreSQL (internal only)" },
	{ 0, 6379, "Redis (internal only)" },
	{ 0, 3000, "frontend (proxied by Caddy)" },
	{ 1, 40000, "browser WebRTC (direct mode only)" },
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

struct demo {
	char srv_ns[32], cli_ns[32], veth_s[IF_NAMESIZE], veth_c[IF_NAMESIZE];
	int home_ns; /* the network namespace we started in */
	int ns_made, loaded;
	pid_t server;
	const char *pin_root;
};

static struct demo demo = { .home_ns = -1 };
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Run `ip ARGS...` quietly; 0 when it exits 0. */
static int ip(const char *fmt, ...)
{
	char line[256], *argv[24], *save = NULL, *tok;
	int argc = 0, status;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = "ip";
	for (tok = strtok_r(line, " ", &save); tok && argc < 23;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* Out of the terminal's process group: a second Ctrl-C during
		 * cleanup must not kill `ip netns del`. */
		setpgid(0, 0);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp("ip", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int enter_ns(const char *name)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return err;
}

static void cleanup(void)
{
	if (demo.server > 0) {
		kill(demo.server, SIGTERM);
		waitpid(demo.server, NULL, 0);
		demo.server = 0;
	}
	if (demo.loaded) {
		/* tc filters are per namespace: detach from inside it. */
		if (!enter_ns(demo.srv_ns))
			xr_dp_detach(demo.pin_root, demo.veth_s);
		/* The pin root too, unless something else is pinned there. */
		rmdir(demo.pin_root);
		demo.loaded = 0;
	}
	if (demo.home_ns >= 0) {
		setns(demo.home_ns, CLONE_NEWNET);
		close(demo.home_ns);
		demo.home_ns = -1;
	}
	if (demo.ns_made) {
		ip("netns del %s", demo.srv_ns);
		ip("netns del %s", demo.cli_ns);
		demo.ns_made = 0;
	}
}

static int setup_namespaces(void)
{
	pid_t pid = getpid();

	snprintf(demo.srv_ns, sizeof(demo.srv_ns), "xr-demo-srv-%d", pid);
	snprintf(demo.cli_ns, sizeof(demo.cli_ns), "xr-demo-cli-%d", pid);
	snprintf(demo.veth_s, sizeof(demo.veth_s), "xrds%d", pid % 10000000);
	snprintf(demo.veth_c, sizeof(demo.veth_c), "xrdc%d", pid % 10000000);
	if (ip("netns add %s", demo.srv_ns))
		return -1;
	demo.ns_made = 1;
	if (ip("netns add %s", demo.cli_ns) ||
	    ip("link add %s netns %s type veth peer name %s netns %s",
	       demo.veth_s, demo.srv_ns, demo.veth_c, demo.cli_ns) ||
	    ip("-n %s addr add " SERVER_IP "/24 dev %s", demo.srv_ns,
	       demo.veth_s) ||
	    ip("-n %s addr add " CLIENT_IP "/24 dev %s", demo.cli_ns,
	       demo.veth_c) ||
	    ip("-n %s link set %s up", demo.srv_ns, demo.veth_s) ||
	    ip("-n %s link set %s up", demo.cli_ns, demo.veth_c) ||
	    ip("-n %s link set lo up", demo.srv_ns) ||
	    ip("-n %s link set lo up", demo.cli_ns))
		return -1;
	return 0;
}

/* The server: listen on every probed port, accept and echo, until killed. */
static void serve(void)
{
	struct pollfd fds[NPROBES];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[2048];
	size_t i;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	alarm(120); /* never outlive a demo that lost track of us */
	for (i = 0; i < NPROBES; i++) {
		int one = 1;
		int fd = socket(AF_INET, probes[i].udp ? SOCK_DGRAM : SOCK_STREAM,
				0);

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sa.sin_port = htons((uint16_t)probes[i].port);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    (!probes[i].udp && listen(fd, 16)))
			_exit(1);
		fds[i].fd = fd;
		fds[i].events = POLLIN;
	}
	for (;;) {
		if (poll(fds, NPROBES, 1000) < 0)
			continue;
		for (i = 0; i < NPROBES; i++) {
			struct sockaddr_storage peer;
			socklen_t len = sizeof(peer);
			ssize_t n;
			int c;

			if (!(fds[i].revents & POLLIN))
				continue;
			if (!probes[i].udp) {
				c = accept(fds[i].fd, NULL, NULL);
				if (c >= 0)
					close(c);
				continue;
			}
			n = recvfrom(fds[i].fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &len);
			if (n > 0)
				sendto(fds[i].fd, buf, (size_t)n, 0,
				       (struct sockaddr *)&peer, len);
		}
	}
}

/* One attempt from the client namespace: 1 when the service answered. */
static int probe_once(const struct probe *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)p->port) };
	struct pollfd pfd;
	/* RTP's first byte (RFC 7983): the media range is guard: webrtc. */
	char buf[64] = "\x80xdp-reflector demo";
	int fd, ok = 0;

	inet_pton(AF_INET, SERVER_IP, &sa.sin_addr);
	fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return 0;
	pfd.fd = fd;
	if (p->udp) {
		sendto(fd, buf, 32, 0, (struct sockaddr *)&sa, sizeof(sa));
		pfd.events = POLLIN;
		ok = poll(&pfd, 1, PROBE_TIMEOUT_MS) == 1 &&
		     recv(fd, buf, sizeof(buf), 0) > 0;
	} else {
		int err = 0;
		socklen_t len = sizeof(err);

		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			ok = 1;
		} else if (errno == EINPROGRESS) {
			pfd.events = POLLOUT;
			ok = poll(&pfd, 1, PROBE_TIMEOUT_MS) == 1 &&
			     !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) &&
			     !err;
		}
	}
	close(fd);
	return ok;
}

/* Run ROUNDS of probes from the client namespace; answers[i] counts successes. */
static int run_client(int rounds, int *answers)
{
	int pipefd[2], status;
	pid_t pid;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r, i, got[NPROBES] = { 0 };

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		close(pipefd[0]);
		if (enter_ns(demo.cli_ns))
			_exit(1);
		for (r = 0; r < rounds; r++)
			for (i = 0; i < (int)NPROBES; i++)
				got[i] += probe_once(&probes[i]);
		(void)!write(pipefd[1], got, sizeof(got));
		_exit(0);
	}
	close(pipefd[1]);
	while (read(pipefd[0], answers, NPROBES * sizeof(int)) < 0 &&
	       errno == EINTR && !interrupted)
		;
	close(pipefd[0]);
	if (interrupted)
		kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return interrupted ? -EINTR : 0;
}

static void report(const int *answers, int rounds)
{
	static struct xr_counters ports[XR_STAT_KEYS];
	struct xr_counters classes[XR_CLASS_MAX];
	struct xr_maps m;
	size_t i;

	if (xr_dp_open(demo.pin_root, demo.veth_s, &m) ||
	    xr_dp_read_port_stats(&m, ports) ||
	    xr_dp_read_class_stats(&m, classes)) {
		fprintf(stderr, "error: cannot read the counters\n");
		xr_dp_close(&m);
		return;
	}
	xr_dp_close(&m);
	printf("\n%-5s %-6s %-34s %-10s %8s %8s\n", "PROTO", "PORT", "SERVICE",
	       "CLIENT", "PASSED", "DROPPED");
	for (i = 0; i < NPROBES; i++) {
		const struct probe *p = &probes[i];
		const struct xr_counters *c =
			&ports[xr_stat_key(p->udp ? XR_PROTO_UDP : XR_PROTO_TCP,
					   (__u32)p->port)];

		printf("%-5s %-6d %-34s %-10s %8llu %8llu\n",
		       p->udp ? "udp" : "tcp", p->port, p->what,
		       answers[i] == rounds ? "answered" :
		       answers[i]	    ? "partly" :
					      "no answer",
		       (unsigned long long)c->pass_packets,
		       (unsigned long long)c->drop_packets);
	}
	printf("\nnon-IP (ARP) passed: %llu packets; ICMP passed: %llu\n",
	       (unsigned long long)classes[XR_CLASS_NON_IP].pass_packets,
	       (unsigned long long)classes[XR_CLASS_ICMP].pass_packets);
	printf("Open ports answered; internal and proxied ports never saw a packet:\n"
	       "their SYNs and datagrams were dropped in XDP, before the kernel's stack.\n");
}

int xr_cmd_demo(struct xr_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct xr_policy *p = NULL;
	int answers[NPROBES] = { 0 }, rounds = 3, err = -1, ifindex;

	if (geteuid() != 0) {
		fprintf(stderr, "error: demo creates network namespaces: run it as root\n");
		return XR_EXIT_RUNTIME;
	}
	demo.pin_root = o->pin_root;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(cleanup);

	err = xr_policy_build(DEMO_PROFILE, &o->toggles, &p);
	if (err)
		return xr_exit_code(err);
	demo.home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (demo.home_ns < 0 || setup_namespaces()) {
		fprintf(stderr, "error: cannot create the demo namespaces (is iproute2 installed?)\n");
		err = -ENODEV;
		goto out;
	}
	printf("demo: namespaces %s and %s joined by %s <-> %s\n", demo.srv_ns,
	       demo.cli_ns, demo.veth_s, demo.veth_c);
	demo.server = fork();
	if (demo.server == 0) {
		if (enter_ns(demo.srv_ns))
			_exit(1);
		serve();
	}
	if (demo.server < 0 || enter_ns(demo.srv_ns)) {
		fprintf(stderr, "error: cannot start the demo server\n");
		err = -ECHILD;
		goto out;
	}
	err = xr_dp_ensure_bpffs(demo.pin_root);
	if (err || interrupted)
		goto out;
	ifindex = (int)if_nametoindex(demo.veth_s);
	printf("demo: loading %s on %s (native XDP)\n", DEMO_PROFILE,
	       demo.veth_s);
	err = xr_dp_load(demo.pin_root, demo.veth_s, ifindex, XR_MODE_NATIVE, p,
			 NULL, o->verbose);
	if (err)
		goto out;
	demo.loaded = 1;
	usleep(300 * 1000); /* listeners up */
	if (interrupted)
		goto out;
	printf("demo: client %s probes %zu services, %d rounds...\n", CLIENT_IP,
	       NPROBES, rounds);
	err = run_client(rounds, answers);
	if (err)
		goto out;
	report(answers, rounds);
out:
	xr_policy_free(p);
	if (interrupted)
		fprintf(stderr, "demo: interrupted; cleaning up\n");
	cleanup();
	if (!err && !interrupted)
		printf("demo: removed the namespaces and the program\n");
	if (interrupted)
		return 130;
	return err ? XR_EXIT_RUNTIME : XR_EXIT_OK;
}
