// SPDX-License-Identifier: GPL-2.0
/* The egress flow recorder's attachment: tcx, else clsact. See egress.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_priv.h"
#include "egress.h"
#include "netlink.h"

/*
 * tcx numbers from the kernel's include/uapi/linux/bpf.h (6.6+): Debian's
 * libbpf 1.1 and linux-libc-dev 6.1 predate them. They are ABI; tcx_attach
 * still checks that the kernel made the link type it says.
 */
#define XR_BPF_TCX_EGRESS 47 /* enum bpf_attach_type */
#define XR_BPF_LINK_TYPE_TCX 11 /* enum bpf_link_type */

/* Identity of our clsact filter (reply.h), so detach removes only it. */
#define XR_TC_HANDLE 0x5852
#define XR_TC_PRIORITY 0x5852

/* A tcx link appended to IFINDEX's egress chain: its fd, or -errno. */
static int tcx_attach(int ifindex, int prog_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_link_create(prog_fd, ifindex,
			     (enum bpf_attach_type)XR_BPF_TCX_EGRESS, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != XR_BPF_LINK_TYPE_TCX) {
		close(fd); /* the only reference: detaches */
		return -EOPNOTSUPP;
	}
	return fd;
}

static int clsact_attach(int ifindex, int prog_fd, int *created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XR_TC_HANDLE,
		    .priority = XR_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	*created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err && *created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		*created = 0;
	}
	return err;
}

/* Remove our clsact filter, and the qdisc if CREATED and no one else has
 * put a filter on it since. */
static void clsact_detach(int ifindex, int created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XR_TC_HANDLE,
		    .priority = XR_TC_PRIORITY);

	bpf_tc_detach(&hook, &opts);
	if (created && !xr_nl_tc_other_filters(ifindex, XR_TC_PRIORITY)) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static int link_pin_path(const char *dir, char *buf, size_t len)
{
	return xr_dp_pin_path(dir, XR_PIN_EGRESS_LINK, buf, len);
}

int xr_egress_attach(int ifindex, int prog_fd, const char *dir,
		     struct xr_egress *eg)
{
	const char *want = getenv("XDP_REFLECTOR_EGRESS");

	return xr_egress_attach_as(ifindex, prog_fd, dir,
				   want && !strcmp(want, "clsact") ?
					   XR_EGRESS_CLSACT :
					   XR_EGRESS_TCX,
				   eg);
}

int xr_egress_attach_as(int ifindex, int prog_fd, const char *dir, int hook,
			struct xr_egress *eg)
{
	char path[320];
	int fd, err;

	memset(eg, 0, sizeof(*eg));
	eg->link_fd = -1;
	err = link_pin_path(dir, path, sizeof(path));
	if (err)
		return err;
	if (hook == XR_EGRESS_TCX) {
		fd = tcx_attach(ifindex, prog_fd);
		if (fd >= 0) {
			if (bpf_obj_pin(fd, path)) {
				err = -errno;
				close(fd);
				return err;
			}
			eg->hook = XR_EGRESS_TCX;
			eg->link_fd = fd;
			return 0;
		}
		/* A kernel before 6.6 knows no tcx: use clsact there. */
		if (fd != -EINVAL && fd != -EOPNOTSUPP)
			return fd;
	}
	err = clsact_attach(ifindex, prog_fd, &eg->qdisc_created);
	if (!err)
		eg->hook = XR_EGRESS_CLSACT;
	return err;
}

void xr_egress_close(struct xr_egress *eg)
{
	if (eg->link_fd >= 0)
		close(eg->link_fd);
	eg->link_fd = -1;
}

void xr_egress_undo(int ifindex, const char *dir, struct xr_egress *eg)
{
	char path[320];

	if (eg->hook == XR_EGRESS_TCX &&
	    !link_pin_path(dir, path, sizeof(path)))
		unlink(path);
	xr_egress_close(eg); /* with the pin gone, the last reference */
	if (eg->hook == XR_EGRESS_CLSACT)
		clsact_detach(ifindex, eg->qdisc_created);
	eg->hook = XR_EGRESS_NONE;
}

int xr_egress_detach(const char *dir, int ifindex, int qdisc_created)
{
	char path[320];
	int fd, err = link_pin_path(dir, path, sizeof(path));

	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* Detach even if another process still holds the link. */
		err = bpf_link_detach(fd) && errno != ENOLINK ? -errno : 0;
		close(fd);
		return err;
	}
	if (ifindex)
		clsact_detach(ifindex, qdisc_created);
	return 0;
}

int xr_egress_clsact_prog(int ifindex, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XR_TC_HANDLE,
		    .priority = XR_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &opts);

	*prog_id = err ? 0 : opts.prog_id;
	return err;
}

int xr_egress_clsact_restore(int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XR_TC_HANDLE,
		    .priority = XR_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}
