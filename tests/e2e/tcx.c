// SPDX-License-Identifier: GPL-2.0
/*
 * Another party's tcx tool for egress_chain.sh (Debian's bpftool 7.1 and
 * libbpf 1.1 know no tcx):
 *   tcx attach OBJ PROG IFACE DIR  append PROG of OBJ to IFACE's tcx egress
 *                                  chain; pin the link as DIR/link and each
 *                                  map of OBJ as DIR/NAME
 *   tcx list IFACE                 the programs of IFACE's tcx egress chain,
 *                                  by name, in the order they run
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define TCX_EGRESS 47 /* enum bpf_attach_type, kernel 6.6+ UAPI */

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "tcx: %s %s: %s\n", what, arg, strerror(errno));
	return 1;
}

static int attach(const char *file, const char *name, int ifindex,
		  const char *dir)
{
	struct bpf_object *obj = bpf_object__open_file(file, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[512];
	int fd;

	if (!obj || bpf_object__load(obj))
		return fail("load", file);
	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog)
		return fail("no program", name);
	fd = bpf_link_create(bpf_program__fd(prog), ifindex,
			     (enum bpf_attach_type)TCX_EGRESS, NULL);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (fd < 0 || bpf_obj_pin(fd, path))
		return fail("attach", name);
	bpf_object__for_each_map(map, obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		if (bpf_obj_pin(bpf_map__fd(map), path))
			return fail("pin", path);
	}
	return 0;
}

static int list(int ifindex)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	__u32 ids[64], i;

	q.prog_ids = ids;
	q.prog_cnt = 64;
	if (bpf_prog_query_opts(ifindex, (enum bpf_attach_type)TCX_EGRESS, &q))
		return fail("query", "egress");
	for (i = 0; i < q.prog_cnt; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			return fail("read a program of", "egress");
		printf("%s\n", info.name);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "attach") && if_nametoindex(argv[4]))
		return attach(argv[2], argv[3], (int)if_nametoindex(argv[4]),
			      argv[5]);
	if (argc == 3 && !strcmp(argv[1], "list") && if_nametoindex(argv[2]))
		return list((int)if_nametoindex(argv[2]));
	fprintf(stderr,
		"usage: tcx attach OBJ PROG IFACE DIR | tcx list IFACE\n");
	return 2;
}
