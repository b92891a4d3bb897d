/* SPDX-License-Identifier: BSD-2-Clause */
/* mount.c - the mount table snapshot (kern.mount): replaced whole by each NB_FAM_MOUNT refresh. */
/*
 * Concurrency: as proc.c. One immutable block (struct nb_mountsnap: the
 * mounts, then a string pool) built by the writer outside any lock and
 * published with a release store into st->mounts under reg_lock; the
 * previous block is freed after a grace period (nb_defer). A reader loads
 * the pointer once (nb_mounts_snapshot) and may use the block until
 * nb_read_exit. nb_mounts_fini (stack destroy, Exclusive) frees the last.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

struct nb_mountsnap {
	struct nb_rcu	 rcu;
	size_t		 n;
	struct nb_mount	*m;		/* [n], inside this block */
};

static void
nb_mountsnap_free(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_mountsnap, rcu));
}

static const char *
mcopy(char **pp, const char *s)
{
	size_t l = strlen(s != NULL ? s : "") + 1;
	char *d = *pp;

	memcpy(d, s != NULL ? s : "", l);
	*pp += l;
	return d;
}

int
nb_mounts_publish(struct nb_stack *st, const struct nb_mount *m, size_t n)
{
	struct nb_mountsnap *sn, *old;
	size_t strs = 0, i;
	char *pool;

	if (st == NULL || (n > 0 && m == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (i > 0 && m[i].id <= m[i - 1].id)
			return -EINVAL;
		strs += strlen(m[i].root != NULL ? m[i].root : "") + 1;
		strs += strlen(m[i].point != NULL ? m[i].point : "") + 1;
		strs += strlen(m[i].fstype != NULL ? m[i].fstype : "") + 1;
		strs += strlen(m[i].source != NULL ? m[i].source : "") + 1;
	}
	if ((sn = calloc(1, sizeof(*sn) + n * sizeof(*m) + strs)) == NULL)
		return -ENOMEM;
	sn->n = n;
	sn->m = (struct nb_mount *)(sn + 1);
	pool = (char *)(sn->m + n);
	for (i = 0; i < n; i++) {
		sn->m[i] = m[i];
		sn->m[i].root = mcopy(&pool, m[i].root);
		sn->m[i].point = mcopy(&pool, m[i].point);
		sn->m[i].fstype = mcopy(&pool, m[i].fstype);
		sn->m[i].source = mcopy(&pool, m[i].source);
	}
	pthread_mutex_lock(&st->reg_lock);
	old = st->mounts;
	NB_STORE(&st->mounts, sn);
	pthread_mutex_unlock(&st->reg_lock);
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_mountsnap_free);
	return 0;
}

const struct nb_mountsnap *
nb_mounts_snapshot(const struct nb_read *rd)
{
	return NB_LOAD(&rd->st->mounts);
}

int
nb_mount_walk(const struct nb_mountsnap *sn, int (*cb)(const struct nb_mount *m, void *arg),
    void *arg)
{
	int error;

	if (sn == NULL)
		return 0;
	for (size_t i = 0; i < sn->n; i++)
		if ((error = cb(&sn->m[i], arg)) != 0)
			return error;
	return 0;
}

void
nb_mounts_fini(struct nb_stack *st)
{
	free(st->mounts);
	st->mounts = NULL;
}
