/* SPDX-License-Identifier: BSD-2-Clause */
/* write.c - -w name=value: parse the argument, write the node, keep old and new. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>

#include "nbsysctl.h"

void
nbs_wreq_parse(struct nb_sysctl *h, const char *arg, struct nbs_wreq *w)
{
	struct nb_sysctl_value v;
	const char *eq, *first;
	struct nbs_req rq;

	if ((first = strchr(arg, '=')) == NULL)
		nb_usagex("%s: -w needs name=value", arg);
	if (first == arg)
		nbs_req_check("");
	for (eq = first; h != NULL && eq != NULL; eq = strchr(eq + 1, '=')) {
		char *name = strndup(arg, (size_t)(eq - arg));

		if (name == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		if (nb_sysctl_get(h, name, NB_SYSCTL_RD_NOVALUE, &v) != -ENOENT) {
			w->name = name;
			w->value = eq + 1;
			return;
		}
		free(name);
	}
	if ((w->name = strndup(arg, (size_t)(first - arg))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	w->value = first + 1;
	if (h == NULL) {
		/* Syntax check before the tree is opened. */
		nbs_req_split(w->name, &rq);
		free(rq.comp);
	}
}

int
nbs_write(struct nb_sysctl *h, const struct nbs_wreq *w, bool quiet, struct nbs_list *l)
{
	struct nb_sysctl_value v, old;
	struct nbs_item *it;
	int rc;

	if ((rc = nb_sysctl_get(h, w->name, 0, &v)) < 0) {
		if (rc == -EISDIR)
			nb_warnx("%s: not a leaf node", w->name);
		else
			nbs_read_error(h, w->name, rc, false);
		return NB_EXIT_RUNTIME;
	}
	if ((v.flags & NB_SYSCTL_F_WRITABLE) == 0) {
		nb_warnx("%s: read-only node", w->name);
		return NB_EXIT_RUNTIME;
	}
	if ((rc = nbs_value_copy(&old, &v)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(-rc));
	if ((rc = nb_sysctl_write(h, w->name, w->value)) < 0) {
		if (rc == -EINVAL)
			nb_warnx("%s: invalid value '%s'", w->name, w->value);
		else
			nbs_read_error(h, w->name, rc, false);
		nbs_value_free(&old);
		return NB_EXIT_RUNTIME;
	}
	if ((rc = nb_sysctl_sample(h)) < 0 ||
	    (rc = nb_sysctl_get(h, w->name, 0, &v)) < 0 ||
	    (rc = nbs_append_value(l, w->name, &v)) < 0) {
		nbs_read_error(h, w->name, rc, quiet);
		nbs_value_free(&old);
		return NB_EXIT_RUNTIME;
	}
	it = nbs_last(l);
	it->old = old;
	it->has_old = true;
	return 0;
}
