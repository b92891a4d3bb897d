/* SPDX-License-Identifier: BSD-2-Clause */
/* pcb.c - the socket snapshot (net.pcb): every socket of the namespace, replaced whole. */
/*
 * Concurrency: as proc.c. A snapshot (struct nb_pcbsnap) is a small
 * immutable header pointing at one immutable block per kind (struct
 * pcbkind: its sockets sorted by cookie, then a string pool). The writer
 * builds the blocks of the kinds it dumped outside any lock, takes a
 * reference on the current snapshot's blocks of the kinds it keeps (a
 * sample that reads tcp, then udp, then raw publishes three snapshots
 * sharing the tcp block: nothing copied again), and publishes the header
 * with a release store into st->pcbs under reg_lock; the previous header
 * is freed after a grace period (nb_defer), dropping its references; a
 * block is freed with its last reference. Only the writer takes
 * references (on the snapshot it is about to replace, which cannot be
 * freed before it is replaced); references drop in the reclaimer, so the
 * count is atomic. A reader loads the pointer once (nb_pcbs_snapshot) and
 * uses everything it reaches until nb_read_exit. nb_pcbs_fini (stack
 * destroy, Exclusive) frees the last snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

struct pcbkind {
	unsigned long refs; /* atomic: snapshots holding it */
	size_t n;
	struct nb_pcb v[]; /* [n], then the strings */
};

struct nb_pcbsnap {
	struct nb_rcu rcu;
	bool owners;
	struct pcbkind *k[NB_PCB_KIND_MAX]; /* NULL: none of that kind */
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
pcbkind_put(struct pcbkind *b)
{
	if (b != NULL && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

static void
pcbsnap_destroy(struct nb_pcbsnap *sn)
{
	if (sn == NULL)
		return;
	for (unsigned k = 0; k < NB_PCB_KIND_MAX; k++)
		pcbkind_put(sn->k[k]);
	free(sn);
}

static void
nb_pcbsnap_free(struct nb_rcu *r)
{
	pcbsnap_destroy(caa_container_of(r, struct nb_pcbsnap, rcu));
}

/* A socket's place in the block being made: its cookie and index in v[]. */
struct pcb_ord {
	uint64_t cookie;
	size_t i;
};

static int
pcb_cmp(const void *a, const void *b)
{
	const struct pcb_ord *x = a, *y = b;

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

/*
 * The block of kind k: the sockets of v[] of that kind (cnt of them),
 * sorted by cookie. Sorted as (cookie, position) pairs, then copied once
 * in that order: qsort on the sockets themselves would also allocate and
 * touch a scratch copy as large as the block (glibc's merge sort), and at
 * 100,000 sockets fresh pages are most of a one-shot tool's time.
 */
static struct pcbkind *
pcbkind_make(const struct nb_pcb *v, size_t n, unsigned k, size_t cnt)
{
	struct pcbkind *b;
	struct pcb_ord *ord;
	size_t strs = 0, i, j;
	bool sorted = true;
	char *pool;

	if ((ord = malloc((cnt != 0 ? cnt : 1) * sizeof(*ord))) == NULL)
		return NULL;
	for (i = j = 0; i < n; i++)
		if (v[i].kind == k) {
			strs += slen(v[i].comm) + slen(v[i].path);
			ord[j].cookie = v[i].cookie;
			ord[j].i = i;
			sorted = sorted && (j == 0 || ord[j - 1].cookie <= ord[j].cookie);
			j++;
		}
	if (!sorted)
		qsort(ord, cnt, sizeof(*ord), pcb_cmp);
	/* Everything past the counts is written below: not cleared first. */
	if ((b = malloc(sizeof(*b) + cnt * sizeof(struct nb_pcb) + strs)) == NULL) {
		free(ord);
		return NULL;
	}
	b->refs = 1;
	b->n = cnt;
	pool = (char *)(b->v + cnt);
	for (j = 0; j < cnt; j++) {
		b->v[j] = v[ord[j].i];
		b->v[j].comm = scopy(&pool, b->v[j].comm);
		b->v[j].path = scopy(&pool, b->v[j].path);
	}
	free(ord);
	return b;
}

int
nb_pcbs_publish_keep(struct nb_stack *st, bool owners, unsigned keep, const struct nb_pcb *v,
    size_t n)
{
	struct nb_pcbsnap *sn, *old;
	size_t cnt[NB_PCB_KIND_MAX] = { 0 }, i;
	unsigned k;

	if (st == NULL || (n > 0 && v == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (v[i].kind >= NB_PCB_KIND_MAX || (keep >> v[i].kind & 1) != 0)
			return -EINVAL;
		cnt[v[i].kind]++;
	}
	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return -ENOMEM;
	sn->owners = owners;
	for (k = 0; k < NB_PCB_KIND_MAX; k++) {
		if (cnt[k] == 0)
			continue;
		if ((sn->k[k] = pcbkind_make(v, n, k, cnt[k])) == NULL) {
			pcbsnap_destroy(sn);
			return -ENOMEM;
		}
	}
	/* The kept kinds: the current snapshot's blocks (the writer replaces
	 * it, so it lives until the swap below). */
	old = NB_LOAD(&st->pcbs);
	for (k = 0; k < NB_PCB_KIND_MAX && old != NULL; k++)
		if ((keep >> k & 1) != 0 && (sn->k[k] = old->k[k]) != NULL)
			__atomic_add_fetch(&sn->k[k]->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&st->reg_lock);
	old = st->pcbs;
	NB_STORE(&st->pcbs, sn);
	pthread_mutex_unlock(&st->reg_lock);
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_pcbsnap_free);
	return 0;
}

int
nb_pcbs_publish(struct nb_stack *st, bool owners, const struct nb_pcb *v, size_t n)
{
	return nb_pcbs_publish_keep(st, owners, 0, v, n);
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
	if (sn->k[kind] == NULL) {
		*n = 0;
		return NULL;
	}
	*n = sn->k[kind]->n;
	return sn->k[kind]->v;
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
	pcbsnap_destroy(st->pcbs);
	st->pcbs = NULL;
}
