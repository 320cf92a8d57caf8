// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics (diag.h): the located error and warning lines, clipped quotes
 * of profile text and "did you mean" suggestions.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

static char last_error[768];
static char last_warning[768];
static unsigned int nwarnings, nerrors;
/* A copy of the last error's location, its file name included. */
static char last_error_file[256];
static struct xr_loc last_error_loc = {last_error_file, 0, 0};
static bool last_error_located;
static bool quiet;

static void emit(char *dst, size_t len, const char *kind,
		 const struct xr_loc *loc, const char *fmt, va_list ap)
{
	char msg[600];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (loc && loc->file)
		snprintf(dst, len, "%s:%u:%u: %s: %s", loc->file, loc->line,
			 loc->col, kind, msg);
	else
		snprintf(dst, len, "xdp-reflector: %s: %s", kind, msg);
	if (!quiet)
		fprintf(stderr, "%s\n", dst);
}

void xr_error_at(const struct xr_loc *loc, const char *fmt, ...)
{
	va_list ap;

	nerrors++;
	last_error_located = loc && loc->file;
	if (last_error_located) {
		snprintf(last_error_file, sizeof(last_error_file), "%s",
			 loc->file);
		last_error_loc.line = loc->line;
		last_error_loc.col = loc->col;
	}
	va_start(ap, fmt);
	emit(last_error, sizeof(last_error), "error", loc, fmt, ap);
	va_end(ap);
}

/*
 * Warnings wait until the profile is known to be good: a profile that fails
 * shows its one error and nothing else.
 */
#define XR_WARNINGS_QUEUED 16
static char queued[XR_WARNINGS_QUEUED][sizeof(last_warning)];
static unsigned int nqueued, noverflow;

void xr_warning_at(const struct xr_loc *loc, const char *fmt, ...)
{
	bool was_quiet = quiet;
	va_list ap;

	nwarnings++;
	quiet = true;
	va_start(ap, fmt);
	emit(last_warning, sizeof(last_warning), "warning", loc, fmt, ap);
	va_end(ap);
	quiet = was_quiet;
	if (nqueued < XR_WARNINGS_QUEUED)
		memcpy(queued[nqueued++], last_warning, sizeof(last_warning));
	else
		noverflow++;
}

void xr_warnings_flush(bool print)
{
	unsigned int i;

	for (i = 0; print && !quiet && i < nqueued; i++)
		fprintf(stderr, "%s\n", queued[i]);
	if (print && !quiet && noverflow)
		fprintf(stderr, "xdp-reflector: warning: %u more warnings\n",
			noverflow);
	nqueued = 0;
	noverflow = 0;
}

void xr_error_file(const char *file, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	nerrors++;
	last_error_located = false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(last_error, sizeof(last_error), "%s: error: %s", file, msg);
	if (!quiet)
		fprintf(stderr, "%s\n", last_error);
}

const char *xr_last_error(void)
{
	return last_error;
}

const struct xr_loc *xr_last_error_loc(void)
{
	return last_error_located ? &last_error_loc : NULL;
}

unsigned int xr_error_count(void)
{
	return nerrors;
}

const char *xr_last_warning(void)
{
	return last_warning;
}

unsigned int xr_warning_count(void)
{
	return nwarnings;
}

void xr_errors_quiet(bool q)
{
	quiet = q;
}

size_t xr_unsafe_char(const char *s, unsigned int *cp)
{
	const unsigned char *b = (const unsigned char *)s;
	unsigned int c;
	size_t n;

	if (b[0] < 0x80) {
		*cp = b[0];
		return b[0] && (b[0] < 0x20 || b[0] == 0x7f) ? 1 : 0;
	}
	/* Only well-formed 2- and 3-byte sequences can be one of these. */
	if (b[0] >= 0xc2 && b[0] <= 0xdf && (b[1] & 0xc0) == 0x80) {
		c = (b[0] & 0x1fu) << 6 | (b[1] & 0x3fu);
		n = 2;
	} else if (b[0] >= 0xe0 && b[0] <= 0xef && (b[1] & 0xc0) == 0x80 &&
		   (b[2] & 0xc0) == 0x80) {
		c = (b[0] & 0x0fu) << 12 | (b[1] & 0x3fu) << 6 | (b[2] & 0x3fu);
		n = 3;
	} else {
		return 0;
	}
	*cp = c;
	if ((c >= 0x80 && c <= 0x9f) || c == 0x61c ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x2069) || c == 0xfeff)
		return n;
	return 0;
}

const char *xr_clip(const char *s, char *buf, size_t len)
{
	size_t max = XR_CLIP, n = 0, i = 0, u;
	unsigned int cp;

	if (len < 5) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	if (max > len - 4)
		max = len - 4;
	/* I walks S, N fills BUF: an unsafe character becomes one '?'. */
	while (s[i] && n < max) {
		u = xr_unsafe_char(s + i, &cp);
		if (u) {
			buf[n++] = '?';
			i += u;
		} else {
			buf[n++] = s[i++];
		}
	}
	if (s[i]) {
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) {
			n--;
			i--;
		}
		strcpy(buf + n, "...");
	} else {
		buf[n] = '\0';
	}
	return buf;
}

/* Optimal string alignment distance, case-insensitive: typos, swaps. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
				    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
				    tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *xr_nearest(const char *s, const char *const *known, size_t nknown)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, i;

	for (i = 0; i < nknown; i++) {
		size_t d = edit_distance(s, known[i]);
		size_t limit = strlen(known[i]) >= 5 ? 2 : 1;

		if (d <= limit && d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best;
}

void xr_join_words(const char *const *words, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 words[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
