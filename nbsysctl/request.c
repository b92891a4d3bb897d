/* SPDX-License-Identifier: BSD-2-Clause */
/* request.c - the names asked for, and the three ways of reading them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>

#include "nbsysctl.h"

void
nbs_req_split(const char *arg, struct nbs_req *rq)
{
	int rc;

	memset(rq, 0, sizeof(*rq));
	rq->arg = arg;
	if ((rc = nb_sysctl_name_split(arg, &rq->comp, NULL, &rq->ncomp)) == 0)
		return;
	if (rc == -ENAMETOOLONG)
		nb_usagex("%s: name too long", arg);
	if (rc == -EINVAL)
		nb_usagex("%s: invalid name", arg);
	nb_errx(NB_EXIT_RUNTIME, "%s: %s", arg, strerror(-rc));
}

void
nbs_req_check(const char *arg)
{
	/* "" splits to the root (what -a reads): as a name it is malformed
	 * (nbsysctl.8), never a way to say -a or a write to ": ...". */
	if (*arg == '\0')
		nb_usagex("empty name (-a reads the whole tree)");
}

void
nbs_reqs_add(struct nbs_reqs *rs, const char *arg)
{
	if ((rs->v = reallocarray(rs->v, rs->n + 1, sizeof(*rs->v))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	nbs_req_split(arg, &rs->v[rs->n++]);
}

void
nbs_reqs_free(struct nbs_reqs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].comp);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

void
nbs_read_error(struct nb_sysctl *h, const char *name, int rc, bool quiet)
{
	const char *d = nb_sysctl_errdetail(h);

	if (rc == -ENOENT && (d == NULL || *d == '\0')) {	/* no detail: the name */
		if (!quiet)
			nb_warnx("%s: no such node", name);
	} else if (d != NULL && *d != '\0') {
		nb_warnx("%s: %s (%s)", name, strerror(-rc), d);
	} else {
		nb_warnx("%s: %s", name, strerror(-rc));
	}
}

/*
 * Account for the read of rq (rc: its result): report a failure (with
 * report_once, only the first of a run of failures of this name) and
 * return the exit status it adds.
 */
static int
req_done(struct nb_sysctl *h, struct nbs_req *rq, int rc, bool quiet, bool report_once)
{
	if (rc >= 0) {
		rq->missing = false;
		return 0;
	}
	if (!report_once || !rq->missing)
		nbs_read_error(h, rq->arg, rc, quiet);
	rq->missing = true;
	return NB_EXIT_RUNTIME;
}

int
nbs_read_all(struct nb_sysctl *h, struct nbs_reqs *rs, unsigned rdflags, bool quiet,
    bool report_once, struct nbs_renderer *r, struct nbs_list *l)
{
	int ret = 0, rc;

	for (size_t i = 0; i < rs->n; i++) {
		struct nbs_req *rq = &rs->v[i];

		/* Nodes too: an empty one is an empty JSON object. */
		rc = nbs_collect(h, (const char *const *)rq->comp, rq->ncomp,
		    rdflags | NB_SYSCTL_RD_NODES, l);
		if (rc == 0)
			nbs_render_subtree(r);
		ret |= req_done(h, rq, rc, quiet, report_once);
	}
	return ret;
}

int
nbs_interval_loop(const struct nb_common *c, struct nb_sysctl *h, struct nbs_reqs *rs,
    unsigned rdflags, struct nbs_renderer *r, bool quiet)
{
	struct nbs_list prev = { 0 }, cur = { 0 };
	struct nb_ticker t;
	int ret = 0;

	nb_ticker_init(&t, c, h);
	for (;;) {
		ret |= nbs_read_all(h, rs, rdflags, quiet, true, r, &cur);
		nbs_render_step(r, &prev, &cur);
		if (!nb_ticker_next(&t))
			break;
	}
	nbs_list_free(&prev);
	return ret;
}
