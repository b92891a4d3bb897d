/* SPDX-License-Identifier: BSD-2-Clause */
/* source.h - private: the vtable every libstack source implements. */
#ifndef NBSTACK_SOURCE_H
#define NBSTACK_SOURCE_H

#include "nbstack/stack.h"

struct nb_source_ops {
	const char	*kind;
	unsigned	 families;	/* NB_FAM_* it can provide */
	/* Allocate private state into *priv; load nothing yet. */
	int	(*open)(struct nb_stack *st, const struct nb_source_opts *opts, void **priv);
	int	(*refresh)(void *priv, unsigned fams);
	int	(*link_set)(void *priv, uint32_t index, enum nb_linkset what, uint64_t value);
	const char *(*error)(void *priv);
	/* Optional: stop generating and verify the source's invariants. */
	int	(*check)(void *priv);
	void	(*close)(void *priv);
};

/* Sources compiled in (source.c dispatches on .kind). */
extern const struct nb_source_ops nb_source_linux_ops;
extern const struct nb_source_ops nb_source_sim_ops;

#endif
