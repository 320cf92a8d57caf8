// SPDX-License-Identifier: GPL-2.0
/*
 * The audit trail: who changed the policy on which interface, to what, and
 * who was refused. Every load, reload, confirm, detach (main.c wraps them),
 * every --confirm rollback (cmd_rollback.c) and every attempt of those that
 * changed nothing writes one syslog(3) line, ident xdp-reflector, facility
 * authpriv (beside sudo's lines; the journal keeps them all):
 *
 *   action=reload iface=eth0 result=refused exit=2 uid=0 auid=1000
 *   sudo_user=alice profile=site.yaml digest=- features=- reason="..."
 *
 * Who: the real uid, the login uid (/proc/self/loginuid: set at login and
 * kept across sudo and su, so it names the person even when SUDO_USER, an
 * environment variable anyone can set, is missing or forged) and
 * SUDO_USER. What: the compiled policy's name, digest (the one `status` and
 * `load` print) and enabled features; for an attempt refused before its
 * profile compiled, the profile as given. Result: ok, refused (exit 2: the
 * profile, the options or the SSH guard said no) or failed (exit 1: the
 * system said no), with the first error line the command printed. To have
 * that line without threading it through every error path, stderr goes
 * through a stream that copies the first line with "error: " in it while it
 * writes everything on to fd 2 unchanged.
 *
 * The last change that took effect and the last attempt that did not are
 * also kept in PIN_ROOT/IFACE/xr_audit (include/xdp_reflector.h) for
 * `status`; it goes with the other pins on detach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "datapath.h"
#include "iface.h"

static struct {
	bool on; /* this command is audited */
	const char *cmd;
	char reason[256]; /* the first error line */
	char line[512];	  /* the line being written to stderr */
	size_t linelen;
	bool have_policy; /* load and reload: what they compiled */
	bool have_before; /* confirm and detach: what was in force */
	char profile[64];
	char features[192];
	__u64 digest;
} st;

static const char *const audited[] = {"load", "reload", "confirm", "detach"};

/* ---- stderr, copied ------------------------------------------------------ */

static void keep_line(void)
{
	st.line[st.linelen] = '\0';
	if (!st.reason[0] &&
	    (!strncmp(st.line, "error: ", 7) || strstr(st.line, ": error: ")))
		snprintf(st.reason, sizeof(st.reason), "%.255s", st.line);
	st.linelen = 0;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
	size_t i, done = 0;

	(void)cookie;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n')
			keep_line();
		else if (st.linelen < sizeof(st.line) - 1)
			st.line[st.linelen++] = buf[i];
	}
	while (done < n) {
		ssize_t w = write(STDERR_FILENO, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)w;
	}
	return (ssize_t)n;
}

void xr_audit_begin(const char *cmd)
{
	cookie_io_functions_t io = {.write = tee_write};
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(audited) / sizeof(audited[0]); i++)
		if (!strcmp(cmd, audited[i]))
			st.on = true;
	if (!st.on)
		return;
	st.cmd = cmd;
	f = fopencookie(NULL, "w", io);
	if (!f)
		return; /* the line then goes without its reason */
	/* Unbuffered, as stderr is: nothing waits, nothing is lost on _exit. */
	setvbuf(f, NULL, _IONBF, 0);
	fflush(stderr);
	stderr = f;
}

/* ---- what -------------------------------------------------------------- */

void xr_audit_policy(const struct xr_policy *p)
{
	size_t i, off = 0;

	if (!st.on)
		return;
	st.have_policy = true;
	snprintf(st.profile, sizeof(st.profile), "%s", p->name);
	st.digest = xr_policy_digest(p);
	st.features[0] = '\0';
	for (i = 0; i < p->nfeatures && off < sizeof(st.features); i++)
		if (p->features[i].enabled)
			off += (size_t)snprintf(
				st.features + off, sizeof(st.features) - off,
				"%s%s", off ? "," : "", p->features[i].name);
}

