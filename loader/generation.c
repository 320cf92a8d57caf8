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

#include <bpf/libbpf.h>

#include "addr.h"
#include "datapath_priv.h"
#include "ledger.h"

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

static void rule_info(struct xr_rule_info *info, const struct xr_rule *r)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->service, sizeof(info->service), "%s", r->service);
	snprintf(info->feature, sizeof(info->feature), "%s", r->feature);
	info->proto = r->proto;
	info->first_port = r->first_port;
	info->last_port = r->last_port;
	info->nsources = (__u16)r->nsources;
}

static int write_rules(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *p)
{
	struct xr_rule_info info;
	__u32 key;
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		rule_info(&info, &p->rules[i]);
		key = gen * XR_RULES_PER_GEN + (__u32)i;
		if (bpf_map_update_elem(m->rules, &key, &info, BPF_ANY))
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
		*gen = cfg.active_gen & XR_GEN_MASK;
	return err;
}

int xr_dp_active_flags(const struct xr_maps *m, __u32 *flags)
{
	struct xr_config cfg;
	int err = read_config(m, &cfg);

	if (!err)
		*flags = cfg.active_gen;
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
	 * generation, never a mix; the generation's mode is in the same word,
	 * so it changes in the same step. A running capture stays on.
	 */
	gen &= XR_GEN_MASK;
	cfg.active_gen = gen | (cfg.active_gen & XR_GEN_CAPTURE) |
			 (cfg.gen[gen].monitor ? XR_GEN_MONITOR : 0);
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
		err = xr_dp_ledger_carry(m, active, !active, p);
	if (!err)
		err = xr_dp_set_active(m, !active);
	return err;
}

/* ---- counters per rule identity (include/xdp_reflector.h) ------------- */

static int write_ledger(const struct xr_maps *m, __u32 block,
			const struct xr_rule_stats *ls, size_t n)
{
	__u32 key;
	size_t i;

	for (i = 0; i < n; i++) {
		key = block * XR_RULES_PER_GEN + (__u32)i;
		if (bpf_map_update_elem(m->rule_stats, &key, &ls[i], BPF_ANY))
			return -errno;
	}
	return 0;
}

static int read_ledger(const struct xr_maps *m, __u32 block, size_t n,
		       struct xr_rule_stats *ls)
{
	__u32 key;
	size_t i;

	for (i = 0; i < n && i < XR_RULES_PER_GEN; i++) {
		key = block * XR_RULES_PER_GEN + (__u32)i;
		if (bpf_map_lookup_elem(m->rule_stats, &key, &ls[i]))
			return -errno;
	}
	return 0;
}

int xr_dp_read_rule_stats(const struct xr_maps *m, __u32 gen, __u32 nrules,
			  struct xr_rule_stats *out)
{
	return read_ledger(m, gen & XR_GEN_MASK, nrules, out);
}

int xr_dp_read_removed(const struct xr_maps *m, __u32 n,
		       struct xr_rule_stats *out)
{
	return read_ledger(m, XR_RULE_STATS_REMOVED, n, out);
}

int xr_dp_ledger_start(const struct xr_maps *m, __u32 gen,
		       const struct xr_policy *p)
{
	struct xr_rule_stats *ls = calloc(p->nrules ? p->nrules : 1,
					  sizeof(*ls));
	__u64 now = (__u64)time(NULL);
	size_t i;
	int err;

	if (!ls)
		return -ENOMEM;
	for (i = 0; i < p->nrules; i++)
		ls[i].since = now;
	err = write_ledger(m, gen, ls, p->nrules);
	free(ls);
	return err;
}

/*
 * Before the flip from generation FROM to TO (already written with P):
 * each rule of TO takes over the counts of FROM's rule of the same
 * identity, and starts its own ports' sums from now; FROM's rules with no
 * successor go to the removed block. Packets counted between this reading
 * and the flip count for the new rule of their port.
 */
