// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-reflector: options and the command table. Global options are parsed
 * once; each command names the options it accepts, and --help / help COMMAND
 * are generated from the same tables.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "iface.h"
#include "pin_root.h"
#include "schema.h"
#include "version.h"
#include "xdp_reflector.h"

enum opt_bit {
	O_JSON = 1 << 0,
	O_TOGGLES = 1 << 1,
	O_MODE = 1 << 2,
	O_REPLACE = 1 << 3,
	O_CONFIRM = 1 << 4,
	O_FORCE = 1 << 5,
	O_PIN = 1 << 6,
	O_STATS = 1 << 7,
	O_DETECT = 1 << 8,
	O_EXPORT = 1 << 9,
	O_OUTPUT = 1 << 10, /* -o: detect and export */
	O_MONITOR = 1 << 11,
	O_ENFORCE = 1 << 12,
	O_CAPTURE = 1 << 13,
	O_RESET = 1 << 14,
};

struct opt_doc {
	enum opt_bit bit;
	const char *usage;
	const char *help;
};

static const struct opt_doc opt_docs[] = {
	{ O_TOGGLES, "--enable FEATURE", "turn a profile feature on" },
	{ O_TOGGLES, "--disable FEATURE", "turn a profile feature off" },
	{ O_TOGGLES, "--source FEATURE=CIDR",
	  "allow FEATURE only from CIDR (repeatable)" },
	{ O_MODE, "--mode native|generic",
	  "XDP attach mode (default native; never falls back)" },
	{ O_REPLACE, "--replace", "take over from another XDP program" },
	{ O_CONFIRM, "--confirm SECONDS",
	  "roll back unless `confirm IFACE` runs in time" },
	{ O_FORCE, "--force", "apply even if it would cut this SSH session" },
	{ O_MONITOR, "--monitor",
	  "drop nothing; count what would be dropped (reload: keeps the mode in force unless told)" },
	{ O_ENFORCE, "--enforce", "drop again (leave monitor mode)" },
	{ O_CAPTURE, "-w FILE|-", "write the pcap to FILE, or - for stdout" },
	{ O_CAPTURE, "-c COUNT", "stop after COUNT packets" },
	{ O_CAPTURE, "--snaplen N",
	  "copy at most N bytes of each packet (default and most 2048)" },
	{ O_CAPTURE, "--rule SERVICE", "only drops to the ports of SERVICE's rules" },
	{ O_CAPTURE, "--port N[-M]/PROTO", "only drops to these ports (tcp, udp)" },
	{ O_RESET, "--reset", "set every counter to zero, counting from now" },
	{ O_STATS, "--top N", "show the N most dropped ports (default 10)" },
	{ O_STATS, "--ports", "one row per port with traffic" },
	{ O_STATS, "--watch SECONDS", "redraw with rates until interrupted" },
	{ O_STATS, "--count N", "stop --watch after N refreshes" },
	{ O_STATS, "--prometheus", "print the Prometheus text format" },
	{ O_STATS, "--textfile DIR",
	  "write DIR/xdp_reflector_IFACE.prom atomically" },
	{ O_DETECT, "-f, --file FILE",
	  "a compose file to read (repeatable; default: DIR's compose*.y[a]ml, docker-compose*.y[a]ml)" },
	{ O_DETECT, "--listening",
	  "also warn about sockets on every address the profile drops" },
	{ O_EXPORT, "--format FORMAT",
	  "nft|ufw|doctl|aws: the firewall to write rules for" },
	{ O_OUTPUT, "-o, --output FILE",
	  "write FILE (replaced whole) instead of stdout" },
	{ O_PIN, "--pin-dir DIR",
	  "bpffs directory of the pins (default " XR_PIN_ROOT_DEFAULT ")" },
	{ O_JSON, "-j, --json", "JSON output" },
};

static int cmd_version(struct xr_opts *o)
{
	(void)o;
	printf("xdp-reflector %s\n", XR_VERSION);
	return XR_EXIT_OK;
}

struct cmd {
	const char *name;
	int (*fn)(struct xr_opts *o);
	const char *args; /* positional arguments */
	int nargs_min, nargs_max;
	unsigned int opts;
	const char *help;
};

