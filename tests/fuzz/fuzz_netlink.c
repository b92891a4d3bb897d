/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_netlink.c - the linux source's rtnetlink message parsers fed one
 * message each, as the event thread applies them: the first input byte
 * picks the type (RTM_NEW/DELLINK, NEW/DELADDR, NEW/DELROUTE,
 * NEW/DELNEIGH), the rest is the message after its nlmsghdr (ifinfomsg,
 * ifaddrmsg, rtmsg or ndmsg and attributes). The source is opened on a
 * stack that holds this namespace's links, addresses, routes and
 * neighbours (one refresh at start), and each message goes to the handler
 * under the source's mutex. A handler applies the message, ignores it or
 * asks for a resync; it must never read past the message, crash or trip
 * UBSan. The stack is made anew every 512 messages so what fuzzed
 * messages add cannot grow without bound.
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nbstack/stack.h"
#include "nbsource/linux.h"
#include "nl_linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The types the event thread applies, each to its handler (lx_event_handler). */
static const uint16_t types[] = {
	RTM_NEWLINK,
	RTM_DELLINK,
	RTM_NEWADDR,
	RTM_DELADDR,
	RTM_NEWROUTE,
	RTM_DELROUTE,
	RTM_NEWNEIGH,
	RTM_DELNEIGH,
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static struct nb_stack *st;
static void *priv;
static unsigned uses;

static void
setup(void)
{
	struct nb_stack_config cfg = { .nslots = nb_source_linux_ops.nslots };
	struct nb_source_opts opts;

	if (priv != NULL) {
		nb_source_linux_ops.close(priv);
		nb_stack_destroy(&st);
		priv = NULL;
	}
	memset(&opts, 0, sizeof(opts));
	if (nb_stack_create(&cfg, &st) != 0 || nb_source_linux_ops.open(st, &opts, &priv) != 0)
		abort();
	/* Routes and neighbours take events only once loaded: load them. */
	if (nb_source_linux_ops.refresh(priv, NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_ROUTES |
						  NB_FAM_NEIGH) != 0)
		abort();
	uses = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct lx *lx;
	size_t len;
	unsigned k;

	if (size < 1 || size > 65536)
		return 0;
	if (priv == NULL || ++uses > 512)
		setup();
	lx = priv;
	k = data[0] % NTYPES;
	len = NLMSG_HDRLEN + size - 1;
	/* Exactly the message's bytes: ASan sees any read past its end. */
	if ((nlh = malloc(len)) == NULL)
		return 0;
	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = types[k];
	memcpy((char *)nlh + NLMSG_HDRLEN, data + 1, size - 1);
	pthread_mutex_lock(&lx->mu);
	(void)lx_event_handler(types[k])(lx, nlh);
	pthread_mutex_unlock(&lx->mu);
	free(nlh);
	return 0;
}
