/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_name.c - the name parser: any bytes either split into components
 * that join back to a name splitting the same way, or are refused with
 * -EINVAL / -ENAMETOOLONG; the allocation-free splitter agrees.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "sysctl-tree/sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, **comp = NULL, **comp2 = NULL, buf[NB__SPLITBUF], joined[NB_SYSCTL_NAMEMAX * 2 + 2];
	const char *c3[NB_SYSCTL_MAXDEPTH];
	size_t *lens = NULL, *lens2 = NULL, l3[NB_SYSCTL_MAXDEPTH], jl;
	unsigned n = 0, n2 = 0, n3 = 0, i;
	int rc, rc3;

	if ((name = malloc(size + 1)) == NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';	/* a NUL inside ends the name, as in C */
	rc = nb_sysctl_name_split(name, &comp, &lens, &n);
	rc3 = nb__sysctl_split(name, buf, c3, l3, &n3);
	if (rc != rc3 || (rc == 0 && n != n3))
		abort();
	if (rc != 0) {
		if (rc != -EINVAL && rc != -ENAMETOOLONG)
			abort();
		free(name);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (lens[i] != l3[i] || lens[i] != strlen(comp[i]) ||
		    memcmp(comp[i], c3[i], lens[i]) != 0)
			abort();
	jl = nb_sysctl_name_join((const char *const *)comp, n, joined, sizeof(joined));
	if (jl >= sizeof(joined))
		abort();
	/* The joined form splits to the same components. */
	if (nb_sysctl_name_split(joined, &comp2, &lens2, &n2) != 0 || n2 != n)
		abort();
	for (i = 0; i < n; i++)
		if (lens2[i] != lens[i] || memcmp(comp2[i], comp[i], lens[i]) != 0)
			abort();
	free(comp);
	free(comp2);
	free(name);
	return 0;
}
