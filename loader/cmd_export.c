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
#include "policy.h"

/* Write P to PATH through a temporary file beside it and a rename. */
static int write_file(const struct xr_policy *p, int format, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "export: error: %s: %s\n", path,
			strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "export: error: cannot write beside %s: %s\n",
			path, strerror(errno));
		return err;
	}
	/* mkstemp makes it 0600: rules are no secret, give a file's usual mode.
	 */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		fprintf(stderr, "export: error: %s: %s\n", tmp,
			strerror(errno));
		close(fd);
		unlink(tmp);
		return err;
	}
	err = xr_export_write(p, format, f);
	if (fsync(fileno(f)) && !err)
		err = -errno;
	if (fclose(f) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		fprintf(stderr, "export: error: cannot write %s: %s\n", path,
			strerror(-err));
		unlink(tmp);
	}
	return err;
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
	/* The same call and the same messages as `check`. */
	err = xr_policy_build(o->profile, &o->toggles, &p);
	if (err) {
		if (err != -EINVAL && err != -ENOMEM && !*xr_last_error())
			fprintf(stderr, "%s: error: %s\n", o->profile,
				strerror(-err));
		return xr_exit_code(err);
	}
	if (o->output && strcmp(o->output, "-")) {
		err = write_file(p, format, o->output);
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
