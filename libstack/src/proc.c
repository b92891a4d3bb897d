/* SPDX-License-Identifier: BSD-2-Clause */
/* proc.c - the process-files snapshot: processes and their open descriptors, replaced whole. */
/*
 * Concurrency: one immutable block (struct nb_procsnap: the processes,
 * then all their descriptors, then a string pool) built by the writer
 * outside any lock and published with a release store into st->procs;
 * the previous block is freed after a grace period (nb_defer), so a reader
 * inside a read section can use everything it loaded until nb_read_exit.
 * A reader loads the pointer once (nb_procs_snapshot) and asks that block
 * everything, so what it reports is one snapshot even while writers
 * publish newer ones.
 * Writers (one source refresh at a time, but two sources could share a
 * stack) swap under reg_lock. The pid filter is a plain atomic int.
 * nb_procs_fini (stack destroy, Exclusive) frees the last block.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

struct nb_procsnap {
	struct nb_rcu	 rcu;
	int32_t		 scope;
	unsigned	 denied;
	size_t		 n;
	struct nb_proc	*procs;		/* [n], inside this block */
};

static const char *const pfd_names[NB_PFD_TYPE_MAX] = {
	[NB_PFD_OTHER] = "other",
	[NB_PFD_FILE] = "file",
	[NB_PFD_DIR] = "dir",
	[NB_PFD_CHR] = "chr",
	[NB_PFD_BLK] = "blk",
	[NB_PFD_FIFO] = "fifo",
	[NB_PFD_PIPE] = "pipe",
	[NB_PFD_SOCKET] = "socket",
	[NB_PFD_EVENTFD] = "eventfd",
	[NB_PFD_EVENTPOLL] = "eventpoll",
	[NB_PFD_TIMERFD] = "timerfd",
	[NB_PFD_SIGNALFD] = "signalfd",
	[NB_PFD_INOTIFY] = "inotify",
	[NB_PFD_ANON] = "anon",
};

const char *
nb_pfd_type_name(unsigned type)
{
	return type < NB_PFD_TYPE_MAX ? pfd_names[type] : "other";
}

static void
nb_procsnap_free(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_procsnap, rcu));
}

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Copy s into the pool at *pp; NULL stays NULL. */
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
nb_procs_publish(struct nb_stack *st, int32_t scope, unsigned denied,
    const struct nb_proc *procs, size_t n)
{
	struct nb_procsnap *sn, *old;
	struct nb_pfd *fds;
	size_t nfd = 0, strs = 0, i, j, k, size;
	char *pool;

	if (st == NULL || (n > 0 && procs == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (i > 0 && procs[i].pid <= procs[i - 1].pid)
			return -EINVAL;
		if (procs[i].nfds > 0 && procs[i].fds == NULL)
			return -EINVAL;
		nfd += procs[i].nfds;
		strs += slen(procs[i].comm != NULL ? procs[i].comm : "");
		for (j = 0; j < procs[i].nfds; j++) {
			strs += slen(procs[i].fds[j].target != NULL ? procs[i].fds[j].target : "");
			strs += slen(procs[i].fds[j].unix_path);
		}
	}
	size = sizeof(*sn) + n * sizeof(struct nb_proc) + nfd * sizeof(struct nb_pfd) + strs;
	if ((sn = calloc(1, size)) == NULL)
		return -ENOMEM;
	sn->scope = scope;
	sn->denied = denied;
	sn->n = n;
	sn->procs = (struct nb_proc *)(sn + 1);
	fds = (struct nb_pfd *)(sn->procs + n);
	pool = (char *)(fds + nfd);
	for (i = 0, k = 0; i < n; i++) {
		struct nb_proc *p = &sn->procs[i];

		*p = procs[i];
		p->comm = scopy(&pool, procs[i].comm != NULL ? procs[i].comm : "");
		p->fds = &fds[k];
		for (j = 0; j < procs[i].nfds; j++, k++) {
			fds[k] = procs[i].fds[j];
			fds[k].target = scopy(&pool,
			    procs[i].fds[j].target != NULL ? procs[i].fds[j].target : "");
			fds[k].unix_path = scopy(&pool, procs[i].fds[j].unix_path);
		}
	}
	pthread_mutex_lock(&st->reg_lock);
	old = st->procs;
	NB_STORE(&st->procs, sn);
	pthread_mutex_unlock(&st->reg_lock);
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_procsnap_free);
	return 0;
}

void
nb_procs_set_scope(struct nb_stack *st, int32_t pid)
{
	NB_STORE_RELAXED(&st->proc_scope, pid > 0 ? pid : 0);
}

int32_t
nb_procs_scope(struct nb_stack *st)
{
	return NB_LOAD_RELAXED(&st->proc_scope);
}

const struct nb_procsnap *
nb_procs_snapshot(const struct nb_read *rd)
{
	return NB_LOAD(&rd->st->procs);
}

void
nb_procs_info(const struct nb_procsnap *sn, int32_t *scope, unsigned *denied)
{
	if (scope != NULL)
		*scope = sn != NULL ? sn->scope : 0;
	if (denied != NULL)
		*denied = sn != NULL ? sn->denied : 0;
}

int
nb_proc_walk(const struct nb_procsnap *sn, int (*cb)(const struct nb_proc *p, void *arg),
    void *arg)
{
	size_t i;
	int error;

	if (sn == NULL)
		return 0;
	for (i = 0; i < sn->n; i++)
		if ((error = cb(&sn->procs[i], arg)) != 0)
			return error;
	return 0;
}

const struct nb_proc *
nb_proc_lookup(const struct nb_procsnap *sn, int32_t pid)
{
	size_t lo = 0, hi, mid;

	if (sn == NULL)
		return NULL;
	hi = sn->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sn->procs[mid].pid == pid)
			return &sn->procs[mid];
		if (sn->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
nb_procs_fini(struct nb_stack *st)
{
	free(st->procs);
	st->procs = NULL;
}
