// SPDX-License-Identifier: GPL-2.0
/* Checks of IFACE arguments: see iface.h. */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iface.h"

const char *xr_iface_name_rule(const char *name)
{
	const unsigned char *c;

	if (!name || !*name)
		return "an interface name is not empty";
	if (strnlen(name, IF_NAMESIZE) >= IF_NAMESIZE)
		return "an interface name has at most 15 bytes";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "an interface name is not '.' or '..'";
	for (c = (const unsigned char *)name; *c; c++) {
		if (*c == '/')
			return "an interface name has no '/'";
		if (*c == ':')
			return "an interface name has no ':'";
		/* 0xa0: the kernel's isspace() counts the Latin-1 NBSP. */
		if (*c <= ' ' || *c == 0x7f || *c == 0xa0)
			return "an interface name has no whitespace or control "
			       "character";
	}
	return NULL;
}

int xr_iface_check_name(const char *name)
{
	const char *rule = xr_iface_name_rule(name);
	char shown[20];
	size_t i;

	if (!rule)
		return 0;
	/* Show the argument without handing control bytes to the terminal. */
	for (i = 0; name && name[i] && i < sizeof(shown) - 1; i++) {
		unsigned char c = (unsigned char)name[i];

		shown[i] = c < ' ' || c >= 0x7f ? '?' : (char)c;
	}
	shown[i] = '\0';
	fprintf(stderr, "error: IFACE '%s%s': %s (see `ip link`)\n", shown,
		name && strlen(name) > i ? "..." : "", rule);
	return -EINVAL;
}

static const char *link_kind(unsigned short type)
{
	switch (type) {
	case ARPHRD_NONE:
		return "a layer-3 device such as tun or WireGuard";
	case ARPHRD_PPP:
		return "a PPP link";
	case ARPHRD_IPGRE:
		return "a GRE tunnel";
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
		return "an IP-in-IP tunnel";
	case ARPHRD_LOOPBACK:
		return "the loopback device";
	default:
		return "a device of another kind";
	}
}

int xr_iface_check_ethernet(const char *iface)
{
	struct ifreq ifr;
	int fd, err = 0;

	/* SIOCGIFHWADDR answers for the caller's network namespace, unlike
	 * /sys/class/net under `nsenter --net`; sa_family is dev->type. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	close(fd);
	if (err)
		return err;
	if (ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
		return 0;
	fprintf(stderr,
		"error: %s: %s (link type %u), not Ethernet: the filter parses "
		"Ethernet frames, and on tun, WireGuard, PPP or GRE packets "
		"start "
		"at the IP header; load it on the Ethernet NIC that carries "
		"%s's "
		"traffic instead (the tunnel's underlying interface)\n",
		iface, link_kind(ifr.ifr_hwaddr.sa_family),
		ifr.ifr_hwaddr.sa_family, iface);
	return -EINVAL;
}
