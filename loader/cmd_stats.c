// SPDX-License-Identifier: GPL-2.0
/* stats: placeholder until the stats issue lands. */
#include <stdio.h>

#include "cli.h"

int xr_cmd_stats(struct xr_opts *o)
{
	(void)o;
	fprintf(stderr, "error: stats is not built yet\n");
	return XR_EXIT_RUNTIME;
}
