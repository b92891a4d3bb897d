/* SPDX-License-Identifier: BSD-2-Clause */
/* record_set.c - the default recorded set: what every tool mode's replay needs (nbsysctl --record, nbstatd). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"


/* Children of these top-level nodes that are recorded only when named. */
static const char *const named_only[] = {
	"kern.proc", /* every process's open files: costly, per user */
	"net.pcb", /* every socket: objects that come and go between samples */
};

struct dflt {
	char **v;
	size_t n;
	int error;
};

static void
dflt_add(struct dflt *d, const struct nb_sysctl_entry *e)
{
	char name[NB_SYSCTL_NAMEMAX + 1];
	char **v;

	(void)nb_sysctl_entry_name(e, name, sizeof(name));
	for (size_t i = 0; i < sizeof(named_only) / sizeof(named_only[0]); i++)
		if (strcmp(name, named_only[i]) == 0)
			return;
	if ((v = reallocarray(d->v, d->n + 1, sizeof(*v))) == NULL ||
	    (v[d->n] = strdup(name)) == NULL) {
		if (v != NULL)
			d->v = v;
		d->error = -ENOMEM;
		return;
	}
	d->v = v;
	d->n++;
}

static int
top_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct dflt *d = arg;

	/* "stack" is libstack's own health, not the host's. */
	if (e->ncomp == 1 && strcmp(e->comp[0], "stack") != 0 &&
	    strcmp(e->comp[0], "kern") != 0 && strcmp(e->comp[0], "net") != 0)
		dflt_add(d, e);
	return 0;
}

static int
child_cb(const struct nb_sysctl_entry *e, void *arg)
{
	if (e->ncomp == 2)
		dflt_add(arg, e);
	return 0;
}

int
nb_sysctl_record_defaults(struct nb_sysctl *h, char ***out, size_t *nout)
{
	struct dflt d = { 0 };
	int rc;

	*out = NULL;
	*nout = 0;
	/* The top level but kern and net; of those two, each child but the named-only ones. */
	if ((rc = nb_sysctl_walk(h, "", NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NOVALUE, top_cb, &d)) < 0)
		goto fail;
	for (size_t i = 0; i < 2; i++) {
		rc = nb_sysctl_walk(h, i == 0 ? "kern" : "net",
		    NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NOVALUE | NB_SYSCTL_RD_NOPCBX, child_cb, &d);
		if (rc < 0 && rc != -ENOENT)
			goto fail;
	}
	if (d.error != 0) {
		rc = d.error;
		goto fail;
	}
	*out = d.v;
	*nout = d.n;
	return 0;
fail:
	nb_sysctl_record_defaults_free(d.v, d.n);
	return rc;
}


void
nb_sysctl_record_defaults_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
