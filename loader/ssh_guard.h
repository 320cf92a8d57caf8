/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SSH guard: refuse a policy that would drop the SSH session the
 * operator runs the loader in (ufw asks; FireHOL keeps SSH_CLIENT alive).
 */
#ifndef XR_SSH_GUARD_H
#define XR_SSH_GUARD_H

#include "policy.h"

/*
 * When SSH_CONNECTION (ours, or an ancestor's: sudo and su drop it) names
 * a server address on IFACE and POLICY would drop
 * that session's packets, print why and what to add, and return -EPERM.
 * Returns 0 when the session is safe, not on IFACE, or there is none.
 */
int xr_ssh_guard(const struct xr_policy *policy, const char *iface);

#endif /* XR_SSH_GUARD_H */