void xr_audit_before(const struct xr_opts *o)
{
	struct xr_meta meta;
	struct xr_maps m;
	__u32 gen;

	/* load and reload name what they compile (xr_audit_policy). */
	if (!st.on || !o->iface || xr_iface_name_rule(o->iface) ||
	    !strcmp(st.cmd, "load") ||
	    !strcmp(st.cmd, "reload") || xr_dp_open(o->pin_root, o->iface, &m))
		return;
	if (!xr_dp_read_meta(&m, &meta) && !xr_dp_active_gen(&m, &gen)) {
		const struct xr_meta_policy *mp = &meta.gen[gen & 1];

		st.have_before = true;
		snprintf(st.profile, sizeof(st.profile), "%s", mp->profile);
		snprintf(st.features, sizeof(st.features), "%s", mp->features);
		st.digest = mp->digest;
	}
	xr_dp_close(&m);
}

/* ---- who --------------------------------------------------------------- */

static void who(struct xr_audit_rec *rec)
{
	const char *sudo = getenv("SUDO_USER");
	char buf[24];
	FILE *f;

	rec->uid = (__u32)getuid();
	rec->auid = XR_AUID_UNSET;
	f = fopen("/proc/self/loginuid", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			rec->auid = (__u32)strtoul(buf, NULL, 10);
		fclose(f);
	}
	snprintf(rec->sudo_user, sizeof(rec->sudo_user), "%s",
		 sudo ? sudo : "");
}

/* ---- the line ---------------------------------------------------------- */

/* VALUE as one syslog token: quoted when it is not a plain word, control
 * characters replaced, so that a forged SUDO_USER cannot add a line. */
static size_t put_value(char *buf, size_t len, const char *v)
{
	size_t n = 0;
	const char *c;
	bool plain = *v;

	for (c = v; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("._,:/@+-", *c)))
			plain = false;
	if (plain)
		return (size_t)snprintf(buf, len, "%s", v);
	if (n + 1 < len)
		buf[n++] = '"';
	for (c = v; *c && n + 3 < len; c++) {
		if (*c == '"' || *c == '\\')
			buf[n++] = '\\';
		buf[n++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
	}
	if (n + 1 < len)
		buf[n++] = '"';
	buf[n < len ? n : len - 1] = '\0';
	return n;
}

static void put(char *buf, size_t len, size_t *off, const char *key,
		const char *v)
{
	if (*off + strlen(key) + 3 >= len)
		return;
	*off += (size_t)snprintf(buf + *off, len - *off,
				 "%s%s=", *off ? " " : "", key);
	*off += put_value(buf + *off, len - *off, v && *v ? v : "-");
	/* A clipped value (snprintf counts what did not fit) ends the line. */
	if (*off >= len)
		*off = len - 1;
}

static void format_rec(const struct xr_audit_rec *rec, const char *iface,
		       char *buf, size_t len)
{
	char num[24];
	size_t off = 0;

	buf[0] = '\0';
	put(buf, len, &off, "action", rec->action);
	put(buf, len, &off, "iface", iface);
	put(buf, len, &off, "result", rec->result);
	if (rec->exit_code) {
		snprintf(num, sizeof(num), "%d", rec->exit_code);
		put(buf, len, &off, "exit", num);
	}
	snprintf(num, sizeof(num), "%u", rec->uid);
	put(buf, len, &off, "uid", num);
	if (rec->auid != XR_AUID_UNSET) {
		snprintf(num, sizeof(num), "%u", rec->auid);
		put(buf, len, &off, "auid", num);
	}
	if (rec->sudo_user[0])
		put(buf, len, &off, "sudo_user", rec->sudo_user);
	put(buf, len, &off, "profile", rec->profile);
	snprintf(num, sizeof(num), "%016llx", (unsigned long long)rec->digest);
	put(buf, len, &off, "digest", rec->digest ? num : NULL);
	put(buf, len, &off, "features", rec->features);
	if (rec->reason[0])
		put(buf, len, &off, "reason", rec->reason);
}

