/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pins made by another build (an upgrade of the package leaves the old
 * program attached with its pins): are the maps under PIN_ROOT/IFACE the
 * ones this build's object and loader make. Taking over from such a
 * program without a gap is takeover.c.
 */
#ifndef XR_PIN_COMPAT_H
#define XR_PIN_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

/* What xr_dp_open() returns for pins of another build. */
#define XR_EOTHERBUILD EPROTO

/*
 * 0 when every pin under DIR is one this build makes, with this build's
 * type, key and value size, max_entries and kernel name (the object's maps
 * from the skeleton; xr_audit from the loader), absent link pins and an
 * absent xr_audit being fine; -XR_EOTHERBUILD with WHY naming the first
 * differences ("xr_rule_stats: missing") when not. Prints nothing.
 */
int xr_pin_compat(const char *dir, char *why, size_t len);

/* The XDP link pinned under ROOT/IFACE holds the program attached there. */
bool xr_pins_live(const char *root, const char *iface);

/*
 * After xr_dp_open() said -XR_EOTHERBUILD: tell the operator, once. When the
 * old program is still attached, that `load --replace` takes over; when
 * not, that the pins are stale (detach, then load).
 */
void xr_pin_compat_report(const char *root, const char *iface);

#endif /* XR_PIN_COMPAT_H */
