/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_mount.h - private: NB_FAM_MOUNT of the linux source (source_linux_mount.c). */
#ifndef NBSTACK_SOURCE_LINUX_MOUNT_H
#define NBSTACK_SOURCE_LINUX_MOUNT_H

#include <stddef.h>

#include "nbstack/stack.h"

struct lx;

/*
 * lx_mountinfo_parse - parse the text of /proc/<pid>/mountinfo (text[len],
 * NUL-terminated, modified in place: fields are cut and their octal escapes
 * \ooo undone) into a malloc'd vector of mounts in ascending id, *out and
 * *n, whose strings point into text. 0; -EINVAL for a malformed line
 * (*badline = its number, from 1), a duplicate id or a NUL inside the
 * text; -ENOMEM. An empty text is no mounts.
 */
int	lx_mountinfo_parse(char *text, size_t len, struct nb_mount **out, size_t *n,
	    unsigned *badline);

/* Read ROOT/proc/self/mountinfo and publish it (nb_mounts_publish). */
int	lx_mount_refresh(struct lx *lx);

#endif
