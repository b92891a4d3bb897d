/* SPDX-License-Identifier: BSD-2-Clause */
/* pcb.c - the socket snapshot (net.pcb): every socket of the namespace, replaced whole. */
/*
 * Concurrency: as proc.c. One immutable block (struct nb_pcbsnap: the
 * sockets sorted by (kind, cookie), then a string pool) is built by the
 * writer outside any lock and published with a release store into
 * st->pcbs; the previous block is freed after a grace period (nb_defer),
 * so a reader inside a read section uses everything it loaded until
 * nb_read_exit. A reader loads the pointer once (nb_pcbs_snapshot) and
 * asks that block everything. Writers swap under reg_lock.
 * nb_pcbs_fini (stack destroy, Exclusive) frees the last block.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

struct nb_pcbsnap {
	struct nb_rcu rcu;
	bool owners;
	size_t n;
	size_t first[NB_PCB_KIND_MAX + 1]; /* kind k: v[first[k] .. first[k+1]) */
	struct nb_pcb *v;
};

static const char *const kind_names[NB_PCB_KIND_MAX] = {
	[NB_PCB_TCP] = "tcp",
	[NB_PCB_TCP6] = "tcp6",
	[NB_PCB_UDP] = "udp",
	[NB_PCB_UDP6] = "udp6",
	[NB_PCB_RAW] = "raw",
	[NB_PCB_RAW6] = "raw6",
	[NB_PCB_UNIX] = "unix",
};

const char *
nb_pcb_kind_name(unsigned kind)
{
	return kind < NB_PCB_KIND_MAX ? kind_names[kind] : NULL;
}

static void
nb_pcbsnap_free(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_pcbsnap, rcu));
}

static int
pcb_cmp(const void *a, const void *b)
{
	const struct nb_pcb *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->cookie > y->cookie) - (x->cookie < y->cookie);
}

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

static const char *
scopy(char **pp, const char *s)
{
	char *d = *pp;
	size_t l;

	if (s == NULL)
		return NULL;
	l = strlen(s) + 1;
	memcpy(d, s, l);
	*pp += l;
	return d;
}

int
nb_pcbs_publish(struct nb_stack *st, bool owners, const struct nb_pcb *v, size_t n)
{
	struct nb_pcbsnap *sn, *old;
	size_t strs = 0, i, size;
	unsigned k;
	char *pool;

	if (st == NULL || (n > 0 && v == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (v[i].kind >= NB_PCB_KIND_MAX)
			return -EINVAL;
		strs += slen(v[i].comm) + slen(v[i].path);
	}
	size = sizeof(*sn) + n * sizeof(struct nb_pcb) + strs;
	/* Everything past the header is written below: not cleared first. */
	if ((sn = malloc(size)) == NULL)
		return -ENOMEM;
	memset(sn, 0, sizeof(*sn));
	sn->owners = owners;
	sn->n = n;
	sn->v = (struct nb_pcb *)(sn + 1);
	pool = (char *)(sn->v + n);
	/*
	 * By kind (a stable counting pass), then each kind by cookie unless it
	 * already is: kinds kept from the previous snapshot are, and a sample
	 * that reads tcp, then udp, then raw republishes the earlier ones.
	 */
	for (i = 0; i < n; i++)
		sn->first[v[i].kind + 1]++;
	for (k = 1; k <= NB_PCB_KIND_MAX; k++)
		sn->first[k] += sn->first[k - 1];
	{
		size_t at[NB_PCB_KIND_MAX];

		memcpy(at, sn->first, sizeof(at));
		for (i = 0; i < n; i++)
			sn->v[at[v[i].kind]++] = v[i];
	}
	for (k = 0; k < NB_PCB_KIND_MAX; k++) {
		size_t lo = sn->first[k], hi = sn->first[k + 1];

		for (i = lo + 1; i < hi && sn->v[i - 1].cookie <= sn->v[i].cookie; i++)
			;
		if (i < hi)
			qsort(sn->v + lo, hi - lo, sizeof(*sn->v), pcb_cmp);
	}
	for (i = 0; i < n; i++) {
		sn->v[i].comm = scopy(&pool, sn->v[i].comm);
		sn->v[i].path = scopy(&pool, sn->v[i].path);
	}
	pthread_mutex_lock(&st->reg_lock);
	old = st->pcbs;
	NB_STORE(&st->pcbs, sn);
	pthread_mutex_unlock(&st->reg_lock);
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_pcbsnap_free);
	return 0;
}

const struct nb_pcbsnap *
nb_pcbs_snapshot(const struct nb_read *rd)
{
	return NB_LOAD(&rd->st->pcbs);
}

const struct nb_pcb *
nb_pcbs_kind(const struct nb_pcbsnap *sn, unsigned kind, size_t *n)
{
	if (sn == NULL || kind >= NB_PCB_KIND_MAX) {
		*n = 0;
		return NULL;
	}
	*n = sn->first[kind + 1] - sn->first[kind];
	return sn->v + sn->first[kind];
}

bool
nb_pcbs_owners(const struct nb_pcbsnap *sn)
{
	return sn != NULL && sn->owners;
}

void
nb_pcbs_set_scope(struct nb_stack *st, unsigned kinds, unsigned keep)
{
	NB_STORE_RELAXED(&st->pcb_kinds, kinds);
	NB_STORE_RELAXED(&st->pcb_keep, keep & kinds);
}

unsigned
nb_pcbs_scope(struct nb_stack *st, unsigned *keep)
{
	unsigned k = NB_LOAD_RELAXED(&st->pcb_kinds);

	if (keep != NULL)
		*keep = NB_LOAD_RELAXED(&st->pcb_keep);
	return k != 0 ? k : (1u << NB_PCB_KIND_MAX) - 1;
}

void
nb_pcbs_fini(struct nb_stack *st)
{
	free(st->pcbs);
	st->pcbs = NULL;
}
