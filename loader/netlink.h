/* SPDX-License-Identifier: GPL-2.0 */
/* rtnetlink queries the loader needs that libbpf has no API for (libmnl). */
#ifndef XR_NETLINK_H
#define XR_NETLINK_H

#include <linux/types.h>

/*
 * 1 when a tc filter with a priority other than PRIORITY is on IFINDEX's
 * clsact hooks (ingress or egress), 0 when none is. On any doubt (the dump
 * fails) 1, so that a caller deciding whether to remove the qdisc keeps it.
 */
int xr_nl_tc_other_filters(int ifindex, __u16 priority);

#endif /* XR_NETLINK_H */
