/* SPDX-License-Identifier: BSD-2-Clause */
/* lx_attr.h - private: the linux source's attribute walks (no libnl: the unit tests include it). */
#ifndef NBSTACK_LX_ATTR_H
#define NBSTACK_LX_ATTR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/netlink.h>

/*
 * lx_zero - zero n bytes at p, n a constant, in pieces of at most 64
 * bytes: GCC stores each piece inline, where one larger memset becomes a
 * rep stos (an instruction per word under callgrind).
 */
static inline void
lx_zero(void *p, size_t n)
{
	size_t off;

	for (off = 0; off + 64 <= n; off += 64)
		memset((char *)p + off, 0, 64);
	if (off < n)
		memset((char *)p + off, 0, n - off);
}

/*
 * lx_attrs itself, inline: with constant hdrlen and maxtype (the link
 * dump's) the zeroing of tb and the type bound are constants, and there
 * is no call per message.
 */
static inline int
lx_attrs_inline(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype)
{
	const size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	const uint8_t *p = (const uint8_t *)nlh + off;
	ptrdiff_t after;	/* what follows the attribute header at p: >= 0 while one fits */
	const struct nlattr *nla;
	size_t len, type;

	lx_zero(tb, sizeof(*tb) * (size_t)(maxtype + 1));
	if (nlh->nlmsg_len < off)
		return nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen ? -EPROTO : 0;
	after = (ptrdiff_t)(nlh->nlmsg_len - off) - NLA_HDRLEN;
	while (after >= 0) {
		nla = (const struct nlattr *)p;
		len = nla->nla_len;
		if (len - NLA_HDRLEN > (size_t)after)	/* < NLA_HDRLEN, or past the end */
			return -EPROTO;
		if ((type = nla->nla_type & (size_t)NLA_TYPE_MASK) <= (size_t)maxtype)
			tb[type] = (struct nlattr *)(uintptr_t)nla;
		len = NLA_ALIGN(len);
		p += len;
		after -= (ptrdiff_t)len;
	}
	return 0;
}

/*
 * A table with a slot for every attribute type (lx_attrs_all): types are
 * 14 bits, NLA_TYPE_MASK (an int, ~0xc000) clears the two flag bits above.
 */
#define LX_ATTR_NTYPES	((size_t)NLA_F_NET_BYTEORDER)
_Static_assert((NLA_TYPE_MASK & 0xffff) == LX_ATTR_NTYPES - 1, "attribute types are 14 bits");

/*
 * lx_attrs_all - lx_attrs_inline into a table of LX_ATTR_NTYPES slots:
 * every attribute is recorded at its type, so the walk has no bound test
 * per attribute (a link message has ~40 of them, most of a type above
 * maxtype). The same checks, the same result in tab[0..maxtype] (zeroed
 * first, the last of each type); the slots above maxtype hold what this
 * and earlier walks left there: never read them.
 */
static inline int
lx_attrs_all(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tab, int maxtype)
{
	const size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	const uint8_t *p = (const uint8_t *)nlh + off;
	ptrdiff_t after;	/* what follows the attribute header at p: >= 0 while one fits */
	const struct nlattr *nla;
	size_t len;

	lx_zero(tab, sizeof(*tab) * (size_t)(maxtype + 1));
	if (nlh->nlmsg_len < off)
		return nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen ? -EPROTO : 0;
	after = (ptrdiff_t)(nlh->nlmsg_len - off) - NLA_HDRLEN;
	while (after >= 0) {
		nla = (const struct nlattr *)p;
		len = nla->nla_len;
		if (len - NLA_HDRLEN > (size_t)after)	/* < NLA_HDRLEN, or past the end */
			return -EPROTO;
		tab[nla->nla_type & NLA_TYPE_MASK] = (struct nlattr *)(uintptr_t)nla;
		len = NLA_ALIGN(len);
		p += len;
		after -= (ptrdiff_t)len;
	}
	return 0;
}

#endif
