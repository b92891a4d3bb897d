/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lx_attr.c - lx_attrs_all (the link parser's walk) against lx_attrs_inline over random messages. */
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
	switch (rand_r(seed) % 16) {
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
	struct nlattr *tb[MAXTYPE + 1];
	unsigned seed = 14, round;
	int e1, e2, errors = 0;

	for (round = 0; round < 300000; round++) {
		mkmsg(buf, &seed);
		e1 = lx_attrs_inline((struct nlmsghdr *)buf, HDRLEN, tb, MAXTYPE);
		e2 = lx_attrs_all((struct nlmsghdr *)buf, HDRLEN, all, MAXTYPE);
		CHECK_EQ(e1, e2);
		errors += e1 != 0;
		if (e1 == 0)
			CHECK(memcmp(tb, all, sizeof(tb)) == 0, "round %u", round);
	}
	CHECK(errors > 10000 && errors < 200000, "%d malformed", errors);
	printf("test_lx_attr: %d checks, %d failed (%d malformed messages)\n", checks, failures,
	    errors);
	return failures != 0;
}
