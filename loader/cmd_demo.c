// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "cli.h"

int xr_cmd_demo(struct xr_opts *o)
{
	(void)o;
	fprintf(stderr, "error: demo is not built yet\n");
	return XR_EXIT_RUNTIME;
}
