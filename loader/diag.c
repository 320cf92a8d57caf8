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
static unsigned int nwarnings;
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

const char *xr_clip(const char *s, char *buf, size_t len)
{
	size_t max = XR_CLIP, n;

	if (len < 5) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	if (max > len - 4)
		max = len - 4;
	for (n = 0; s[n] && n < max; n++) {
		unsigned char ch = s[n];

		buf[n] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (s[n]) {
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
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
