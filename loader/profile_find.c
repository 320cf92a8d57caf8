// SPDX-License-Identifier: GPL-2.0
/*
 * Where profiles are: the built-in directories (the environment, the build
 * tree, the installed share directory) and how a reference names a file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"

#define XR_DIRS_MAX 4

/*
 * "/a/b/../c/./d" -> "/a/c/d" without touching the filesystem, for a
 * directory that does not exist (realpath() fails there): messages show
 * where the loader looked, not how it got there.
 */
static void normalize(char *path)
{
	char *out = path, *in = path;

	if (*in != '/')
		return;
	while (*in) {
		size_t n;

		while (*in == '/')
			in++;
		n = strcspn(in, "/");
		if (!n)
			break;
		if (n == 1 && in[0] == '.') {
			in += n;
			continue;
		}
		if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (out > path && *--out != '/')
				;
			in += n;
			continue;
		}
		*out++ = '/';
		memmove(out, in, n);
		out += n;
		in += n;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

static void add_dir(char bufs[][PATH_MAX], const char **dirs, size_t *n,
		    const char *base, const char *suffix)
{
	char raw[PATH_MAX];
	size_t i;
	int w;

	if (*n == XR_DIRS_MAX)
		return;
	w = snprintf(raw, sizeof(raw), "%s%s", base, suffix);
	if (w < 0 || (size_t)w >= sizeof(raw))
		return;
	/* Show "/usr/share/..." rather than "/usr/bin/../share/...". */
	if (!realpath(raw, bufs[*n])) {
		memcpy(bufs[*n], raw, sizeof(raw));
		normalize(bufs[*n]);
	}
	for (i = 0; i < *n; i++)
		if (!strcmp(dirs[i], bufs[*n]))
			return;
	dirs[*n] = bufs[*n];
	(*n)++;
}

const char *const *xr_profile_dirs(void)
{
	static char bufs[XR_DIRS_MAX][PATH_MAX];
	static const char *dirs[XR_DIRS_MAX + 1];
	const char *env = getenv("XDP_REFLECTOR_PROFILE_DIR");
	char exe[PATH_MAX];
	ssize_t len;
	size_t n = 0;

	if (env && *env)
		add_dir(bufs, dirs, &n, env, "");
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *slash;

		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* The build tree: build/xdp-reflector -> policies/. */
			add_dir(bufs, dirs, &n, exe, "/../policies");
			/* Installed: PREFIX/bin ->
			 * PREFIX/share/xdp-reflector/profiles. */
			add_dir(bufs, dirs, &n, exe,
				"/../share/xdp-reflector/profiles");
		}
	}
#ifdef XR_SHAREDIR
	add_dir(bufs, dirs, &n, XR_SHAREDIR, "/profiles");
#endif
	dirs[n] = NULL;
	return dirs;
}

bool xr_profile_is_name(const char *ref)
{
	size_t n = strlen(ref);

	if (strchr(ref, '/'))
		return false;
	if (n >= 5 && !strcmp(ref + n - 5, ".yaml"))
		return false;
	if (n >= 4 && !strcmp(ref + n - 4, ".yml"))
		return false;
	return true;
}

bool xr_profile_meant_builtin(const char *ref, char *name, size_t len)
{
	const char *dot = strrchr(ref, '.');
	char path[PATH_MAX];
	int w;

	if (xr_profile_is_name(ref) || strchr(ref, '/') || !dot || dot == ref)
		return false;
	w = snprintf(name, len, "%.*s", (int)(dot - ref), ref);
	if (w < 0 || (size_t)w >= len)
		return false;
	return !xr_profile_find(name, NULL, path, sizeof(path));
}

int xr_profile_find(const char *ref, const char *from, char *path, size_t len)
{
	const char *const *dirs;
	struct stat st;
	int w;

	if (!*ref)
		return -ENOENT;
	if (!xr_profile_is_name(ref)) {
		const char *slash = from ? strrchr(from, '/') : NULL;

		if (ref[0] == '/' || !slash)
			w = snprintf(path, len, "%s", ref);
		else
			w = snprintf(path, len, "%.*s/%s", (int)(slash - from),
				     from, ref);
		if (w < 0 || (size_t)w >= len)
			return -ENAMETOOLONG;
		return stat(path, &st) ? -errno : 0;
	}
	for (dirs = xr_profile_dirs(); *dirs; dirs++) {
		w = snprintf(path, len, "%s/%s.yaml", *dirs, ref);
		if (w < 0 || (size_t)w >= len)
			continue;
		if (!stat(path, &st) && S_ISREG(st.st_mode))
			return 0;
	}
	snprintf(path, len, "%s", ref);
	return -ENOENT;
}

/* "reflector-caddy, reflector-direct": the built-ins, for messages. */
void xr_profile_builtin_names(char *buf, size_t len)
{
	const char *const *dirs;
	size_t used = 0;

	buf[0] = '\0';
	for (dirs = xr_profile_dirs(); *dirs; dirs++) {
		struct dirent **names;
		int n, i;

		n = scandir(*dirs, &names, NULL, alphasort);
		if (n < 0)
			continue;
		for (i = 0; i < n; i++) {
			size_t l = strlen(names[i]->d_name);

			if (l > 5 &&
			    !strcmp(names[i]->d_name + l - 5, ".yaml") &&
			    used < len) {
				int w = snprintf(buf + used, len - used,
						 "%s%.*s", used ? ", " : "",
						 (int)(l - 5),
						 names[i]->d_name);
				if (w > 0)
					used += (size_t)w;
			}
			free(names[i]);
		}
		free(names);
		break; /* the first directory that exists */
	}
	if (!buf[0])
		snprintf(buf, len, "none found");
}

void xr_profile_dir_list(char *buf, size_t len)
{
	const char *const *dirs = xr_profile_dirs();
	size_t n = 0;

	while (dirs[n])
		n++;
	xr_join_words(dirs, n, buf, len);
}
