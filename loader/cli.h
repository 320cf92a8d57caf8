/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Options parsed once in main.c and handed to every command handler.
 * Handlers return the process exit code: 0 ok, 1 runtime failure, 2 usage or
 * profile error.
 */
#ifndef XR_CLI_H
#define XR_CLI_H

#include <stdbool.h>

#include "toggles.h"

#define XR_EXIT_OK 0
#define XR_EXIT_RUNTIME 1
#define XR_EXIT_USAGE 2

#define XR_PIN_ROOT_DEFAULT "/sys/fs/bpf/xdp-reflector"

struct xr_opts {
	/* positional arguments after the command */
	const char *iface;
	const char *profile;
	/* global */
	bool json;
	int verbose;
	const char *pin_root;
	/* load / reload */
	struct xr_toggles toggles;
	const char *mode; /* "native" (default) or "generic" */
	bool replace;
	bool force;
	int confirm_secs; /* 0: no confirmation asked */
	/* stats */
	int top;
	double watch_secs;
	bool ports;
	bool prometheus;
	const char *textfile_dir;
	int watch_count; /* 0: until interrupted (tests bound it) */
	/* detect */
	const char *dir;
	const char *compose_files[16];
	size_t ncompose_files;
	bool listening;
	/* export */
	const char *format; /* checked by cmd_export.c */
	/* detect, export: -o FILE; NULL or "-": stdout */
	const char *output;
	bool reset; /* stats --reset */
	/* load / reload: 1 --monitor, 0 --enforce, -1 neither (reload keeps
	 * the mode in force, load enforces) */
	int monitor;
	/* capture */
	const char *capture_file; /* -w FILE, "-" for stdout */
	long capture_count; /* -c COUNT; 0: until interrupted */
	int snaplen;
	const char *capture_rule; /* --rule SERVICE */
	const char *capture_port; /* --port N/PROTO */
};

/*
 * Map the 0/-errno result of option parsing or of building a policy to an
 * exit code: there, -EINVAL is a usage or profile error. Kernel and system
 * failures are runtime errors (1) whatever their errno.
 */
int xr_exit_code(int err);

int xr_cmd_check(struct xr_opts *o);
int xr_cmd_export(struct xr_opts *o);
/* The profile compiled as `check` does, its error reported (cmd_check.c). */
struct xr_policy;
int xr_check_build(const struct xr_opts *o, struct xr_policy **p);
int xr_cmd_profiles(struct xr_opts *o);
int xr_cmd_load(struct xr_opts *o);
int xr_cmd_reload(struct xr_opts *o);
int xr_cmd_confirm(struct xr_opts *o);
int xr_cmd_detach(struct xr_opts *o);
int xr_cmd_status(struct xr_opts *o);
int xr_cmd_stats(struct xr_opts *o);
int xr_cmd_demo(struct xr_opts *o);
int xr_cmd_detect(struct xr_opts *o);
int xr_cmd_capture(struct xr_opts *o);
/* The hidden `__rollback` command a --confirm starts (ARGV[0] is its name). */
int xr_cmd_rollback(int argc, char **argv);

#endif /* XR_CLI_H */