static const struct cmd cmds[] = {
	{ "load", xr_cmd_load, "IFACE PROFILE", 2, 2,
	  O_TOGGLES | O_MODE | O_REPLACE | O_CONFIRM | O_FORCE | O_PIN |
		  O_MONITOR,
	  "attach the filter to IFACE with PROFILE" },
	{ "reload", xr_cmd_reload, "IFACE PROFILE", 2, 2,
	  O_TOGGLES | O_CONFIRM | O_FORCE | O_PIN | O_MONITOR | O_ENFORCE,
	  "replace the policy on IFACE in one step" },
	{ "confirm", xr_cmd_confirm, "IFACE", 1, 1, O_PIN,
	  "keep the policy a --confirm load or reload put in force" },
	{ "detach", xr_cmd_detach, "IFACE", 1, 1, O_PIN,
	  "remove the filter and every pin it made" },
	{ "status", xr_cmd_status, "[IFACE]", 0, 1, O_JSON | O_PIN,
	  "show where the filter is loaded, with what" },
	{ "stats", xr_cmd_stats, "[IFACE]", 0, 1,
	  O_JSON | O_PIN | O_STATS | O_RESET,
	  "per-rule, per-class and top dropped port counters" },
	{ "capture", xr_cmd_capture, "IFACE", 1, 1, O_CAPTURE | O_PIN,
	  "write the packets the filter drops as pcap" },
	{ "check", xr_cmd_check, "PROFILE", 1, 1, O_JSON | O_TOGGLES,
	  "validate PROFILE and print the compiled allow list" },
	{ "detect", xr_cmd_detect, "[DIR]", 0, 1, O_JSON | O_DETECT | O_OUTPUT,
	  "write the profile a compose deployment needs" },
	{ "export", xr_cmd_export, "PROFILE", 1, 1,
	  O_TOGGLES | O_EXPORT | O_OUTPUT,
	  "write PROFILE as nftables, ufw, DigitalOcean or AWS rules" },
	{ "profiles", xr_cmd_profiles, "", 0, 0, O_JSON,
	  "list the built-in profiles" },
	{ "demo", xr_cmd_demo, "", 0, 0, 0,
	  "run the filter on a throwaway namespace pair" },
	{ "version", cmd_version, "", 0, 0, 0,
	  "print the version (also --version)" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	L_ENABLE = 256,
	L_DISABLE,
	L_SOURCE,
	L_MODE,
	L_REPLACE,
	L_CONFIRM,
	L_FORCE,
	L_PIN,
	L_TOP,
	L_PORTS,
	L_WATCH,
	L_PROM,
	L_TEXTFILE,
	L_COUNT,
	L_LISTENING,
	L_FORMAT,
	L_MONITOR,
	L_ENFORCE,
	L_SNAPLEN,
	L_RULE,
	L_PORT,
	L_RESET,
};

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "enable", required_argument, NULL, L_ENABLE },
	{ "disable", required_argument, NULL, L_DISABLE },
	{ "source", required_argument, NULL, L_SOURCE },
	{ "mode", required_argument, NULL, L_MODE },
	{ "replace", no_argument, NULL, L_REPLACE },
	{ "confirm", required_argument, NULL, L_CONFIRM },
	{ "force", no_argument, NULL, L_FORCE },
	{ "pin-dir", required_argument, NULL, L_PIN },
	{ "top", required_argument, NULL, L_TOP },
	{ "ports", no_argument, NULL, L_PORTS },
	{ "watch", required_argument, NULL, L_WATCH },
	{ "prometheus", no_argument, NULL, L_PROM },
	{ "textfile", required_argument, NULL, L_TEXTFILE },
	{ "count", required_argument, NULL, L_COUNT }, /* bounds --watch */
	{ "file", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "listening", no_argument, NULL, L_LISTENING },
	{ "format", required_argument, NULL, L_FORMAT },
	{ "monitor", no_argument, NULL, L_MONITOR },
	{ "enforce", no_argument, NULL, L_ENFORCE },
	{ "snaplen", required_argument, NULL, L_SNAPLEN },
	{ "rule", required_argument, NULL, L_RULE },
	{ "port", required_argument, NULL, L_PORT },
	{ "reset", no_argument, NULL, L_RESET },
	{ NULL, 0, NULL, 0 },
};

