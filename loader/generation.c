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
#include "stats.h"

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

/*
 * The source lists live in the same mmapable global as the port tables
 * (struct xr_tables, pin XR_MAP_SOURCES): generation GEN's slices and
 * ranges are written with stores while the packet path reads the other.
 */
static int write_sources(const struct xr_maps *m, __u32 gen,
			 const struct xr_policy *p)
{
	size_t len;
	struct xr_tables *t = map_mmap(m->sources, 1, sizeof(struct xr_tables),
				       &len);

	if (!t)
		return -errno;
	xr_sources_store(t, gen, &p->src);
	munmap(t, len);
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

/* Sum the per-CPU values of port slot KEY into OUT (VALS: ncpu slots). */
static int read_port_slot(const struct xr_maps *m, __u32 key, int ncpu,
			  struct xr_counters *vals, struct xr_counters *out)
{
	int c;

	if (bpf_map_lookup_elem(m->port_stats, &key, vals))
		return -errno;
	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++) {
		out->pass_packets += vals[c].pass_packets;
		out->pass_bytes += vals[c].pass_bytes;
		out->drop_packets += vals[c].drop_packets;
		out->drop_bytes += vals[c].drop_bytes;
		out->would_drop_packets += vals[c].would_drop_packets;
		out->would_drop_bytes += vals[c].would_drop_bytes;
	}
	return 0;
}

/*
 * What each of N rules' ports have counted now, into SUMS. Slot by slot
 * while the rules cover few ports (a typical profile a few hundred: well
 * under a ms); all counters in batches when they cover more. Reading all
 * of them every reload would cost tens of ms (6 MiB per CPU).
 */
static int read_rule_sums(const struct xr_maps *m,
			  const struct xr_rule_info *rules, size_t n,
			  struct xr_counters *sums)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct xr_counters *vals = NULL, *ports = NULL, c;
	size_t total = 0, i;
	__u32 port;

	for (i = 0; i < n; i++)
		if (rules[i].first_port <= rules[i].last_port)
			total += rules[i].last_port - rules[i].first_port + 1U;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	if (total > 8192) {
		ports = malloc(XR_STAT_KEYS * sizeof(*ports));
		err = ports ? xr_dp_read_port_stats(m, ports) : -ENOMEM;
	} else {
		vals = calloc((size_t)ncpu, sizeof(*vals));
		err = vals ? 0 : -ENOMEM;
	}
	for (i = 0; i < n && !err; i++) {
		const struct xr_rule_info *ri = &rules[i];

		memset(&sums[i], 0, sizeof(sums[i]));
		if (ri->proto >= XR_PROTOS || ri->first_port > ri->last_port)
			continue;
		if (ports) {
			xr_stats_sum_range(ports, ri->proto, ri->first_port,
					   ri->last_port, &sums[i]);
			continue;
		}
		for (port = ri->first_port; port <= ri->last_port && !err;
		     port++) {
			err = read_port_slot(m, xr_stat_key(ri->proto, port),
					     ncpu, vals, &c);
			xr_stats_counters_add(&sums[i], &c);
		}
	}
	free(vals);
	free(ports);
	return err;
}

/*
 * Before the flip from generation FROM to TO (already written with P):
 * each rule of TO takes over the counts of FROM's rule of the same
 * identity, and starts its own ports' sums from now; FROM's rules with no
 * successor go to the removed block. Packets counted between this reading
 * and the flip count for the new rule of their port.
 */
static int ledger_carry(const struct xr_maps *m, __u32 from, __u32 to,
			const struct xr_rule_info *new, size_t nnew,
			bool keep_to)
{
	struct xr_rule_stats *old_ls = NULL, *new_ls = NULL, *removed = NULL;
	struct xr_rule_info *old = NULL;
	struct xr_counters *old_now = NULL, *new_now = NULL;
	size_t nold, nremoved, cap;
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
	old_now = calloc(nold + 1, sizeof(*old_now));
	new_now = calloc(nnew + 1, sizeof(*new_now));
	old = calloc(nold + 1, sizeof(*old));
	old_ls = calloc(nold + 1, sizeof(*old_ls));
	new_ls = calloc(nnew + 1, sizeof(*new_ls));
	/* Room for those removed before and every old rule, up to the block. */
	cap = nremoved + nold < XR_RULES_PER_GEN ? nremoved + nold :
						   XR_RULES_PER_GEN;
	removed = calloc(cap + 1, sizeof(*removed));
	if (!old_now || !new_now || !old || !old_ls || !new_ls || !removed) {
		err = -ENOMEM;
		goto out;
	}
	err = xr_dp_read_rules(m, from, (__u32)nold, old);
	if (!err)
		err = read_ledger(m, from, nold, old_ls);
	if (!err)
		err = read_ledger(m, XR_RULE_STATS_REMOVED, nremoved, removed);
	if (!err)
		err = read_rule_sums(m, old, nold, old_now);
	if (!err)
		err = read_rule_sums(m, new, nnew, new_now);
	if (err)
		goto out;
	xr_ledger_carry(old, old_ls, old_now, nold, new, new_now, new_ls,
			nnew, removed, &nremoved, cap,
			(__u64)time(NULL));
	err = keep_to ? 0 : write_ledger(m, to, new_ls, nnew);
	if (!err)
		err = write_ledger(m, XR_RULE_STATS_REMOVED, removed, nremoved);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (!err) {
		meta.nremoved = (__u32)nremoved;
		err = xr_dp_write_meta(m, &meta);
	}
out:
	free(old_now);
	free(new_now);
	free(old);
	free(old_ls);
	free(new_ls);
	free(removed);
	return err;
}

int xr_dp_ledger_carry(const struct xr_maps *m, __u32 from, __u32 to,
		       const struct xr_policy *p)
{
	struct xr_rule_info *new = calloc(p->nrules + 1, sizeof(*new));
	size_t i;
	int err;

	if (!new)
		return -ENOMEM;
	for (i = 0; i < p->nrules; i++)
		rule_info(&new[i], &p->rules[i]);
	err = ledger_carry(m, from, to, new, p->nrules, false);
	free(new);
	return err;
}

int xr_dp_flip_back(const struct xr_maps *m, __u32 gen)
{
	struct xr_rule_info *rules;
	struct xr_meta meta;
	__u32 active, n;
	int err;

	err = xr_dp_active_gen(m, &active);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (err)
		return err;
	gen &= XR_GEN_MASK;
	if (gen == active)
		return xr_dp_set_active(m, gen);
	n = meta.gen[gen].nrules < XR_RULES_PER_GEN ? meta.gen[gen].nrules :
						       XR_RULES_PER_GEN;
	rules = calloc(n + 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	/*
	 * GEN's rules keep their own entries: the counters of their ports
	 * ran on meanwhile, so a rule the change kept counted on, and one it
	 * took away counts what its ports saw meanwhile. The change's own
	 * rules that GEN lacks are reported as removed. A failure here
	 * stops nothing: the rollback must happen.
	 */
	err = xr_dp_read_rules(m, gen, n, rules);
	if (!err)
		ledger_carry(m, active, gen, rules, n, true);
	free(rules);
	return xr_dp_set_active(m, gen);
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