int xr_dp_ledger_carry(const struct xr_maps *m, __u32 from, __u32 to,
		       const struct xr_policy *p)
{
	struct xr_rule_stats *old_ls = NULL, *new_ls = NULL, *removed = NULL;
	struct xr_rule_info *old = NULL, *new = NULL;
	struct xr_counters *ports = NULL;
	size_t i, nold, nremoved;
	struct xr_meta meta;
	int err;

	err = xr_dp_read_meta(m, &meta);
	if (err)
		return err;
	nold = meta.gen[from].nrules;
	if (nold > XR_RULES_PER_GEN)
		nold = XR_RULES_PER_GEN;
	nremoved = meta.nremoved;
	if (nremoved > XR_RULES_PER_GEN)
		nremoved = XR_RULES_PER_GEN;
	ports = malloc(XR_STAT_KEYS * sizeof(*ports));
	old = calloc(nold + 1, sizeof(*old));
	old_ls = calloc(nold + 1, sizeof(*old_ls));
	new = calloc(p->nrules + 1, sizeof(*new));
	new_ls = calloc(p->nrules + 1, sizeof(*new_ls));
	removed = calloc(XR_RULES_PER_GEN, sizeof(*removed));
	if (!ports || !old || !old_ls || !new || !new_ls || !removed) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nrules; i++)
		rule_info(&new[i], &p->rules[i]);
	err = xr_dp_read_rules(m, from, (__u32)nold, old);
	if (!err)
		err = read_ledger(m, from, nold, old_ls);
	if (!err)
		err = read_ledger(m, XR_RULE_STATS_REMOVED, nremoved, removed);
	if (!err)
		err = xr_dp_read_port_stats(m, ports);
	if (err)
		goto out;
	xr_ledger_carry(ports, old, old_ls, nold, new, new_ls, p->nrules,
			removed, &nremoved, XR_RULES_PER_GEN,
			(__u64)time(NULL));
	err = write_ledger(m, to, new_ls, p->nrules);
	if (!err)
		err = write_ledger(m, XR_RULE_STATS_REMOVED, removed, nremoved);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (!err) {
		meta.nremoved = (__u32)nremoved;
		err = xr_dp_write_meta(m, &meta);
	}
out:
	free(ports);
	free(old);
	free(old_ls);
	free(new);
	free(new_ls);
	free(removed);
	return err;
}

/* Zero every slot of a per-CPU counter array, a batch at a time. */
static int zero_percpu(int fd, __u32 entries)
{
	const __u32 chunk = 8192;
	int ncpu = libbpf_num_possible_cpus();
	__u32 *keys, first, i, count;
	void *zeros;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	keys = malloc(chunk * sizeof(*keys));
	zeros = calloc((size_t)chunk * ncpu, sizeof(struct xr_counters));
	if (!keys || !zeros) {
		err = -ENOMEM;
		goto out;
	}
	for (first = 0; first < entries && !err; first += count) {
		count = entries - first < chunk ? entries - first : chunk;
		for (i = 0; i < count; i++)
			keys[i] = first + i;
		if (bpf_map_update_batch(fd, keys, zeros, &count, NULL))
			err = -errno;
	}
out:
	free(keys);
	free(zeros);
	return err;
}

int xr_dp_reset_counters(const struct xr_maps *m)
{
	struct xr_rule_stats *ls = NULL;
	__u64 now = (__u64)time(NULL);
	struct xr_meta meta;
	__u32 gen, i;
	int err;

	err = xr_dp_read_meta(m, &meta);
	if (!err)
		err = zero_percpu(m->port_stats, XR_STAT_KEYS);
	if (!err)
		err = zero_percpu(m->class_stats, XR_CLASS_MAX);
	if (err)
		return err;
	ls = calloc(XR_RULES_PER_GEN, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	for (i = 0; i < XR_RULES_PER_GEN; i++)
		ls[i].since = now;
	for (gen = 0; gen < XR_GENS && !err; gen++)
		err = write_ledger(m, gen, ls,
				   meta.gen[gen].nrules < XR_RULES_PER_GEN ?
					   meta.gen[gen].nrules :
					   XR_RULES_PER_GEN);
	free(ls);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (!err) {
		meta.nremoved = 0;
		meta.counters_since = now;
		err = xr_dp_write_meta(m, &meta);
	}
	return err;
}
