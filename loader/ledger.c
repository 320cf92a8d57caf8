// SPDX-License-Identifier: GPL-2.0
/* Counters that follow their rule: the arithmetic (see ledger.h). */
#include <string.h>

#include "ledger.h"
#include "stats.h"

bool xr_ledger_same_rule(const struct xr_rule_info *a,
			 const struct xr_rule_info *b)
{
	return a->proto == b->proto && a->first_port == b->first_port &&
	       a->last_port == b->last_port &&
	       !strncmp(a->service, b->service, sizeof(a->service));
}

void xr_ledger_total(const struct xr_rule_stats *ls,
		     const struct xr_counters *now, struct xr_counters *out)
{
	struct xr_counters since_base;

	/* Below its base only after the counters were zeroed: then all of now. */
	xr_stats_counters_delta(&ls->base, now, &since_base);
	*out = ls->carried;
	xr_stats_counters_add(out, &since_base);
}

static void push_removed(struct xr_rule_stats *removed, size_t *n, size_t cap,
			 const struct xr_rule_stats *r)
{
	if (!cap)
		return;
	if (*n >= cap) {
		memmove(removed, removed + 1, (cap - 1) * sizeof(*removed));
		*n = cap - 1;
	}
	removed[(*n)++] = *r;
}

void xr_ledger_carry(const struct xr_rule_info *old,
		     const struct xr_rule_stats *old_ls,
		     const struct xr_counters *old_now, size_t nold,
		     const struct xr_rule_info *new,
		     const struct xr_counters *new_now,
		     struct xr_rule_stats *new_ls, size_t nnew,
		     struct xr_rule_stats *removed, size_t *nremoved,
		     size_t cap, __u64 now)
{
	struct xr_rule_stats gone;
	size_t i, j;

	for (j = 0; j < nnew; j++) {
		memset(&new_ls[j], 0, sizeof(new_ls[j]));
		new_ls[j].since = now;
		new_ls[j].base = new_now[j];
	}
	for (i = 0; i < nold; i++) {
		for (j = 0; j < nnew; j++)
			if (xr_ledger_same_rule(&old[i], &new[j]))
				break;
		if (j < nnew) {
			xr_ledger_total(&old_ls[i], &old_now[i],
					&new_ls[j].carried);
			new_ls[j].since = old_ls[i].since;
			continue;
		}
		memset(&gone, 0, sizeof(gone));
		xr_ledger_total(&old_ls[i], &old_now[i], &gone.carried);
		gone.since = old_ls[i].since;
		gone.removed_at = now;
		gone.info = old[i];
		push_removed(removed, nremoved, cap, &gone);
	}
}
