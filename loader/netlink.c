// SPDX-License-Identifier: GPL-2.0
/* rtnetlink dumps through libmnl; see netlink.h. */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "netlink.h"

struct filter_scan {
	__u16 priority; /* ours: not counted */
	int others;
};

static int filter_cb(const struct nlmsghdr *nh, void *data)
{
	const struct tcmsg *t = mnl_nlmsg_get_payload(nh);
	struct filter_scan *scan = data;

	if (nh->nlmsg_type == RTM_NEWTFILTER &&
	    TC_H_MAJ(t->tcm_info) >> 16 != scan->priority)
		scan->others++;
	return MNL_CB_OK;
}

/* Dump the filters of one clsact hook: 0, or -errno when the dump failed. */
static int dump_hook(struct mnl_socket *nl, int ifindex, __u32 parent,
		     __u32 seq, struct filter_scan *scan)
{
	char buf[16384]; /* a dump's messages, several per read */
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t;
	__u32 portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nh->nlmsg_type = RTM_GETTFILTER;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nh->nlmsg_seq = seq;
	t = mnl_nlmsg_put_extra_header(nh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, filter_cb, scan);
	} while (ret > MNL_CB_STOP);
	/* No clsact qdisc, so no such hook: nothing is there. */
	if (ret < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	return 0;
}

int xr_nl_tc_other_filters(int ifindex, __u16 priority)
{
	static const __u32 parents[] = {
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
	};
	struct filter_scan scan = { .priority = priority };
	__u32 seq = (__u32)time(NULL);
	struct mnl_socket *nl;
	size_t i;
	int err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return 1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		err = -errno;
	for (i = 0; i < 2 && !err && !scan.others; i++)
		err = dump_hook(nl, ifindex, parents[i], seq + (__u32)i, &scan);
	mnl_socket_close(nl);
	return err || scan.others ? 1 : 0;
}