static void usage_cmd(FILE *f, const struct cmd *c)
{
	size_t i;

	fprintf(f, "usage: xdp-reflector %s %s%s\n  %s\n", c->name, c->args,
		c->opts ? " [OPTIONS]" : "", c->help);
	for (i = 0; i < ARRAY_SIZE(opt_docs); i++)
		if (c->opts & opt_docs[i].bit)
			fprintf(f, "    %-24s %s\n", opt_docs[i].usage,
				opt_docs[i].help);
	if (c->fn == xr_cmd_check)
		xr_schema_help(f);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: xdp-reflector COMMAND [ARGS] [OPTIONS] [-v]\n\n"
		   "commands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-9s %-15s %s\n", cmds[i].name, cmds[i].args,
			cmds[i].help);
	fprintf(f, "\n`xdp-reflector help COMMAND` shows a command's options.\n"
		   "exit codes: 0 ok, 1 runtime failure, 2 usage or profile error\n");
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int opt_bit_of(int c)
{
	switch (c) {
	case 'j':
		return O_JSON;
	case L_ENABLE:
	case L_DISABLE:
	case L_SOURCE:
		return O_TOGGLES;
	case L_MODE:
		return O_MODE;
	case L_REPLACE:
		return O_REPLACE;
	case L_CONFIRM:
		return O_CONFIRM;
	case L_FORCE:
		return O_FORCE;
	case L_PIN:
		return O_PIN;
	case 'f':
	case L_LISTENING:
		return O_DETECT;
	case L_FORMAT:
		return O_EXPORT;
	case 'o':
		return O_OUTPUT;
	case L_MONITOR:
		return O_MONITOR;
	case L_ENFORCE:
		return O_ENFORCE;
	case 'w':
	case 'c':
	case L_SNAPLEN:
	case L_RULE:
	case L_PORT:
		return O_CAPTURE;
	case L_RESET:
		return O_RESET;
	default:
		return O_STATS;
	}
}

