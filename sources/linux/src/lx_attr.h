/* SPDX-License-Identifier: BSD-2-Clause */
/* lx_attr.h - private: the linux source's attribute walks (no libnl: the unit tests include it). */
#ifndef NBSTACK_LX_ATTR_H
#define NBSTACK_LX_ATTR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/netlink.h>

/*
 * lx_zero - zero n bytes at p, n a constant, in pieces of at most 64
 * bytes: GCC stores each piece inline, where one larger memset becomes a
 * rep stos (an instruction per word under callgrind); the pieces are
 * unrolled (a loop over them costs as much as the stores).
 */
static inline void
lx_zero(void *p, size_t n)
{
	size_t off;

#pragma GCC unroll 8
	for (off = 0; off + 64 <= n; off += 64)
		memset((char *)p + off, 0, 64);
	if (off < n)
		memset((char *)p + off, 0, n - off);
}

/*
 * A table with a slot for every attribute type (lx_attrs_all): types are
 * 14 bits, NLA_TYPE_MASK (an int, ~0xc000) clears the two flag bits above.
 */
#define LX_ATTR_NTYPES	((size_t)NLA_F_NET_BYTEORDER)
_Static_assert((NLA_TYPE_MASK & 0xffff) == LX_ATTR_NTYPES - 1, "attribute types are 14 bits");

/*
 * The attribute at p into tb (all: at its type, tb has LX_ATTR_NTYPES
 * slots; else only a type up to maxtype); its step, NLA_ALIGN(nla_len)
 * (>= NLA_HDRLEN), or 0 if its nla_len is below NLA_HDRLEN.
 */
static inline __attribute__((always_inline)) size_t
lx_attr_rec(uintptr_t p, struct nlattr **tb, size_t maxtype, bool all)
{
	const struct nlattr *nla = (const struct nlattr *)p;
	size_t len = nla->nla_len, type;

	if (len < NLA_HDRLEN)
		return 0;
	type = nla->nla_type & (size_t)NLA_TYPE_MASK;
	if (all || type <= maxtype)
		tb[type] = (struct nlattr *)p;
	return NLA_ALIGN(len);
}

/*
 * The walk of lx_attrs_inline and lx_attrs_all. An attribute at p is
 * read while its header fits (p <= last, last = the message's end -
 * NLA_HDRLEN); one with nla_len < NLA_HDRLEN is refused at once; the walk
 * steps NLA_ALIGN(nla_len) on. The check that an attribute ends within
 * the message is left to the end: every attribute but the one the walk
 * stops after is followed by another header that fits, so it ends before
 * that header; and the first attribute that runs past the end is the one
 * the walk stops after (its step takes p past the end, so past last). So
 * the message is well formed iff that attribute ends within it: the same
 * checks as a walk that checks each attribute's end as it goes, with one
 * compare less an attribute. The loop is unrolled by two (p and q take
 * turns), so that the start of the attribute it stops after is at hand
 * without a copy an attribute. Positions count in uintptr_t: a step may
 * go past the message.
 */
static inline __attribute__((always_inline)) int
lx_attrs_walk(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype,
    bool all)
{
	const size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	uintptr_t p, q, last, end;
	size_t step;

	lx_zero(tb, sizeof(*tb) * (size_t)(maxtype + 1));
	if (nlh->nlmsg_len < off)
		return nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen ? -EPROTO : 0;
	p = (uintptr_t)nlh + off;
	end = (uintptr_t)nlh + nlh->nlmsg_len;
	if (end - p < NLA_HDRLEN)
		return 0;
	last = end - NLA_HDRLEN;
	for (;;) {
		if ((step = lx_attr_rec(p, tb, (size_t)maxtype, all)) == 0)
			return -EPROTO;
		if ((q = p + step) > last)	/* p is the last */
			return p + ((const struct nlattr *)p)->nla_len <= end ? 0 : -EPROTO;
		if ((step = lx_attr_rec(q, tb, (size_t)maxtype, all)) == 0)
			return -EPROTO;
		if ((p = q + step) > last)	/* q is */
			return q + ((const struct nlattr *)q)->nla_len <= end ? 0 : -EPROTO;
	}
}

/*
 * lx_attrs itself, inline: with constant hdrlen and maxtype (the address
 * dump's) the zeroing of tb and the type bound are constants, and there
 * is no call per message.
 */
static inline int
lx_attrs_inline(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype)
{
	return lx_attrs_walk(nlh, hdrlen, tb, maxtype, false);
}

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
	return lx_attrs_walk(nlh, hdrlen, tab, maxtype, true);
}

#endif
