/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters that follow their rule (pure, unit-tested): the port counters
 * count per (protocol, port) for as long as the program is attached; what
 * a rule has counted is kept per rule identity (service, protocol, ports)
 * in xr_rule_stats (include/xdp_reflector.h). This file does the
 * arithmetic; generation.c reads and writes the maps.
 */
#ifndef XR_LEDGER_H
#define XR_LEDGER_H

#include <stdbool.h>
#include <stddef.h>

#include "xdp_reflector.h"

/* Same service, protocol and ports. */
bool xr_ledger_same_rule(const struct xr_rule_info *a,
			 const struct xr_rule_info *b);

/* Sum of PORTS (XR_STAT_KEYS slots) over the ports of rule RI. */
void xr_ledger_rule_sum(const struct xr_counters *ports,
			const struct xr_rule_info *ri, struct xr_counters *out);

/* Rule RI's counts: LS's carried + (its ports' sums now - LS's base). */
void xr_ledger_total(const struct xr_counters *ports,
		     const struct xr_rule_info *ri,
		     const struct xr_rule_stats *ls, struct xr_counters *out);

/*
 * A reload from OLD (NOLD rules, ledger OLD_LS) to NEW (NNEW rules): fill
 * NEW_LS, each rule carrying the counts of the old rule of the same
 * identity (with its since) or starting from zero at NOW, its base the
 * sums of its ports in PORTS. Old rules without successor are appended
 * to REMOVED (*NREMOVED of CAP used; when full the oldest go).
 */
void xr_ledger_carry(const struct xr_counters *ports,
		     const struct xr_rule_info *old,
		     const struct xr_rule_stats *old_ls, size_t nold,
		     const struct xr_rule_info *new,
		     struct xr_rule_stats *new_ls, size_t nnew,
		     struct xr_rule_stats *removed, size_t *nremoved,
		     size_t cap, __u64 now);

#endif /* XR_LEDGER_H */
