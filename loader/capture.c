// SPDX-License-Identifier: GPL-2.0
/*
 * Drop capture, the datapath half: the capture settings in xr_capture and
 * the XR_GEN_CAPTURE flag in active_gen (include/xdp_reflector.h). Reading
 * the ring and writing pcap is cmd_capture.c. See datapath.h.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "datapath_priv.h"

static int read_config(const struct xr_maps *m, struct xr_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->config, &zero, cfg) ? -errno : 0;
}

/* Set or clear XR_GEN_CAPTURE; only that bit of the word changes. */
static int set_flag(const struct xr_maps *m, bool on)
{
	struct xr_config cfg;
	__u32 zero = 0;
	int err = read_config(m, &cfg);

	if (err)
		return err;
	if (on)
		cfg.active_gen |= XR_GEN_CAPTURE;
	else
		cfg.active_gen &= ~XR_GEN_CAPTURE;
	return bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY) ? -errno
								    : 0;
}

int xr_dp_capture_read(const struct xr_maps *m, struct xr_capture_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->capture, &zero, cfg) ? -errno : 0;
}

int xr_dp_capture_begin(const struct xr_maps *m,
			const struct xr_capture_cfg *cfg)
{
	__u32 zero = 0;

	/* The settings first: the flag makes the packet path read them. */
	if (bpf_map_update_elem(m->capture, &zero, cfg, BPF_ANY))
		return -errno;
	return set_flag(m, true);
}

int xr_dp_capture_end(const struct xr_maps *m)
{
	struct xr_capture_cfg cfg;
	__u32 zero = 0;
	int err = set_flag(m, false);

	/* The counters stay for whoever reads them; the owner goes. */
	if (!err)
		err = xr_dp_capture_read(m, &cfg);
	if (!err) {
		cfg.owner_pid = 0;
		cfg.owner_start = 0;
		if (bpf_map_update_elem(m->capture, &zero, &cfg, BPF_ANY))
			err = -errno;
	}
	return err;
}
