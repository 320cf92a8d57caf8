/* SPDX-License-Identifier: GPL-2.0 */
/* The pin root as the host sees it, also under `ip netns exec`. */
#ifndef XR_PIN_ROOT_H
#define XR_PIN_ROOT_H

/*
 * When PIN_ROOT lies under /sys/fs/bpf and that is no bpffs in this mount
 * namespace (ip netns exec), move to the mount namespace of the nearest
 * ancestor process where it is one. Returns 0, or -errno after printing
 * what to run instead.
 */
int xr_pin_root_resolve(const char *pin_root);

#endif /* XR_PIN_ROOT_H */
