/* SPDX-License-Identifier: BSD-2-Clause */
/* info.c - the kernel-information registry: named int/string values (kern.hostname, ...). */
/*
 * Concurrency: an append-only RCU list under reg_lock (like the other
 * registries). Each entry's value is an immutable block that a writer
 * replaces whole with a release store; the old block is freed after a
 * grace period (nb_defer), so a reader inside a read section can use the
 * string it loaded until nb_read_exit. Entries are freed by nb_stack_destroy
 * only (Exclusive).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

struct nb_infoval {
	struct nb_rcu	 rcu;
	int64_t		 i;
	char		 s[];		/* "" for NB_INFO_INT */
};

struct nb_infoent {
	struct nb_lent	 le;
	char		*mib;
	char		*descr;
	enum nb_info_type type;
	struct nb_infoval *val;		/* atomic */
};

static void
nb_infoval_free(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_infoval, rcu));
}

static void
nb_infoent_free(struct nb_infoent *e)
{
	if (e == NULL)
		return;
	free(e->val);
	free(e->mib);
	free(e->descr);
	free(e);
}

static int
nb_info_set(struct nb_stack *st, const char *mib, const char *descr,
    enum nb_info_type type, int64_t i, const char *s)
{
	struct nb_infoent *e = NULL, *x;
	struct nb_infoval *nv = NULL, *ov;
	struct nb_lent *le;
	size_t len;
	int error = 0;

	if (mib == NULL || *mib == '\0' || (type == NB_INFO_STR && s == NULL))
		return -EINVAL;
	len = type == NB_INFO_STR ? strlen(s) : 0;
	if ((nv = malloc(sizeof(*nv) + len + 1)) == NULL)
		return -ENOMEM;
	nv->i = i;
	memcpy(nv->s, type == NB_INFO_STR ? s : "", len + 1);
	pthread_mutex_lock(&st->reg_lock);
	for (le = st->infos.head; le != NULL; le = le->next) {
		x = caa_container_of(le, struct nb_infoent, le);
		if (strcmp(x->mib, mib) != 0)
			continue;
		if (x->type != type) {
			error = -EEXIST;
			goto out;
		}
		ov = x->val;
		if (ov->i == nv->i && strcmp(ov->s, nv->s) == 0)
			goto out;		/* unchanged: nv is freed below */
		NB_STORE(&x->val, nv);
		nv = NULL;
		nb_defer(st, &ov->rcu, nb_infoval_free);
		goto out;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->mib = strdup(mib)) == NULL ||
	    (e->descr = strdup(descr != NULL ? descr : "")) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	e->type = type;
	e->val = nv;
	nv = NULL;
	nb_list_writer_append(&st->infos, &e->le);
	e = NULL;
out:
	pthread_mutex_unlock(&st->reg_lock);
	nb_infoent_free(e);
	free(nv);
	return error;
}

int
nb_info_set_int(struct nb_stack *st, const char *mib, const char *descr, int64_t v)
{
	return nb_info_set(st, mib, descr, NB_INFO_INT, v, NULL);
}

int
nb_info_set_str(struct nb_stack *st, const char *mib, const char *descr, const char *s)
{
	return nb_info_set(st, mib, descr, NB_INFO_STR, 0, s);
}

int
nb_info_walk(const struct nb_read *rd, int (*cb)(const struct nb_info *info, void *arg),
    void *arg)
{
	const struct nb_infoval *v;
	struct nb_info info;
	struct nb_lent *le;
	int error;

	for (le = nb_list_reader_first(&rd->st->infos); le != NULL; le = nb_list_reader_next(le)) {
		const struct nb_infoent *e = caa_container_of(le, struct nb_infoent, le);

		v = NB_LOAD(&e->val);
		info.mib = e->mib;
		info.descr = e->descr;
		info.type = e->type;
		info.i = v->i;
		info.s = v->s;
		if ((error = cb(&info, arg)) != 0)
			return error;
	}
	return 0;
}

void
nb_info_fini(struct nb_stack *st)
{
	struct nb_lent *le, *next;

	for (le = st->infos.head; le != NULL; le = next) {
		next = le->next;
		nb_infoent_free(caa_container_of(le, struct nb_infoent, le));
	}
	nb_list_init(&st->infos);
}