/* "uid 0 (auid 1000, sudo alice)": who, for status and a rollback's line. */
static void who_text(const struct xr_audit_rec *rec, char *buf, size_t len)
{
	int n = snprintf(buf, len, "uid %u", rec->uid);

	if (n < 0 || (size_t)n >= len)
		return;
	if (rec->auid != XR_AUID_UNSET && rec->sudo_user[0])
		snprintf(buf + n, len - (size_t)n, " (auid %u, sudo %.32s)",
			 rec->auid, rec->sudo_user);
	else if (rec->auid != XR_AUID_UNSET)
		snprintf(buf + n, len - (size_t)n, " (auid %u)", rec->auid);
	else if (rec->sudo_user[0])
		snprintf(buf + n, len - (size_t)n, " (sudo %.32s)",
			 rec->sudo_user);
}

static void emit(const struct xr_audit_rec *rec, const char *iface,
		 const char *extra)
{
	char line[1024];
	size_t off;

	format_rec(rec, iface, line, sizeof(line));
	off = strlen(line);
	if (extra && off + 2 < sizeof(line))
		snprintf(line + off, sizeof(line) - off, " %s", extra);
	openlog("xdp-reflector", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV |
		       (strcmp(rec->result, "ok") ? LOG_WARNING : LOG_NOTICE),
	       "%s", line);
}

/* Keep REC for `status`, under the lock unless the caller holds it. */
static void persist(const char *root, const char *iface,
		    const struct xr_audit_rec *rec, bool locked)
{
	int lock = locked ? -1 : xr_dp_lock(root);
	int fd;

	if (!locked && lock < 0)
		return;
	fd = xr_dp_audit_open(root, iface, true);
	if (fd >= 0) {
		xr_dp_audit_write(fd,
				  strcmp(rec->result, "ok") ? XR_AUDIT_REFUSED
							    : XR_AUDIT_CHANGE,
				  rec);
		close(fd);
	}
	if (lock >= 0)
		close(lock);
}

int xr_audit_end(const struct xr_opts *o, int rc)
{
	struct xr_audit_rec rec;

	if (!st.on)
		return rc;
	fflush(stderr);
	if (st.linelen)
		keep_line();
	memset(&rec, 0, sizeof(rec));
	rec.at = (__u64)time(NULL);
	rec.exit_code = rc;
	who(&rec);
	snprintf(rec.action, sizeof(rec.action), "%s", st.cmd);
	snprintf(rec.result, sizeof(rec.result), "%s",
		 rc == XR_EXIT_OK      ? "ok"
		 : rc == XR_EXIT_USAGE ? "refused"
				       : "failed");
	if (st.have_policy || st.have_before) {
		snprintf(rec.profile, sizeof(rec.profile), "%s", st.profile);
		snprintf(rec.features, sizeof(rec.features), "%s", st.features);
		rec.digest = st.digest;
	} else if (o->profile) {
		snprintf(rec.profile, sizeof(rec.profile), "%s", o->profile);
	}
	if (rc != XR_EXIT_OK)
		snprintf(rec.reason, sizeof(rec.reason), "%s",
			 st.reason[0] ? st.reason : "see the command's output");
	emit(&rec, o->iface, NULL);
	/* Only under a valid name: "../x" must not reach a pin path. */
	if (o->iface && o->pin_root && !xr_iface_name_rule(o->iface))
		persist(o->pin_root, o->iface, &rec, false);
	return rc;
}

/* ---- the rollback process ------------------------------------------------ */

