/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics: where in a profile a value was written, and the one line that
 * reports a mistake there, "file:line:column: error: what is wrong; what is
 * right". Errors are printed once and kept for tests; warnings wait until
 * the profile is known to be good. Also the helpers every message uses:
 * clipped quotes of profile text and nearest-word suggestions.
 */
#ifndef XR_DIAG_H
#define XR_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#define XR_CLIP 40 /* profile text quoted in a message is clipped to this */

struct xr_loc {
	const char *file;  /* owned by the profile (xr_profile.files) */
	unsigned int line; /* 1-based */
	unsigned int col;  /* 1-based */
};

/* Error reporting: once, to stderr, and kept for tests. */
void xr_error_at(const struct xr_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void xr_warning_at(const struct xr_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* About a file as a whole, before it has lines: "file: error: ...". */
void xr_error_file(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print (PRINT) or drop the warnings held back until the profile is good. */
void xr_warnings_flush(bool print);
const char *xr_last_error(void);
/*
 * Where the last error was reported (a copy: valid after the profile is
 * freed), or NULL when it was about a whole file or no error was reported.
 */
const struct xr_loc *xr_last_error_loc(void);
/* Errors reported so far: each mistake is reported exactly once. */
unsigned int xr_error_count(void);
const char *xr_last_warning(void);
unsigned int xr_warning_count(void);
/* Tests: keep messages (xr_last_error) but do not print them. */
void xr_errors_quiet(bool quiet);

/*
 * A character that must not be in a label or name: its length in bytes at S
 * (UTF-8) and its code point into *CP, or 0. C0 and C1 controls, DEL, line
 * and paragraph separators, Unicode bidi controls (U+061C, U+200E-U+200F,
 * U+202A-U+202E, U+2066-U+2069: they reorder what a terminal shows after
 * them) and zero-width characters (U+200B-U+200D, U+2060, U+FEFF).
 */
size_t xr_unsafe_char(const char *s, unsigned int *cp);

/* Profile text for a message: clipped to XR_CLIP, xr_unsafe_char()s as '?'. */
const char *xr_clip(const char *s, char *buf, size_t len);
/* A clipped copy of S, alive until the end of the enclosing block. */
#define XR_CLIPPED(s) xr_clip((s), (char[XR_CLIP + 8]){0}, XR_CLIP + 8)

/* The word of KNOWN that S looks like a typo of, or NULL. */
const char *xr_nearest(const char *s, const char *const *known, size_t n);
/* "a, b, c" into BUF (truncated to LEN). */
void xr_join_words(const char *const *words, size_t n, char *buf, size_t len);

#endif /* XR_DIAG_H */
