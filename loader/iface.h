/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IFACE arguments, checked before they reach a pin path or a syscall: the
 * name a kernel would accept for a device (it becomes a directory under the
 * pin root), and a link layer the packet parser understands.
 */
#ifndef XR_IFACE_H
#define XR_IFACE_H

/*
 * The rule NAME breaks, as a phrase for an error message, or NULL when it is
 * a valid interface name: 1 to 15 bytes (IFNAMSIZ - 1), not "." or "..",
 * no '/', no ':', no whitespace and no control character. The kernel's
 * dev_valid_name() refuses the same, except control characters, which no
 * tool makes and a terminal would act on.
 */
const char *xr_iface_name_rule(const char *name);

/* Print the one-line error for an invalid NAME; 0 or -EINVAL. */
int xr_iface_check_name(const char *name);

/*
 * 0 when IFACE (in this network namespace) is an Ethernet device; -EINVAL,
 * after printing why and what to filter instead, when frames on it do not
 * start with an Ethernet header; -errno when the type cannot be read.
 */
int xr_iface_check_ethernet(const char *iface);

#endif /* XR_IFACE_H */
