// SPDX-License-Identifier: GPL-2.0
/*
 * `export PROFILE --format FORMAT [-o FILE]`: the profile, compiled with the
 * operator's toggles exactly as `check` compiles it, written as another
 * firewall's rules (export.c and its renderers). Never touches the kernel.
 * With -o the file is replaced whole or not at all.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "file_replace.h"
#include "policy.h"

struct export_fill {
	const struct xr_policy *p;
	int format;
};

static int export_fill(FILE *f, void *arg)
{
	const struct export_fill *e = arg;

	return xr_export_write(e->p, e->format, f);
}

int xr_cmd_export(struct xr_opts *o)
{
	struct xr_policy *p;
	int format, err;

	if (!o->format) {
		fprintf(stderr,
			"export: error: no --format given; formats: "
			"%s\n",
			xr_export_format_list());
		return XR_EXIT_USAGE;
	}
	format = xr_export_format_parse(o->format);
	if (format < 0) {
		fprintf(stderr,
			"export: error: unknown format '%.20s'; "
			"formats: %s\n",
			o->format, xr_export_format_list());
		return XR_EXIT_USAGE;
	}
	err = xr_check_build(o, &p);
	if (err)
		return err;
	if (o->output && strcmp(o->output, "-")) {
		struct export_fill e = { p, format };

		err = xr_file_replace(o->output, export_fill, &e);
		if (err)
			fprintf(stderr, "export: error: cannot write %s: %s\n",
				o->output, strerror(-err));
	} else {
		err = xr_export_write(p, format, stdout);
		if (err)
			fprintf(stderr,
				"export: error: writing the output: "
				"%s\n",
				strerror(-err));
	}
	xr_policy_free(p);
	return err ? XR_EXIT_RUNTIME : XR_EXIT_OK;
}
