// SPDX-License-Identifier: GPL-2.0
/* Devices and addresses over rtnetlink (see iftopo.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "iftopo.h"

/* Kinds whose IFLA_LINK is the device their frames arrive on. */
static const char *const stacked_kinds[] = {
	"vlan", "macvlan", "macvtap", "ipvlan", "ipvtap",
};

struct walk {
	struct xr_iftopo *t;
	int err;
};

/* Room for element N of *ARR, in steps of 64. */
static int grow(void **arr, size_t n, size_t elem)
{
	void *p;

	if (n % 64)
		return 0;
	p = realloc(*arr, (n + 64) * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

struct attrs {
	const struct nlattr **tb;
	int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attrs *at = data;
	int type = mnl_attr_get_type(a);

	if (type <= at->max)
		at->tb[type] = a;
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct walk *w = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	struct xr_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (grow((void **)&w->t->links, w->t->nlinks, sizeof(*l))) {
		w->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb,
		       &(struct attrs){ tb, IFLA_MAX });
	l = &w->t->links[w->t->nlinks++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	if (tb[IFLA_IFNAME])
		strncpy(l->name, mnl_attr_get_str(tb[IFLA_IFNAME]),
			sizeof(l->name) - 1);
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	/* A link in another namespace (a veth's peer) is no lower device here. */
	if (tb[IFLA_LINK] && !tb[IFLA_LINK_NETNSID])
		l->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = {};

		mnl_attr_parse_nested(tb[IFLA_LINKINFO], attr_cb,
				      &(struct attrs){ info, IFLA_INFO_MAX });
		if (info[IFLA_INFO_KIND])
			strncpy(l->kind, mnl_attr_get_str(info[IFLA_INFO_KIND]),
				sizeof(l->kind) - 1);
	}
	return MNL_CB_OK;
}

static int addr_msg(const struct nlmsghdr *nlh, void *data)
{
	struct walk *w = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {};
	const struct nlattr *a;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;
	struct xr_addr *x;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb,
		       &(struct attrs){ tb, IFA_MAX });
	/* IFA_LOCAL is the local end of a point-to-point IPv4 address. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != len)
		return MNL_CB_OK;
	if (grow((void **)&w->t->addrs, w->t->naddrs, sizeof(*x))) {
		w->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	x = &w->t->addrs[w->t->naddrs++];
	memset(x, 0, sizeof(*x));
	x->ifindex = (int)ifa->ifa_index;
	x->family = ifa->ifa_family;
	memcpy(x->addr, mnl_attr_get_payload(a), len);
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, int type, mnl_cb_t cb, struct walk *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE > 16384 ? MNL_SOCKET_BUFFER_SIZE : 16384];
	unsigned int seq = (unsigned int)time(NULL) + (unsigned int)type;
	unsigned int portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	int ret;

	nlh->nlmsg_type = (unsigned short)type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* ifinfomsg and ifaddrmsg both start with the family byte. */
	g = mnl_nlmsg_put_extra_header(nlh, type == RTM_GETLINK ?
						    sizeof(struct ifinfomsg) :
						    sizeof(struct ifaddrmsg));
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, w);
		if (ret == MNL_CB_ERROR)
			return w->err ? w->err : -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

int xr_iftopo_read(struct xr_iftopo *t)
{
	struct walk w = { .t = t };
	struct mnl_socket *nl;
	int err;

	memset(t, 0, sizeof(*t));
	memset(&w, 0, sizeof(w));
	w.t = t;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	err = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : 0;
	if (!err)
		err = dump(nl, RTM_GETLINK, link_msg, &w);
	if (!err)
		err = dump(nl, RTM_GETADDR, addr_msg, &w);
	mnl_socket_close(nl);
	if (err)
		xr_iftopo_free(t);
	return err;
}

void xr_iftopo_free(struct xr_iftopo *t)
{
	free(t->links);
	free(t->addrs);
	memset(t, 0, sizeof(*t));
}

const struct xr_link *xr_iftopo_link(const struct xr_iftopo *t, int ifindex)
{
	size_t i;

	for (i = 0; i < t->nlinks; i++)
		if (t->links[i].ifindex == ifindex)
			return &t->links[i];
	return NULL;
}

int xr_iftopo_index(const struct xr_iftopo *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nlinks; i++)
		if (!strcmp(t->links[i].name, name))
			return t->links[i].ifindex;
	return 0;
}

static bool stacked(const struct xr_link *l)
{
	size_t i;

	for (i = 0; i < sizeof(stacked_kinds) / sizeof(stacked_kinds[0]); i++)
		if (!strcmp(l->kind, stacked_kinds[i]))
			return true;
	return false;
}

/* Walk down from IFINDEX to its lower devices; depth-bounded (no loops). */
static bool above(const struct xr_iftopo *t, int base, int ifindex, int depth)
{
	const struct xr_link *l;
	size_t i;

	if (ifindex == base)
		return true;
	if (depth > 8 || !(l = xr_iftopo_link(t, ifindex)))
		return false;
	if (l->link && stacked(l) && above(t, base, l->link, depth + 1))
		return true;
	/* A master (bridge, bond): reached through any of its ports. */
	for (i = 0; i < t->nlinks; i++)
		if (t->links[i].master == ifindex &&
		    above(t, base, t->links[i].ifindex, depth + 1))
			return true;
	return false;
}

bool xr_iftopo_above(const struct xr_iftopo *t, int base, int ifindex)
{
	return base && above(t, base, ifindex, 0);
}

bool xr_iftopo_is_local(const struct xr_iftopo *t, int family,
			const __u8 *addr)
{
	size_t i;

	for (i = 0; i < t->naddrs; i++)
		if (t->addrs[i].family == family &&
		    !memcmp(t->addrs[i].addr, addr, family == AF_INET ? 4 : 16))
			return true;
	return false;
}