void xr_audit_rollback(const char *root, const char *iface,
		       const struct xr_audit_rec *change,
		       const struct xr_meta_policy *taken_back, int ok,
		       const char *what)
{
	char by[96] = "unknown", extra[160] = "change_by=";
	struct xr_audit_rec rec;
	size_t n = strlen(extra);

	memset(&rec, 0, sizeof(rec));
	rec.at = (__u64)time(NULL);
	rec.exit_code = ok ? 0 : XR_EXIT_RUNTIME;
	who(&rec);
	snprintf(rec.action, sizeof(rec.action), "rollback");
	snprintf(rec.result, sizeof(rec.result), "%s", ok ? "ok" : "failed");
	snprintf(rec.profile, sizeof(rec.profile), "%s", taken_back->profile);
	snprintf(rec.features, sizeof(rec.features), "%s",
		 taken_back->features);
	rec.digest = taken_back->digest;
	snprintf(rec.reason, sizeof(rec.reason), "%s", what);
	if (change->at)
		who_text(change, by, sizeof(by));
	/* Who made the change that was not confirmed. */
	put_value(extra + n, sizeof(extra) - n, by);
	emit(&rec, iface, extra);
	persist(root, iface, &rec, true);
}

void xr_audit_read_change(const char *root, const char *iface,
			  struct xr_audit_rec *rec)
{
	int fd = xr_dp_audit_open(root, iface, false);

	memset(rec, 0, sizeof(*rec));
	if (fd < 0)
		return;
	if (xr_dp_audit_read(fd, XR_AUDIT_CHANGE, rec))
		memset(rec, 0, sizeof(*rec));
	close(fd);
}

/* ---- status ------------------------------------------------------------ */

static void iso_time(__u64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void show_json(struct json *j, const char *key,
		      const struct xr_audit_rec *rec)
{
	char when[32], digest[17];

	iso_time(rec->at, when, sizeof(when));
	snprintf(digest, sizeof(digest), "%016llx",
		 (unsigned long long)rec->digest);
	json_object_start(j, key);
	json_string(j, "action", rec->action);
	json_string(j, "result", rec->result);
	json_uint(j, "exit_code", (unsigned int)rec->exit_code);
	json_uint(j, "at", rec->at);
	json_string(j, "when", when);
	json_uint(j, "uid", rec->uid);
	if (rec->auid != XR_AUID_UNSET)
		json_uint(j, "auid", rec->auid);
	json_string(j, "sudo_user", rec->sudo_user);
	json_string(j, "profile", rec->profile);
	json_string(j, "digest", rec->digest ? digest : "");
	json_string(j, "features", rec->features);
	json_string(j, "reason", rec->reason);
	json_object_end(j);
}

static void show_text(const char *label, const struct xr_audit_rec *rec)
{
	char when[32], by[96];

	iso_time(rec->at, when, sizeof(when));
	who_text(rec, by, sizeof(by));
	printf("  %s: %s %s %s by %s: %s", label, when, rec->action,
	       rec->result, by, rec->profile[0] ? rec->profile : "-");
	if (rec->digest)
		printf(" %016llx", (unsigned long long)rec->digest);
	if (rec->features[0])
		printf(" [%s]", rec->features);
	if (rec->reason[0])
		printf(": %s", rec->reason);
	printf("\n");
}

void xr_audit_show(const char *root, const char *iface, struct json *j)
{
	struct xr_audit_rec change, refused;
	int fd = xr_dp_audit_open(root, iface, false);

	memset(&change, 0, sizeof(change));
	memset(&refused, 0, sizeof(refused));
	if (fd >= 0) {
		xr_dp_audit_read(fd, XR_AUDIT_CHANGE, &change);
		xr_dp_audit_read(fd, XR_AUDIT_REFUSED, &refused);
		close(fd);
	}
	/* A refusal older than the last change is history: the log has it. */
	if (refused.at < change.at)
		refused.at = 0;
	if (change.at)
		j ? show_json(j, "last_change", &change)
		  : show_text("last change", &change);
	if (refused.at)
		j ? show_json(j, "last_refused", &refused)
		  : show_text("last refused", &refused);
}
