/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_mount.c - NB_FAM_MOUNT for the linux source: ROOT/proc/self/mountinfo. */
/*
 * Theory of operation: one refresh reads ROOT/proc/self/mountinfo whole
 * through the procfs seam (lx_proc_read_empty_ok), parses every line
 * (lx_mountinfo_parse: all of it or nothing) and publishes the table with
 * nb_mounts_publish, which copies it into one immutable block.
 *
 * A line (proc_pid_mountinfo(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent major:minor root point options [optional fields...] - fstype source super-options
 * root, point and source escape space, tab, newline and backslash as \ooo.
 *
 * Concurrency: called from lx_refresh with the source mutex held; the
 * parsed vector lives for one call.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl_linux.h"
#include "source_linux_mount.h"
#include "source_linux_proc.h"

/* Undo the kernel's \ooo escapes in place. */
static void
mnt_unescape(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			char c = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));

			if (c != '\0') {
				*d++ = c;
				s += 4;
				continue;
			}
		}
		*d++ = *s++;
	}
	*d = '\0';
}

/* Strict decimal u32. */
static bool
mnt_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (lx_dec(s, false, &v) != 0 || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* One line cut into blank-separated fields (at most max); the count. */
static unsigned
mnt_fields(char *line, char **f, unsigned max)
{
	unsigned n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			return n;
		if (n == max)
			return max + 1;
		f[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
}

/* One line into m; false if malformed. */
static bool
mnt_line(char *line, struct nb_mount *m)
{
	enum { MAXF = 64 };
	char *f[MAXF], *colon;
	unsigned n = mnt_fields(line, f, MAXF), sep;

	if (n < 10 || n > MAXF)
		return false;
	/* The optional fields end at a lone "-", after the six fixed ones. */
	for (sep = 6; sep < n && strcmp(f[sep], "-") != 0; sep++)
		;
	if (sep + 3 > n)
		return false;
	if (!mnt_u32(f[0], &m->id) || !mnt_u32(f[1], &m->parent))
		return false;
	if ((colon = strchr(f[2], ':')) == NULL)
		return false;
	*colon = '\0';
	if (!mnt_u32(f[2], &m->major) || !mnt_u32(colon + 1, &m->minor))
		return false;
	mnt_unescape(f[3]);
	mnt_unescape(f[4]);
	mnt_unescape(f[sep + 2]);
	m->root = f[3];
	m->point = f[4];
	m->fstype = f[sep + 1];
	m->source = f[sep + 2];
	return true;
}

static int
mnt_cmp(const void *a, const void *b)
{
	const struct nb_mount *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int
lx_mountinfo_parse(char *text, size_t len, struct nb_mount **out, size_t *n,
    unsigned *badline)
{
	struct nb_mount *v = NULL, *nv;
	size_t nm = 0, cap = 0, i;
	unsigned lineno = 0;
	char *p = text, *end = text + len, *nl;

	*out = NULL;
	*n = 0;
	*badline = 0;
	if (memchr(text, '\0', len) != NULL)
		return -EINVAL;
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (nm == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		memset(&v[nm], 0, sizeof(v[nm]));
		if (!mnt_line(p, &v[nm])) {
			free(v);
			*badline = lineno;
			return -EINVAL;
		}
		nm++;
		p = nl + 1;
	}
	if (nm > 1)
		qsort(v, nm, sizeof(*v), mnt_cmp);
	for (i = 1; i < nm; i++)
		if (v[i].id == v[i - 1].id) {
			free(v);
			return -EINVAL;
		}
	*out = v;
	*n = nm;
	return 0;
}

int
lx_mount_refresh(struct lx *lx)
{
	static const char rel[] = "proc/self/mountinfo";
	struct nb_mount *m = NULL;
	size_t n = 0, len;
	unsigned bad;
	char *text;
	int error;

	if ((error = lx_proc_read_empty_ok(lx->proc, rel)) != 0) {
		lx_seterr(lx, "%s", lx_proc_error(lx->proc));
		return error;
	}
	text = lx_proc_text(lx->proc, &len);
	if ((error = lx_mountinfo_parse(text, len, &m, &n, &bad)) != 0) {
		if (error == -EINVAL && bad > 0)
			lx_seterr(lx, "%s: line %u: not a mountinfo line", lx_proc_path(lx->proc),
			    bad);
		else if (error == -EINVAL)
			lx_seterr(lx, "%s: a mount id twice, or a NUL byte", lx_proc_path(lx->proc));
		return error;
	}
	error = nb_mounts_publish(lx->st, m, n);
	free(m);
	return error;
}
