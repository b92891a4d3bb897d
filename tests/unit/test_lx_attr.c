/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lx_attr.c - lx_attrs_inline and lx_attrs_all (the source's walks) against a plain reference walk over random messages. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_attr.h"

#include "check.h"

#define HDRLEN		16	/* struct ifinfomsg */
#define MAXTYPE		23	/* the link parser's (IFLA_STATS64) */
#define MSGMAX		4096

/*
 * The reference: the plain walk, checking each attribute's length and end
 * as it goes (what nla_parse does without a policy), the last of each
 * type up to maxtype kept.
 */
static int
ref_attrs(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen), rem, len, type;
	const uint8_t *p;
	const struct nlattr *nla;

	memset(tb, 0, sizeof(*tb) * (size_t)(maxtype + 1));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen)
		return -EPROTO;
	if (nlh->nlmsg_len < off)
		return 0;
	p = (const uint8_t *)nlh + off;
	rem = nlh->nlmsg_len - off;
	while (rem >= NLA_HDRLEN) {
		nla = (const struct nlattr *)p;
		len = nla->nla_len;
		if (len < NLA_HDRLEN || len > rem)
			return -EPROTO;
		type = nla->nla_type & NLA_TYPE_MASK;
		if (type <= (size_t)maxtype)
			tb[type] = (struct nlattr *)(uintptr_t)nla;
		if (NLA_ALIGN(len) >= rem)
			break;
		p += NLA_ALIGN(len);
		rem -= NLA_ALIGN(len);
	}
	return 0;
}

/*
 * A message of random attributes: types low and high, with and without
 * the flag bits, repeated; lengths 4.. with and without padding; now and
 * then a malformed one (nla_len below the header, past the end, a short
 * header, a trailing stub) or a message too short for its header.
 */
static size_t
mkmsg(uint8_t *buf, unsigned *seed)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(HDRLEN), n, i, len;
	unsigned r;

	memset(buf, 0, MSGMAX);
	n = (size_t)rand_r(seed) % 48;
	for (i = 0; i < n && off + 64 < MSGMAX; i++) {
		struct nlattr *nla = (struct nlattr *)(buf + off);

		r = (unsigned)rand_r(seed);
		switch (r % 4) {
		case 0:
			nla->nla_type = (uint16_t)(r >> 8) % (MAXTYPE + 2);
			break;
		case 1:
			nla->nla_type = (uint16_t)((r >> 8) % 70);
			break;
		default:
			nla->nla_type = (uint16_t)(r >> 8);	/* any 16 bits, flags too */
			break;
		}
		len = NLA_HDRLEN + (size_t)rand_r(seed) % 40;
		nla->nla_len = (uint16_t)len;
		off += NLA_ALIGN(len);
	}
	switch (rand_r(seed) % 20) {
	case 4:				/* an attribute anywhere too short (0 too) */
	case 5:				/* or running past the end (up to 0xffff) */
		if (n > 0) {
			size_t a = NLMSG_HDRLEN + NLMSG_ALIGN(HDRLEN), k = (size_t)rand_r(seed) % n;
			struct nlattr *nla;

			for (i = 0; i < k; i++)
				a += NLA_ALIGN(((struct nlattr *)(buf + a))->nla_len);
			nla = (struct nlattr *)(buf + a);
			if (rand_r(seed) % 2 == 0)
				nla->nla_len = (uint16_t)(rand_r(seed) % NLA_HDRLEN);
			else if (rand_r(seed) % 2 == 0)
				nla->nla_len = (uint16_t)(off - a + 1 + (size_t)rand_r(seed) % 5);
			else
				nla->nla_len = (uint16_t)(0xfffc + rand_r(seed) % 4);
		}
		break;
	case 6:				/* the message ends in the last one's padding */
		if (off > NLMSG_HDRLEN + NLMSG_ALIGN(HDRLEN))
			off -= (size_t)rand_r(seed) % 4;
		break;
	case 0:				/* the last attribute runs past the end */
		if (off > NLMSG_HDRLEN + NLMSG_ALIGN(HDRLEN))
			off -= (size_t)rand_r(seed) % 8 + 1;
		break;
	case 1:				/* an attribute below its header */
		if (n > 0) {
			size_t a = NLMSG_HDRLEN + NLMSG_ALIGN(HDRLEN);

			((struct nlattr *)(buf + a))->nla_len = (uint16_t)(rand_r(seed) % NLA_HDRLEN);
		}
		break;
	case 2:				/* a stub shorter than a header */
		off += (size_t)rand_r(seed) % NLA_HDRLEN;
		break;
	case 3:				/* shorter than the fixed header */
		off = NLMSG_HDRLEN + (size_t)rand_r(seed) % (NLMSG_ALIGN(HDRLEN) + 1);
		break;
	default:
		break;
	}
	nlh->nlmsg_len = (uint32_t)off;
	return off;
}

int
main(void)
{
	static struct nlattr *all[LX_ATTR_NTYPES];	/* stale slots carry over */
	static uint8_t buf[MSGMAX];
	struct nlattr *tb[MAXTYPE + 1], *ref[MAXTYPE + 1];
	unsigned seed = 14, round;
	int e0, e1, e2, errors = 0;
	size_t i;

	for (round = 0; round < 300000; round++) {
		size_t len = mkmsg(buf, &seed);
		/* the message alone in a block of its length: under ASan a
		   read past its end fails */
		struct nlmsghdr *m = malloc(len);

		if (m == NULL)
			abort();
		memcpy(m, buf, len);
		e0 = ref_attrs((struct nlmsghdr *)buf, HDRLEN, ref, MAXTYPE);
		e1 = lx_attrs_inline(m, HDRLEN, tb, MAXTYPE);
		e2 = lx_attrs_all(m, HDRLEN, all, MAXTYPE);
		/* (tb and all point into m: compared as offsets from it) */
		for (i = 0; i <= MAXTYPE; i++) {
			if (tb[i] != NULL)
				tb[i] = (struct nlattr *)(buf + ((uint8_t *)tb[i] - (uint8_t *)m));
			if (all[i] != NULL)
				all[i] = (struct nlattr *)(buf + ((uint8_t *)all[i] - (uint8_t *)m));
		}
		free(m);
		CHECK_EQ(e1, e0);
		CHECK_EQ(e2, e0);
		errors += e0 != 0;
		if (e0 == 0) {
			CHECK(memcmp(tb, ref, sizeof(tb)) == 0, "round %u", round);
			CHECK(memcmp(all, ref, sizeof(ref)) == 0, "round %u", round);
		}
	}
	CHECK(errors > 10000 && errors < 200000, "%d malformed", errors);
	printf("test_lx_attr: %d checks, %d failed (%d malformed messages)\n", checks, failures,
	    errors);
	return failures != 0;
}
