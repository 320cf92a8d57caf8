/* SPDX-License-Identifier: GPL-2.0 */
/*
 * This namespace's devices and addresses, read with RTM_GETLINK and
 * RTM_GETADDR over libmnl: which devices sit on top of an interface (a
 * bridge or bond it is a port of, VLAN, macvlan and ipvlan devices whose
 * link it is), so that an address on them is still reached through it.
 */
#ifndef XR_IFTOPO_H
#define XR_IFTOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct xr_link {
	int ifindex;
	int master; /* IFLA_MASTER, 0: none */
	int link; /* IFLA_LINK within this namespace, 0: none */
	char name[16];
	char kind[16]; /* IFLA_INFO_KIND: "bridge", "vlan", "macvlan"... */
};

struct xr_addr {
	int ifindex;
	int family; /* AF_INET or AF_INET6 */
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
};

struct xr_iftopo {
	struct xr_link *links;
	size_t nlinks;
	struct xr_addr *addrs;
	size_t naddrs;
};

/* Read every link and address of this namespace. 0 or -errno. */
int xr_iftopo_read(struct xr_iftopo *t);
void xr_iftopo_free(struct xr_iftopo *t);

/*
 * Does traffic to a device IFINDEX arrive through BASE? True for BASE
 * itself and for every device stacked on it, however deep: a master of
 * BASE (bridge, bond), a VLAN/macvlan/ipvlan whose link is BASE, and so on.
 */
bool xr_iftopo_above(const struct xr_iftopo *t, int base, int ifindex);

/* Is ADDR (FAMILY) an address of this host, on any device? */
bool xr_iftopo_is_local(const struct xr_iftopo *t, int family,
			const __u8 *addr);

/* The ifindex of NAME in T, 0 when absent. */
int xr_iftopo_index(const struct xr_iftopo *t, const char *name);
const struct xr_link *xr_iftopo_link(const struct xr_iftopo *t, int ifindex);

#endif /* XR_IFTOPO_H */
