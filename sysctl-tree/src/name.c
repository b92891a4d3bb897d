/* SPDX-License-Identifier: BSD-2-Clause */
/* name.c - escaped dotted names: split into components and join back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/*
 * The one unescaping rule of a component: from *pp up to the next '.' or
 * NUL, "\." and "\\" made '.' and '\', written at *op (not terminated);
 * both are advanced. -EINVAL for another escape or an empty component.
 */
int
nb__name_comp(const char **pp, char **op)
{
	const char *p = *pp;
	char *o = *op, *start = o;

	while (*p != '\0' && *p != '.') {
		if (*p == '\\') {
			if (p[1] != '.' && p[1] != '\\')
				return -EINVAL;
			p++;
		}
		*o++ = *p++;
	}
	*pp = p;
	*op = o;
	return o == start ? -EINVAL : 0;
}

/*
 * A component is any run of bytes but NUL; '.' and '\' inside it are written
 * "\." and "\\". Splitting writes the unescaped components, each followed by
 * a NUL, into buf; the output never exceeds the input plus one NUL per
 * component, so NB__SPLITBUF bytes always suffice.
 */
int
nb__sysctl_split(const char *name, char *buf, const char **comp, size_t *lens, unsigned *ncomp)
{
	const char *p;
	char *o = buf, *start;
	unsigned n = 0;

	if (name == NULL)
		name = "";
	if (strnlen(name, NB_SYSCTL_NAMEMAX + 1) > NB_SYSCTL_NAMEMAX)
		return -ENAMETOOLONG;
	p = name;
	if (*p == '.')
		p++;
	if (*p == '\0') {
		*ncomp = 0;
		return 0;
	}
	for (;;) {
		if (n == NB_SYSCTL_MAXDEPTH)
			return -ENAMETOOLONG;
		start = o;
		if (nb__name_comp(&p, &o) != 0)
			return -EINVAL;
		comp[n] = start;
		lens[n] = (size_t)(o - start);
		*o++ = '\0';
		n++;
		if (*p == '\0')
			break;
		p++;			/* the '.' */
		if (*p == '\0')
			return -EINVAL;	/* trailing separator */
	}
	*ncomp = n;
	return 0;
}

int
nb_sysctl_name_split(const char *name, char ***compv, size_t **lens, unsigned *ncomp)
{
	char buf[NB__SPLITBUF];
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t len[NB_SYSCTL_MAXDEPTH], bytes = 0, hdr;
	unsigned n, i;
	char **vp, *sp;
	size_t *lp;
	int error;

	if ((error = nb__sysctl_split(name, buf, comp, len, &n)) != 0)
		return error;
	for (i = 0; i < n; i++)
		bytes += len[i] + 1;
	hdr = (n > 0 ? n : 1) * (sizeof(char *) + sizeof(size_t));
	if ((vp = malloc(hdr + bytes + 1)) == NULL)
		return -ENOMEM;
	lp = (size_t *)(void *)(vp + (n > 0 ? n : 1));
	sp = (char *)(lp + (n > 0 ? n : 1));
	for (i = 0; i < n; i++) {
		memcpy(sp, comp[i], len[i] + 1);
		vp[i] = sp;
		lp[i] = len[i];
		sp += len[i] + 1;
	}
	*compv = vp;
	if (lens != NULL)
		*lens = lp;
	*ncomp = n;
	return 0;
}

size_t
nb__sysctl_join(const char *const *comp, const size_t *lens, unsigned n, char *buf, size_t size)
{
	size_t need = 0, i, l;
	unsigned c;
	char ch;

#define PUT(x) do {				\
	if (need + 1 < size)			\
		buf[need] = (x);		\
	need++;					\
} while (0)
	for (c = 0; c < n; c++) {
		if (c > 0)
			PUT('.');
		l = lens != NULL ? lens[c] : strlen(comp[c]);
		for (i = 0; i < l; i++) {
			ch = comp[c][i];
			if (ch == '.' || ch == '\\')
				PUT('\\');
			PUT(ch);
		}
	}
#undef PUT
	if (size > 0)
		buf[need < size ? need : size - 1] = '\0';
	return need;
}

size_t
nb_sysctl_name_join(const char *const *comp, unsigned n, char *buf, size_t size)
{
	return nb__sysctl_join(comp, NULL, n, buf, size);
}

size_t
nb_sysctl_entry_name(const struct nb_sysctl_entry *e, char *buf, size_t size)
{
	return nb__sysctl_join(e->comp, e->complen, e->ncomp, buf, size);
}
