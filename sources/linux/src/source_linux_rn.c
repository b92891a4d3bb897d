/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_rn.c - linux source, ROUTES and NEIGH: one dump-and-reconcile for both families. */
/*
 * A family (struct lx_rn_fam: source_linux_route.c, source_linux_neigh.c)
 * is refreshed by one dump of its every record (AF_UNSPEC, all tables),
 * parsed into a flat list, then reconciled like addresses: the stack's
 * records go into a map keyed by identity as OLD, every dumped record is
 * marked SEEN and upserted (libstack writes nothing when the attributes
 * are unchanged), and what is still OLD is deleted. Nothing is deleted on
 * the basis of a failed or interrupted dump. The list and the map keep
 * their memory across refreshes.
 *
 * Runs on the refresh thread, or on the event thread (a resync, or routes
 * the kernel removed silently), always with lx->mu held: one thread at a
 * time touches lx->rn. In event mode a family a refresh has loaded is
 * "live" (rn->live): events keep it current from then on and refreshes
 * leave it alone.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/msg.h>

#include "source_linux_rn.h"

struct lx_arena_chunk {
	struct lx_arena_chunk *next;
	size_t		 used, cap;
	max_align_t	 data[];
};

#define LX_ARENA_CHUNK	(64 * 1024)

void *
lx_arena_alloc(struct lx_arena *ar, size_t size)
{
	struct lx_arena_chunk *c = ar->head;
	size_t cap;

	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (c == NULL || c->cap - c->used < size) {
		cap = size > LX_ARENA_CHUNK ? size : LX_ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = ar->head;
		ar->head = c;
	}
	c->used += size;
	return (char *)c->data + c->used - size;
}

void
lx_arena_reset(struct lx_arena *ar)
{
	struct lx_arena_chunk *c, *next;

	if (ar->head == NULL)
		return;
	for (c = ar->head->next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	ar->head->next = NULL;
	ar->head->used = 0;
}

void
lx_arena_fini(struct lx_arena *ar)
{
	lx_arena_reset(ar);
	free(ar->head);
	ar->head = NULL;
}

static void *
rn_rec(const struct lx_rn_set *s, size_t i)
{
	return (char *)s->v + i * s->fam->size;
}

static int
rn_dump_msg(struct lx *lx, struct nlmsghdr *nlh, void *arg)
{
	struct lx_rn_set *s = arg;
	size_t cap;
	void *v;
	int error;

	if (s->n == s->cap) {
		cap = s->cap != 0 ? s->cap * 2 : 64;
		if ((v = realloc(s->v, cap * s->fam->size)) == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if ((error = s->fam->parse(lx, nlh, rn_rec(s, s->n), &s->ar)) != 0)
		return error > 0 ? 0 : error;
	s->n++;
	return 0;
}

static void
rn_dump_start(struct lx *lx, void *arg)
{
	struct lx_rn_set *s = arg;

	(void)lx;
	s->n = 0;
	lx_arena_reset(&s->ar);
}

static int
rn_dump(struct lx *lx, struct lx_rn_set *s)
{
	union lx_rn_rec zero;		/* larger than any family header */
	struct nl_msg *req;
	int error;

	memset(&zero, 0, sizeof(zero));
	if ((req = nlmsg_alloc_simple(s->fam->msgtype, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if (s->fam->hdrlen > sizeof(zero) ||
	    nlmsg_append(req, &zero, s->fam->hdrlen, NLMSG_ALIGNTO) < 0)
		error = -ENOMEM;
	else
		error = lx_request(lx, req, s->fam->req, rn_dump_start, rn_dump_msg, s);
	nlmsg_free(req);
	return error;
}

int
lx_rn_note_old(struct lx_rn_set *s, const void *rec)
{
	union lx_rn_rec k;
	ptrdiff_t slot;

	s->fam->key(&k, rec);
	if (nl_kmap_find(&s->map, &k) >= 0)
		return 0;
	if ((slot = nl_kmap_insert(&s->map, &k, NL_KMAP_OLD)) < 0)
		return (int)slot;
	memcpy(nl_kmap_val(&s->map, (size_t)slot), rec, s->fam->size);
	return 0;
}

static int
rn_reconcile(struct lx *lx, struct lx_rn_set *s)
{
	const struct lx_rn_fam *f = s->fam;
	union lx_rn_rec k;
	struct nb_read rd;
	ptrdiff_t slot;
	size_t i;
	int error;

	if ((error = rn_dump(lx, s)) != 0)
		return error;
	nl_kmap_clear(&s->map);
	nb_read_enter(lx->st, &rd);
	error = f->walk(&rd, s);
	nb_read_exit(&rd);
	if (error != 0) {
		lx_seterr(lx, "linux: %s: %s", f->what, strerror(-error));
		return error;
	}
	for (i = 0; i < s->n; i++) {
		f->key(&k, rn_rec(s, i));
		if ((slot = nl_kmap_find(&s->map, &k)) >= 0)
			s->map.state[slot] = NL_KMAP_SEEN;
		else if ((slot = nl_kmap_insert(&s->map, &k, NL_KMAP_SEEN)) < 0)
			return (int)slot;
		if ((error = f->upsert(lx->st, rn_rec(s, i))) != 0) {
			lx_seterr(lx, "libstack: %s: %s", f->upsert_fn, strerror(-error));
			return error;
		}
	}
	for (i = 0; i < s->map.cap; i++) {
		if (s->map.state[i] != NL_KMAP_OLD)
			continue;
		error = f->del(lx->st, nl_kmap_val(&s->map, i));
		if (error != 0 && error != -ENOENT) {
			lx_seterr(lx, "libstack: %s: %s", f->delete_fn, strerror(-error));
			return error;
		}
	}
	return 0;
}

static int
rn_set_init(struct lx_rn_set *s, const struct lx_rn_fam *f)
{
	s->fam = f;
	return nl_kmap_init(&s->map, f->size, f->size);
}

static void
rn_set_fini(struct lx_rn_set *s)
{
	nl_kmap_fini(&s->map);
	lx_arena_fini(&s->ar);
	free(s->v);
}

int
lx_rn_refresh(struct lx *lx, unsigned fams)
{
	struct lx_rn *rn = lx->rn;
	int error = 0, e;

	if (rn == NULL) {
		if ((rn = calloc(1, sizeof(*rn))) == NULL)
			return -ENOMEM;
		if ((error = rn_set_init(&rn->routes, &lx_route_fam)) != 0 ||
		    (error = rn_set_init(&rn->neighs, &lx_neigh_fam)) != 0) {
			nl_kmap_fini(&rn->routes.map);
			free(rn);
			return error;
		}
		lx->rn = rn;
	}
	/* In event mode a loaded family is kept current by events (rn->live). */
	if ((fams & NB_FAM_ROUTES) != 0) {
		if ((error = rn_reconcile(lx, &rn->routes)) == 0 && lx->ev != NULL)
			rn->live |= NB_FAM_ROUTES;
	}
	if ((fams & NB_FAM_NEIGH) != 0) {
		if ((e = rn_reconcile(lx, &rn->neighs)) != 0 && error == 0)
			error = e;
		else if (e == 0 && lx->ev != NULL)
			rn->live |= NB_FAM_NEIGH;
	}
	return error;
}

void
lx_rn_free(struct lx *lx)
{
	struct lx_rn *rn = lx->rn;

	if (rn == NULL)
		return;
	rn_set_fini(&rn->routes);
	rn_set_fini(&rn->neighs);
	free(rn);
	lx->rn = NULL;
}

unsigned
lx_rn_live(const struct lx *lx)
{
	return lx->rn != NULL ? lx->rn->live : 0;
}
