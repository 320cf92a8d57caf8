// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool -K IFACE gro|tso on|off, for the bench, without needing ethtool:
 * an interface of the caller's network namespace.
 *
 * gro: the receiver veth needs it on. Frames redirected into a veth are taken
 * only by a peer that runs NAPI, and a veth runs NAPI with an XDP program
 * attached or with GRO on. With GRO on, the receivers without XDP (nftables,
 * iptables, none) see the frames on the same receive path as the XDP ones.
 *
 * tso: off on the sender veth in the attack step. A veth hands TSO packets to
 * its peer's backlog, around the NAPI ring the flood fills, unless the peer
 * runs XDP (which turns TSO off on its peer). Off, the service's packets share
 * the flooded ring with or without XDP, as on one NIC queue.
 *
 * Usage (root): build/bench/features IFACE gro|tso on|off
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ethtool_value ev = {};
	struct ifreq ifr = {};
	int fd, rc = 0;

	if (argc != 4 || (strcmp(argv[2], "gro") && strcmp(argv[2], "tso")) ||
	    (strcmp(argv[3], "on") && strcmp(argv[3], "off"))) {
		fprintf(stderr, "usage: %s IFACE gro|tso on|off\n", argv[0]);
		return 2;
	}
	ev.cmd = strcmp(argv[2], "gro") ? ETHTOOL_STSO : ETHTOOL_SGRO;
	ev.data = !strcmp(argv[3], "on");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	ifr.ifr_data = (void *)&ev;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr)) {
		fprintf(stderr, "features: %s %s %s: %s\n", argv[1], argv[2],
			argv[3], strerror(errno));
		rc = 1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
