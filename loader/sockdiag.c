// SPDX-License-Identifier: GPL-2.0
/* Socket and conntrack dumps over libmnl (see sockdiag.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>

#include "sockdiag.h"

/*
 * Send the dump request in BUF and run CB over every answer until the
 * end. Returns 0 or -errno (an NLMSG_ERROR's, or the callback's).
 */
static int nl_dump(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   int *cb_err)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	size_t len = MNL_SOCKET_BUFFER_SIZE > 16384 ? MNL_SOCKET_BUFFER_SIZE : 16384;
	char *buf = NULL;
	unsigned int portid, seq = (unsigned int)time(NULL);
	int ret, err = 0;

	*cb_err = 0;
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	buf = malloc(len);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, len);

		if (n < 0) {
			err = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (ret == MNL_CB_ERROR) {
			err = *cb_err ? *cb_err : (errno ? -errno : -EIO);
			break;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
out:
	free(buf);
	mnl_socket_close(nl);
	return err;
}

/* ---- sockets ------------------------------------------------------------ */

struct sock_walk {
	int proto;
	xr_sock_cb cb;
	void *arg;
	int err;
};

static int sock_msg(const struct nlmsghdr *nlh, void *data)
{
	struct sock_walk *w = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct xr_sock s;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return MNL_CB_OK;
	memset(&s, 0, sizeof(s));
	s.family = m->idiag_family;
	s.proto = (__u8)w->proto;
	s.state = m->idiag_state;
	memcpy(s.local, m->id.idiag_src, s.family == AF_INET ? 4 : 16);
	memcpy(s.remote, m->id.idiag_dst, s.family == AF_INET ? 4 : 16);
	s.local_port = ntohs(m->id.idiag_sport);
	s.remote_port = ntohs(m->id.idiag_dport);
	s.ifindex = m->id.idiag_if;
	s.inode = m->idiag_inode;
	w->err = w->cb(&s, w->arg);
	return w->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int xr_sockdiag_dump(int family, int proto, __u32 states, xr_sock_cb cb,
		     void *arg)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2))];
	struct sock_walk w = { .proto = proto, .cb = cb, .arg = arg };
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (__u8)family;
	req->sdiag_protocol = (__u8)proto;
	req->idiag_states = states;
	return nl_dump(NETLINK_SOCK_DIAG, nlh, sock_msg, &w, &w.err);
}

/* ---- conntrack ---------------------------------------------------------- */

struct ct_walk {
	xr_ct_cb cb;
	void *arg;
	int err;
};

/* Index the nested attributes of A into TB (MAX entries). */
static int nest_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = ((const struct nlattr ***)data)[0];
	int max = (int)(long)((void **)data)[1];
	int type = mnl_attr_get_type(a);

	if (type <= max)
		tb[type] = a;
	return MNL_CB_OK;
}

static void parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		       int max)
{
	void *data[2] = { tb, (void *)(long)max };

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	mnl_attr_parse_nested(nest, nest_cb, data);
}

/* One tuple; returns 0, or -EINVAL when it is not a whole TCP/UDP tuple. */
static int parse_tuple(const struct nlattr *nest, struct xr_ct *ct,
		       struct xr_ct_tuple *t)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1],
		*pr[CTA_PROTO_MAX + 1];

	parse_nest(nest, tb, CTA_TUPLE_MAX);
	if (!tb[CTA_TUPLE_IP] || !tb[CTA_TUPLE_PROTO])
		return -EINVAL;
	parse_nest(tb[CTA_TUPLE_IP], ip, CTA_IP_MAX);
	parse_nest(tb[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX);
	if (ip[CTA_IP_V4_SRC] && ip[CTA_IP_V4_DST] &&
	    mnl_attr_get_payload_len(ip[CTA_IP_V4_SRC]) == 4 &&
	    mnl_attr_get_payload_len(ip[CTA_IP_V4_DST]) == 4) {
		ct->family = AF_INET;
		memcpy(t->src, mnl_attr_get_payload(ip[CTA_IP_V4_SRC]), 4);
		memcpy(t->dst, mnl_attr_get_payload(ip[CTA_IP_V4_DST]), 4);
	} else if (ip[CTA_IP_V6_SRC] && ip[CTA_IP_V6_DST] &&
		   mnl_attr_get_payload_len(ip[CTA_IP_V6_SRC]) == 16 &&
		   mnl_attr_get_payload_len(ip[CTA_IP_V6_DST]) == 16) {
		ct->family = AF_INET6;
		memcpy(t->src, mnl_attr_get_payload(ip[CTA_IP_V6_SRC]), 16);
		memcpy(t->dst, mnl_attr_get_payload(ip[CTA_IP_V6_DST]), 16);
	} else {
		return -EINVAL;
	}
	if (!pr[CTA_PROTO_NUM] || !pr[CTA_PROTO_SRC_PORT] ||
	    !pr[CTA_PROTO_DST_PORT])
		return -EINVAL;
	ct->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	t->sport = ntohs(mnl_attr_get_u16(pr[CTA_PROTO_SRC_PORT]));
	t->dport = ntohs(mnl_attr_get_u16(pr[CTA_PROTO_DST_PORT]));
	return ct->proto == IPPROTO_TCP || ct->proto == IPPROTO_UDP ? 0 : -EINVAL;
}

static int ct_msg(const struct nlmsghdr *nlh, void *data)
{
	struct ct_walk *w = data;
	const struct nlattr *tb[CTA_MAX + 1], *a;
	struct xr_ct ct;

	memset(tb, 0, sizeof(tb));
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		int type = mnl_attr_get_type(a);

		if (type <= CTA_MAX)
			tb[type] = a;
	}
	memset(&ct, 0, sizeof(ct));
	if (!tb[CTA_TUPLE_ORIG] || !tb[CTA_TUPLE_REPLY] ||
	    parse_tuple(tb[CTA_TUPLE_ORIG], &ct, &ct.orig) ||
	    parse_tuple(tb[CTA_TUPLE_REPLY], &ct, &ct.reply))
		return MNL_CB_OK;
	if (tb[CTA_STATUS])
		ct.status = ntohl(mnl_attr_get_u32(tb[CTA_STATUS]));
	if (ct.proto == IPPROTO_TCP && tb[CTA_PROTOINFO]) {
		const struct nlattr *pi[CTA_PROTOINFO_MAX + 1],
			*tcp[CTA_PROTOINFO_TCP_MAX + 1];

		parse_nest(tb[CTA_PROTOINFO], pi, CTA_PROTOINFO_MAX);
		if (pi[CTA_PROTOINFO_TCP]) {
			parse_nest(pi[CTA_PROTOINFO_TCP], tcp,
				   CTA_PROTOINFO_TCP_MAX);
			if (tcp[CTA_PROTOINFO_TCP_STATE])
				ct.tcp_state =
					mnl_attr_get_u8(tcp[CTA_PROTOINFO_TCP_STATE]);
		}
	}
	w->err = w->cb(&ct, w->arg);
	return w->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int xr_conntrack_dump(xr_ct_cb cb, void *arg)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg))];
	struct ct_walk w = { .cb = cb, .arg = arg };
	struct nfgenmsg *nfg;
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC; /* both families */
	nfg->version = NFNETLINK_V0;
	return nl_dump(NETLINK_NETFILTER, nlh, ct_msg, &w, &w.err);
}
