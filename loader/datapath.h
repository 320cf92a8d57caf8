/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands use of the datapath (the modules that talk to libbpf):
 * attaching the XDP program and the egress recorder (xdp_attach.c,
 * egress.c), its pins under PIN_ROOT/IFACE/ and reading counters and
 * loader state (datapath.c), writing a compiled policy into a generation and
 * flipping to it (generation.c). All functions return 0 or -errno and print
 * nothing, except xr_dp_ensure_bpffs() and xr_dp_load(), which report their
 * own failures.
 */
#ifndef XR_DATAPATH_H
#define XR_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "xdp_reflector.h"
#include "policy.h"

/* File descriptors of one interface's pinned objects. */
struct xr_maps {
	int config, ports, sources, port_stats, class_stats, rules, meta,
		flows, flow_ports, capture, capture_rb, rule_stats, link;
	int rate_rules, rate_src, limit_stats; /* guard and rate limits */
	int egress_link; /* the recorder's tcx link; -1 with clsact */
};

struct xr_xdp_info {
	__u32 prog_id; /* 0: no XDP program on the interface */
	int mode; /* XR_MODE_* of the attached program */
	char name[16]; /* the program's name */
};

/* Mount bpffs at /sys/fs/bpf when absent; check ROOT's filesystem is bpffs. */
int xr_dp_ensure_bpffs(const char *root);
int xr_dp_pin_dir(const char *root, const char *iface, char *buf, size_t len);

/* Which XDP program, if any, is on IFINDEX. */
int xr_dp_query(int ifindex, struct xr_xdp_info *info);

/*
 * Load the program, write POLICY into generation 0, attach it to IFACE in
 * MODE and pin the link and maps under ROOT/IFACE. With REPLACE, the
 * program in OTHER (from xr_dp_query) is taken over, and put back if the
 * attach fails. On any failure the interface and ROOT are as before.
 * Prints the reason for the operator on failure.
 */
int xr_dp_load(const char *root, const char *iface, int ifindex, int mode,
	       const struct xr_policy *policy, const struct xr_xdp_info *other,
	       int verbose);

/* An fd that keeps XDP program ID alive (-errno on failure). */
int xr_dp_prog_hold(__u32 id);
/* Attach program FD to IFINDEX again in MODE (a --confirm rollback). */
int xr_dp_reattach(int ifindex, int fd, int mode);

/* Open the pins of IFACE: -ENOENT when xdp-reflector is not loaded there,
 * -XR_EOTHERBUILD (pin_compat.h) when another build made them. */
int xr_dp_open(const char *root, const char *iface, struct xr_maps *m);
void xr_dp_close(struct xr_maps *m);
/* How the egress recorder of opened pins is attached: "tcx" or "clsact". */
const char *xr_dp_egress_hook(const struct xr_maps *m);

/* Write POLICY into the inactive generation, then make it active in one step. */
int xr_dp_reload(const struct xr_maps *m, const struct xr_policy *policy);
/* Make GEN the active generation again (a confirm rollback). */
int xr_dp_set_active(const struct xr_maps *m, __u32 gen);
/* The same, with the rules' counters carried back as at a reload. */
int xr_dp_flip_back(const struct xr_maps *m, __u32 gen);
int xr_dp_active_gen(const struct xr_maps *m, __u32 *gen);
/* The whole of xr_config.active_gen: generation and XR_GEN_* flags. */
int xr_dp_active_flags(const struct xr_maps *m, __u32 *flags);

/*
 * Drop capture (capture.c; stale owners: cmd_capture.h). Begin: write CFG into xr_capture and set
 * XR_GEN_CAPTURE; end: clear it. The caller holds xr_dp_lock().
 */
int xr_dp_capture_begin(const struct xr_maps *m,
			const struct xr_capture_cfg *cfg);
int xr_dp_capture_end(const struct xr_maps *m);
int xr_dp_capture_read(const struct xr_maps *m, struct xr_capture_cfg *cfg);

/*
 * Counters per rule identity (generation.c). Read generation GEN's NRULES
 * ledger entries, and the removed block (xr_meta.nremoved entries).
 */
int xr_dp_read_rule_stats(const struct xr_maps *m, __u32 gen, __u32 nrules,
			  struct xr_rule_stats *out);
int xr_dp_read_removed(const struct xr_maps *m, __u32 n,
		       struct xr_rule_stats *out);
/* `stats --reset`: every counter to zero, counting since now. */
int xr_dp_reset_counters(const struct xr_maps *m);

/*
 * Serialise changes to the pins under ROOT (load, reload, confirm, detach,
 * a rollback): an exclusive flock, held until the returned fd is closed.
 */
int xr_dp_lock(const char *root);
/* -ESTALE when the pins no longer describe a program attached to IFACE
 * (the interface was removed or recreated, or the program detached). */
int xr_dp_check_live(const struct xr_maps *m, const char *iface);

/* Detach the program and remove every pin under ROOT/IFACE. */
int xr_dp_detach(const char *root, const char *iface);

int xr_dp_read_meta(const struct xr_maps *m, struct xr_meta *meta);
int xr_dp_write_meta(const struct xr_maps *m, const struct xr_meta *meta);
int xr_dp_read_rules(const struct xr_maps *m, __u32 gen, __u32 n,
		     struct xr_rule_info *out);
/* Counters summed over CPUs: XR_STAT_KEYS port slots, XR_CLASS_MAX classes. */
int xr_dp_read_port_stats(const struct xr_maps *m, struct xr_counters *out);
int xr_dp_read_class_stats(const struct xr_maps *m, struct xr_counters *out);
/* Guard and rate drops summed over CPUs: XR_STAT_KEYS port slots. */
int xr_dp_read_limit_stats(const struct xr_maps *m,
			   struct xr_limit_counters *out);
/* How many sources xr_rate_src can track (its sets x XR_RATE_WAYS). */
int xr_dp_rate_sources(const struct xr_maps *m, __u32 *max);
/* The link's program id and interface. */
int xr_dp_link_info(const struct xr_maps *m, __u32 *prog_id, __u32 *ifindex);

/*
 * The audit record map PIN_ROOT/IFACE/xr_audit (loader/audit.c): an fd, made
 * and pinned with CREATE when absent; -ENOENT where no filter's pins are.
 * The caller holds the pin root's lock when it creates or writes.
 */
int xr_dp_audit_open(const char *root, const char *iface, bool create);
int xr_dp_audit_read(int fd, __u32 key, struct xr_audit_rec *rec);
int xr_dp_audit_write(int fd, __u32 key, const struct xr_audit_rec *rec);

#endif /* XR_DATAPATH_H */
