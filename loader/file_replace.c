// SPDX-License-Identifier: GPL-2.0
/*
 * Files the operator's tools read while we write them: detect's profile,
 * export's rules, stats' textfile for node_exporter. A reader must see the
 * old file or the new one, never half of one, and a failed write must not
 * destroy the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_replace.h"

int xr_file_replace(const char *path, int (*fill)(FILE *f, void *arg),
		    void *arg)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
	const char *d;
	int fd, dfd, err;
	FILE *f;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    snprintf(base, sizeof(base), "%s", path) >= (int)sizeof(base))
		return -ENAMETOOLONG;
	/* dirname() and basename() may write into their argument: copies. */
	d = dirname(dir);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", d, basename(base)) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	/* mkstemp makes it 0600: nothing here is a secret, and the readers
	 * (node_exporter, nft, an editor) may run as other users. */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	err = fill(f, arg);
	errno = 0;
	if ((fflush(f) || ferror(f) || fsync(fd)) && !err)
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	dfd = open(d, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
