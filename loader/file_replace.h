/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XR_FILE_REPLACE_H
#define XR_FILE_REPLACE_H

#include <stdio.h>

/*
 * Replace PATH whole or not at all: FILL writes the content to a hidden
 * temporary file beside PATH (".NAME.XXXXXX", a name node_exporter's
 * collector and shell globs skip), which is made 0644, synced and renamed
 * over PATH; the directory is synced too. On any error PATH is left as it
 * was and the temporary file is removed. FILL returns 0 or -errno.
 * Returns 0 or -errno; the caller reports it (it knows what was written).
 */
int xr_file_replace(const char *path, int (*fill)(FILE *f, void *arg),
		    void *arg);

#endif
