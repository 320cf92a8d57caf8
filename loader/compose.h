/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Docker Compose deployment as Compose reads it, reduced to what a
 * firewall needs: which service publishes which port, on which host address.
 * YAML through yaml_doc.c (anchors; merge keys `<<` are resolved here),
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}` (and `:?`, `?`, `:+`, `+`,
 * `$VAR`, `$$`) from the environment, then the `.env` beside the files;
 * short and long port syntax; `expose` is recorded but never published.
 * Used by `detect` (detect.c, cmd_detect.c). Nothing here links libbpf.
 */
#ifndef XR_COMPOSE_H
#define XR_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "yaml_doc.h"

#define XR_COMPOSE_FILES_MAX 16
#define XR_COMPOSE_NAME_MAX 64

/* A warning kept until the deployment is read: printed, and in --json. */
struct xr_dwarning {
	char kind[24]; /* "interpolation", "published-closed", ... */
	struct xr_loc loc;
	char text[600];
};

struct xr_var {
	char *name;
	char *value;
	struct xr_loc loc;
};

/* One published (or exposed) port range of a service. */
struct xr_publish {
	char service[XR_COMPOSE_NAME_MAX];
	uint8_t proto;	      /* XR_PROTO_TCP or XR_PROTO_UDP */
	char host_ip[64];     /* "" when Compose binds every address */
	uint16_t first, last; /* host ports; 0: Docker picks one (none fixed) */
	uint16_t target_first, target_last; /* the container's */
	bool expose;			    /* `expose:`: never published */
	struct xr_loc loc;
	bool explained; /* a warning already covers it */
};

struct xr_service {
	char name[XR_COMPOSE_NAME_MAX];
	char image[128];
	bool host_network; /* network_mode: host: publishes nothing, binds all
			    */
	struct xr_loc loc;
	struct xr_var *env; /* `environment`, interpolated */
	size_t nenv;
};

struct xr_deploy {
	char dir[4096];
	char name[XR_COMPOSE_NAME_MAX]; /* the top-level `name`, else "" */
	struct xr_loc name_loc;
	char *files[XR_COMPOSE_FILES_MAX + 4]; /* names locations point to */
	size_t nfiles;
	size_t ncompose; /* compose files among them */
	struct xr_var *dotenv;
	size_t ndotenv;
	struct xr_service *svcs;
	size_t nsvcs;
	struct xr_publish *pubs;
	size_t npubs;
	struct xr_dwarning *warnings;
	size_t nwarnings;
};

/*
 * Read the compose files FILES (N of them; none: the docker-compose*.y[a]ml
 * and compose*.y[a]ml of DIR, sorted) and DIR/.env into D. 0, -ENOENT (no
 * compose file: reported only when REQUIRE is set), -EINVAL (reported at
 * file:line:col) or another -errno.
 */
int xr_compose_read(struct xr_deploy *d, const char *dir,
		    const char *const *files, size_t n, bool require);
void xr_deploy_free(struct xr_deploy *d);

/* Keep a warning about LOC (NULL: none) for the end of the run. */
void xr_dwarn(struct xr_deploy *d, const char *kind, const struct xr_loc *loc,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A file name locations can point to, owned by D. */
const char *xr_deploy_file(struct xr_deploy *d, const char *name);

/*
 * Interpolate IN as Compose does into a new string *OUT. Undefined variables
 * without default become "" with a warning at LOC; `${VAR:?msg}` unset and
 * malformed references are errors at LOC (-EINVAL).
 */
int xr_interpolate(struct xr_deploy *d, const char *in,
		   const struct xr_loc *loc, char **out);
/* The value of NAME: the environment first, then .env; NULL if unset. */
const char *xr_deploy_var(const struct xr_deploy *d, const char *name);

/*
 * Parse one short-syntax port ("8080:80", "127.0.0.1:7078:7077",
 * "40000-40100:40000-40100/udp", "[::1]:80:80", "80") into P (proto,
 * host_ip, ports). -EINVAL with a message in WHY.
 */
int xr_port_short(const char *spec, struct xr_publish *p, char *why,
		  size_t whylen);

/* Is HOST_IP every address ("", 0.0.0.0, ::)? */
bool xr_ip_is_any(const char *ip);
/* Is HOST_IP a loopback address (127.0.0.0/8, ::1, localhost)? */
bool xr_ip_is_loopback(const char *ip);

/* A mapping's value for KEY, looking through merge keys (`<<: *anchor`). */
const struct ynode *xr_ymap_get(const struct ynode *map, const char *key);

#endif /* XR_COMPOSE_H */
