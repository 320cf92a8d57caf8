/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit trail (audit.c): one syslog line per load, reload, confirm,
 * rollback, detach and refused attempt, and the last change kept in the pins
 * for `status`.
 */
#ifndef XR_AUDIT_H
#define XR_AUDIT_H

#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "policy.h"

/*
 * main.c, around a command: xr_audit_begin() before its options are parsed
 * (for load, reload, confirm and detach it keeps a copy of the first error
 * line the command prints); xr_audit_before() once they are, before the
 * command runs; xr_audit_end() with its exit code, which it returns.
 */
void xr_audit_begin(const char *cmd);
void xr_audit_before(const struct xr_opts *o);
int xr_audit_end(const struct xr_opts *o, int rc);

/* load and reload: the policy they compiled, for the line (what and hash). */
void xr_audit_policy(const struct xr_policy *p);

/*
 * The --confirm rollback process (cmd_rollback.c), under the pin root's
 * lock. Before it acts, CHANGE: the change it may take back (who made it;
 * zeroed when unknown). After: the policy it took back (TAKEN_BACK),
 * whether that worked (OK) and what it did (WHAT).
 */
void xr_audit_read_change(const char *root, const char *iface,
			  struct xr_audit_rec *change);
void xr_audit_rollback(const char *root, const char *iface,
		       const struct xr_audit_rec *change,
		       const struct xr_meta_policy *taken_back, int ok,
		       const char *what);

/* status: the last change (and a later refused attempt) of IFACE; in J
 * when not NULL, else as text lines under the interface's row. */
void xr_audit_show(const char *root, const char *iface, struct json *j);

#endif /* XR_AUDIT_H */