static int parse_int(const char *s, const char *what, long min, long max,
		     long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "error: %s must be a number from %ld to %ld, not '%.20s'\n",
			what, min, max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int add_toggle(const char **list, size_t *n, const char *v)
{
	if (*n >= XR_TOGGLES_MAX) {
		fprintf(stderr, "error: more than %d feature options\n",
			XR_TOGGLES_MAX);
		return -EINVAL;
	}
	list[(*n)++] = v;
	return 0;
}

static int parse_opts(const struct cmd *c, int argc, char **argv,
		      struct xr_opts *o)
{
	const char *pos[2] = { NULL, NULL };
	int npos = 0, ch, err = 0, li = -1;
	char name[48];
	long v;

	optind = 1;
	opterr = 0;
	/*
	 * '-' keeps positionals in order wherever options stand; ':' tells a
	 * missing value apart from an unknown option.
	 */
	while ((ch = getopt_long(argc, argv, "-:jvhf:o:w:c:", long_opts,
				 &li)) != -1) {
		if (ch == 1) {
			if (npos >= c->nargs_max) {
				fprintf(stderr, "error: %s: unexpected argument '%.40s'\n",
					c->name, optarg);
				return -EINVAL;
			}
			pos[npos++] = optarg;
			continue;
		}
		if (ch == 'v') {
			o->verbose++;
			continue;
		}
		if (ch == 'h') {
			usage_cmd(stdout, c);
			exit(XR_EXIT_OK);
		}
		if (ch == ':') {
			fprintf(stderr, "error: %s: option '%.40s' needs a value (see `xdp-reflector help %s`)\n",
				c->name, argv[optind - 1], c->name);
			return -EINVAL;
		}
		if (ch == '?') {
			fprintf(stderr, "error: %s: unknown option '%.40s' (see `xdp-reflector help %s`)\n",
				c->name, argv[optind - 1], c->name);
			return -EINVAL;
		}
		if (li >= 0)
			snprintf(name, sizeof(name), "--%s", long_opts[li].name);
		else
			snprintf(name, sizeof(name), "-%c", ch);
		li = -1;
		if (!(c->opts & opt_bit_of(ch))) {
			fprintf(stderr, "error: %s does not take %s (see `xdp-reflector help %s`)\n",
				c->name, name, c->name);
			return -EINVAL;
		}
		switch (ch) {
		case 'j':
			o->json = true;
			break;
		case L_ENABLE:
			err = add_toggle(o->toggles.enable, &o->toggles.nenable,
					 optarg);
			break;
		case L_DISABLE:
			err = add_toggle(o->toggles.disable,
					 &o->toggles.ndisable, optarg);
			break;
		case L_SOURCE:
			err = add_toggle(o->toggles.source, &o->toggles.nsource,
					 optarg);
			break;
		case L_MODE:
			if (strcmp(optarg, "native") && strcmp(optarg, "generic")) {
				fprintf(stderr, "error: --mode is native or generic, not '%.20s'\n",
					optarg);
				return -EINVAL;
			}
			o->mode = optarg;
			break;
		case L_REPLACE:
			o->replace = true;
			break;
		case L_CONFIRM:
			err = parse_int(optarg, "--confirm SECONDS", 1, 86400, &v);
			o->confirm_secs = (int)v;
			break;
		case L_FORCE:
			o->force = true;
			break;
		case L_PIN:
			o->pin_root = optarg;
			break;
		case L_TOP:
			err = parse_int(optarg, "--top N", 0, 65536, &v);
			o->top = (int)v;
			break;
		case L_PORTS:
			o->ports = true;
			break;
		case L_WATCH:
			err = parse_int(optarg, "--watch SECONDS", 1, 3600, &v);
			o->watch_secs = (double)v;
			break;
		case L_PROM:
			o->prometheus = true;
			break;
		case L_TEXTFILE:
			o->textfile_dir = optarg;
			break;
		case 'f':
			if (o->ncompose_files >= 16) {
				fprintf(stderr, "error: more than 16 -f FILE\n");
				return -EINVAL;
			}
			o->compose_files[o->ncompose_files++] = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case L_LISTENING:
			o->listening = true;
			break;
		case L_COUNT:
			err = parse_int(optarg, "--count N", 1, 1000000, &v);
			o->watch_count = (int)v;
			break;
		case L_FORMAT:
			o->format = optarg;
			break;
		case L_MONITOR:
		case L_ENFORCE:
			if (o->monitor == (ch == L_MONITOR ? 0 : 1)) {
				fprintf(stderr, "error: %s: --monitor or --enforce, not both\n",
					c->name);
				return -EINVAL;
			}
			o->monitor = ch == L_MONITOR;
			break;
		case 'w':
			o->capture_file = optarg;
			break;
		case 'c':
			err = parse_int(optarg, "-c COUNT", 1, 1000000000, &v);
			o->capture_count = v;
			break;
		case L_SNAPLEN:
			err = parse_int(optarg, "--snaplen N", 1,
					XR_CAPTURE_SNAP_MAX, &v);
			o->snaplen = (int)v;
			break;
		case L_RULE:
			o->capture_rule = optarg;
			break;
		case L_PORT:
			o->capture_port = optarg;
			break;
		case L_RESET:
			o->reset = true;
			break;
		}
		if (err)
			return err;
	}
	if (npos < c->nargs_min) {
		fprintf(stderr, "error: %s needs %s (see `xdp-reflector help %s`)\n",
			c->name, c->args, c->name);
		return -EINVAL;
	}
	/* One positional is IFACE, but PROFILE for check and export. */
	if (!strcmp(c->name, "check") || !strcmp(c->name, "export")) {
		o->profile = pos[0];
	} else if (c->fn == xr_cmd_detect) {
		o->dir = pos[0];
	} else {
		o->iface = pos[0];
		o->profile = pos[1];
		/* Before IFACE reaches a pin path or a syscall. */
		if (o->iface && xr_iface_check_name(o->iface))
			return -EINVAL;
	}
	return 0;
}

int xr_exit_code(int err)
{
	if (!err)
		return XR_EXIT_OK;
	return err == -EINVAL ? XR_EXIT_USAGE : XR_EXIT_RUNTIME;
}

int main(int argc, char **argv)
{
	struct xr_opts o = {
		.pin_root = XR_PIN_ROOT_DEFAULT,
		.mode = "native",
		.top = 10,
		.monitor = -1,
		.snaplen = XR_CAPTURE_SNAP_MAX,
	};
	const struct cmd *c;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return XR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return XR_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(&o);
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return XR_EXIT_OK;
		}
		c = find_cmd(argv[2]);
		if (!c) {
			fprintf(stderr, "error: unknown command '%.40s'\n", argv[2]);
			return XR_EXIT_USAGE;
		}
		usage_cmd(stdout, c);
		return XR_EXIT_OK;
	}
	/* The --confirm rollback process (cmd_rollback.c), not a user command. */
	if (!strcmp(argv[1], "__rollback"))
		return xr_cmd_rollback(argc - 1, argv + 1);
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "error: unknown command '%.40s' (see `xdp-reflector --help`)\n",
			argv[1]);
		return XR_EXIT_USAGE;
	}
	/* Changes and refused attempts go to syslog (audit.c). */
	xr_audit_begin(c->name);
	if (parse_opts(c, argc - 1, argv + 1, &o)) {
		rc = XR_EXIT_USAGE;
	} else if ((c->opts & O_PIN) && xr_pin_root_resolve(o.pin_root)) {
		rc = XR_EXIT_RUNTIME;
	} else {
		xr_audit_before(&o);
		rc = c->fn(&o);
	}
	return xr_audit_end(&o, rc);
}
