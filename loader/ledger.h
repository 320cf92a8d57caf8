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

/*
 * A rule's counts: LS's carried + (NOW, the sum of its ports' counters
 * now, - LS's base).
 */
void xr_ledger_total(const struct xr_rule_stats *ls,
		     const struct xr_counters *now, struct xr_counters *out);

/*
 * A reload from OLD (NOLD rules, ledger OLD_LS, OLD_NOW the sums of their
 * ports now) to NEW (NNEW rules, NEW_NOW likewise): fill NEW_LS, each rule
 * carrying the counts of the old rule of the same identity (with its
 * since) or starting from zero at NOW, its base NEW_NOW. Old rules
 * without successor are appended to REMOVED (*NREMOVED of CAP used; when
 * full the oldest go).
 */
void xr_ledger_carry(const struct xr_rule_info *old,
		     const struct xr_rule_stats *old_ls,
		     const struct xr_counters *old_now, size_t nold,
		     const struct xr_rule_info *new,
		     const struct xr_counters *new_now,
		     struct xr_rule_stats *new_ls, size_t nnew,
		     struct xr_rule_stats *removed, size_t *nremoved,
		     size_t cap, __u64 now);

#endif /* XR_LEDGER_H */
