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
 * a server address reached through IFACE - on IFACE itself, on a bridge or
 * bond it is a port of, on a VLAN, macvlan or ipvlan device over it (read
 * with rtnetlink), or a link-local fe80::...%DEV on one of those - and
 * POLICY would drop that session's port from its client, print why and
 * what to add, and return -EPERM. With no session through IFACE, warn
 * (only) when POLICY closes every port sshd listens on through IFACE
 * (its listening sockets, from sock_diag). Returns 0 otherwise.
 */
int xr_ssh_guard(const struct xr_policy *policy, const char *iface);

#endif /* XR_SSH_GUARD_H */
