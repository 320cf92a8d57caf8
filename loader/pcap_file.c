// SPDX-License-Identifier: GPL-2.0
/* A pcap file of Ethernet frames (see pcap_file.h). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "pcap_file.h"

struct xr_pcap {
	pcap_t *dead;
	pcap_dumper_t *dumper;
};

struct xr_pcap *xr_pcap_open(const char *path, int snaplen, char *err,
			     size_t errlen)
{
	struct xr_pcap *f = calloc(1, sizeof(*f));

	if (!f || !(f->dead = pcap_open_dead(DLT_EN10MB, snaplen))) {
		snprintf(err, errlen, "out of memory");
		free(f);
		return NULL;
	}
	f->dumper = pcap_dump_open(f->dead, path);
	if (!f->dumper) {
		snprintf(err, errlen, "%s", pcap_geterr(f->dead));
		pcap_close(f->dead);
		free(f);
		return NULL;
	}
	return f;
}

void xr_pcap_write(struct xr_pcap *f, uint64_t ts_ns, uint32_t caplen,
		   uint32_t len, const void *data)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ULL / 1000);
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)f->dumper, &h, data);
}

int xr_pcap_flush(struct xr_pcap *f)
{
	return pcap_dump_flush(f->dumper) ? -1 : 0;
}

void xr_pcap_close(struct xr_pcap *f)
{
	if (!f)
		return;
	pcap_dump_close(f->dumper);
	pcap_close(f->dead);
	free(f);
}
