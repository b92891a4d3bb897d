/* SPDX-License-Identifier: BSD-2-Clause */
/* source.c - source dispatch: open a source from its ops, forward calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nbstack/stack.h"

struct nb_source {
	const struct nb_source_ops *ops;
	void		*priv;
};

int
nb_source_open(struct nb_stack *st, const struct nb_source_ops *ops,
    const struct nb_source_opts *opts, struct nb_source **out)
{
	struct nb_source_opts def = { 0 };
	struct nb_source *src;
	int error;

	if (opts != NULL && opts->errbuf != NULL && opts->errlen > 0)
		opts->errbuf[0] = '\0';
	if (ops == NULL || ops->open == NULL || ops->refresh == NULL || ops->close == NULL)
		return -EINVAL;
	if ((src = calloc(1, sizeof(*src))) == NULL)
		return -ENOMEM;
	src->ops = ops;
	if ((error = src->ops->open(st, opts != NULL ? opts : &def, &src->priv)) != 0) {
		free(src);
		return error;
	}
	*out = src;
	return 0;
}

int
nb_source_refresh(struct nb_source *src, unsigned fams)
{
	return src->ops->refresh(src->priv, fams & src->ops->families);
}

int
nb_source_link_set(struct nb_source *src, uint32_t index, enum nb_linkset what, uint64_t value)
{
	if (src->ops->link_set == NULL)
		return -EOPNOTSUPP;
	return src->ops->link_set(src->priv, index, what, value);
}

int
nb_source_check(struct nb_source *src)
{
	if (src->ops->check == NULL)
		return -EOPNOTSUPP;
	return src->ops->check(src->priv);
}

unsigned
nb_source_families(const struct nb_source *src)
{
	return src->ops->families;
}

const char *
nb_source_kind(const struct nb_source *src)
{
	return src->ops->kind;
}

const char *
nb_source_error(const struct nb_source *src)
{
	return src->ops->error != NULL ? src->ops->error(src->priv) : "";
}

const char *
nb_source_notice(const struct nb_source *src)
{
	return src->ops->notice != NULL ? src->ops->notice(src->priv) : "";
}

void
nb_source_close(struct nb_source **srcp)
{
	struct nb_source *src = *srcp;

	if (src == NULL)
		return;
	src->ops->close(src->priv);
	free(src);
	*srcp = NULL;
}
