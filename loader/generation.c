// SPDX-License-Identifier: GPL-2.0
/*
 * A compiled policy into the maps: each reload fills the generation the
 * packet path is not using, then flips xr_config.active_gen in one write.
 * See datapath.h for the contract of each function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "datapath_priv.h"

static void *map_mmap(int fd, size_t entries, size_t value_size, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t elem = (value_size + 7) & ~(size_t)7;
	void *p;

	*len = (entries * elem + page - 1) & ~(size_t)(page - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int write_ports(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *p)
{
	/* xr_ports is BPF_F_MMAPABLE: 8-byte slots, one store per port. */
	size_t len;
	__u64 *slots = map_mmap(m->ports, XR_PORT_KEYS,
				sizeof(struct xr_port_entry), &len);
	__u32 proto, port;

	if (!slots)
		return -errno;
	for (proto = 0; proto < XR_PROTOS; proto++)
		for (port = 0; port < XR_PORTS_PER_PROTO; port++)
			memcpy(&slots[xr_port_key(gen, proto, port)],
			       &p->ports[proto][port],
			       sizeof(struct xr_port_entry));
	munmap(slots, len);
	return 0;
}

static int write_rules(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *p)
{
	struct xr_rule_info info;
	__u32 key;
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		const struct xr_rule *r = &p->rules[i];

		memset(&info, 0, sizeof(info));
		snprintf(info.service, sizeof(info.service), "%s", r->service);
		snprintf(info.feature, sizeof(info.feature), "%s", r->feature);
		info.proto = r->proto;
		info.first_port = r->first_port;
		info.last_port = r->last_port;
		info.nsources = (__u16)r->nsources;
		key = gen * XR_RULES_PER_GEN + (__u32)i;
		if (bpf_map_update_elem(m->rules, &key, &info, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Generation GEN's rate limits, every rule's slot (zero: no limit). */
static int write_rate_rules(const struct xr_maps *m, __u32 gen,
			    const struct xr_policy *p)
{
	struct xr_rate_rule rr;
	__u32 i, key;

	for (i = 0; i < XR_RULES_PER_GEN; i++) {
		if (i < p->nrules)
			xr_rate_rule_of(&p->rules[i], &rr);
		else
			memset(&rr, 0, sizeof(rr));
		key = gen * XR_RULES_PER_GEN + i;
		if (bpf_map_update_elem(m->rate_rules, &key, &rr, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void source_key(struct xr_source_key *k, __u32 gen, __u32 rule,
		       const struct xr_cidr *c)
{
	unsigned int plen;

	memset(k, 0, sizeof(*k));
	k->set = xr_source_set(gen, rule);
	xr_addr_to_v6(c->family, c->addr, c->prefixlen, k->addr, &plen);
	k->prefixlen = XR_SOURCE_SET_BITS + plen;
}

/* Remove generation GEN's source entries (the trie is shared by both). */
static int clear_sources(const struct xr_maps *m, __u32 gen)
{
	struct xr_source_key key, next, *batch;
	size_t n = 0, cap = 256, i;
	int err = 0, more;

	batch = malloc(cap * sizeof(*batch));
	if (!batch)
		return -ENOMEM;
	more = !bpf_map_get_next_key(m->sources, NULL, &next);
	while (more) {
		key = next;
		more = !bpf_map_get_next_key(m->sources, &key, &next);
		if ((key.set >> 16) != gen)
			continue;
		if (n == cap) {
			struct xr_source_key *b =
				realloc(batch, 2 * cap * sizeof(*batch));
			if (!b) {
				err = -ENOMEM;
				goto out;
			}
			batch = b;
			cap *= 2;
		}
		batch[n++] = key;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(m->sources, &batch[i]) &&
		    errno != ENOENT) {
			err = -errno;
			break;
		}
out:
	free(batch);
	return err;
}

static int write_sources(const struct xr_maps *m, __u32 gen,
			 const struct xr_policy *p)
{
	struct xr_source_key key;
	__u8 one = 1;
	size_t i, j;
	int err;

	err = clear_sources(m, gen);
	if (err)
		return err;
	for (i = 0; i < p->nrules; i++)
		for (j = 0; j < p->rules[i].nsources; j++) {
			source_key(&key, gen, (__u32)i, &p->rules[i].sources[j]);
			if (bpf_map_update_elem(m->sources, &key, &one, BPF_ANY))
				return -errno;
		}
	return 0;
}

static void meta_policy(struct xr_meta_policy *mp, const struct xr_policy *p)
{
	size_t i, off = 0, nsources = 0;

	memset(mp, 0, sizeof(*mp));
	snprintf(mp->profile, sizeof(mp->profile), "%s", p->name);
	for (i = 0; i < p->nfeatures; i++) {
		if (!p->features[i].enabled)
			continue;
		off += snprintf(mp->features + off, sizeof(mp->features) - off,
				"%s%s", off ? "," : "", p->features[i].name);
		if (off >= sizeof(mp->features))
			break;
	}
	for (i = 0; i < p->nrules; i++)
		nsources += p->rules[i].nsources;
	mp->digest = xr_policy_digest(p);
	mp->loaded_at = (__u64)time(NULL);
	mp->nrules = (__u32)p->nrules;
	mp->nsources = (__u32)nsources;
}

static int read_config(const struct xr_maps *m, struct xr_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->config, &zero, cfg) ? -errno : 0;
}

static int write_config(const struct xr_maps *m, const struct xr_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->config, &zero, cfg, BPF_ANY) ? -errno : 0;
}

/*
 * Fill generation GEN completely while the packet path keeps using the other
 * one. Its class defaults go in with a config update that leaves
 * active_gen as it is, so the packet path sees no change yet.
 */
int xr_dp_write_generation(const struct xr_maps *m, __u32 gen,
			   const struct xr_policy *p)
{
	struct xr_config cfg;
	struct xr_meta meta;
	int err;

	if (p->nrules > XR_RULES_PER_GEN)
		return -E2BIG;
	err = write_ports(m, gen, p);
	if (!err)
		err = write_rules(m, gen, p);
	if (!err)
		err = write_sources(m, gen, p);
	if (!err)
		err = write_rate_rules(m, gen, p);
	if (!err)
		err = read_config(m, &cfg);
	if (err)
		return err;
	cfg.gen[gen] = p->classes;
	err = write_config(m, &cfg);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (err)
		return err;
	meta_policy(&meta.gen[gen], p);
	return xr_dp_write_meta(m, &meta);
}

int xr_dp_active_gen(const struct xr_maps *m, __u32 *gen)
{
	struct xr_config cfg;
	int err = read_config(m, &cfg);

	if (!err)
		*gen = cfg.active_gen & 1;
	return err;
}

int xr_dp_set_active(const struct xr_maps *m, __u32 gen)
{
	struct xr_config cfg;
	int err = read_config(m, &cfg);

	if (err)
		return err;
	/*
	 * Only active_gen differs from what the map holds, so however the
	 * kernel copies the value, the packet path sees the old or the new
	 * generation, never a mix.
	 */
	cfg.active_gen = gen & 1;
	return write_config(m, &cfg);
}

int xr_dp_reload(const struct xr_maps *m, const struct xr_policy *p)
{
	__u32 active;
	int err;

	err = xr_dp_active_gen(m, &active);
	if (!err)
		err = xr_dp_write_generation(m, !active, p);
	if (!err)
		err = xr_dp_set_active(m, !active);
	return err;
}
