/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_sockdiag.c - the sock_diag message parsers of net.pcb (source_linux_pcb.c)
 * fed hostile bytes: the first input byte picks the parser (an inet_diag
 * message of one of the six inet kinds, a unix_diag message, or a line of
 * /proc/net/raw or raw6), the rest is the message payload after a netlink
 * header whose length covers exactly those bytes, as the dump loop's
 * NLMSG_OK guarantees. A parser must accept or refuse the bytes, never
 * read past them (ASan), overflow (UBSan) or leave a path unterminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "nbstack/stack.h"
#include "source_linux_pcb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct nb_pcb p;
	char path[256], *line;
	unsigned pick;

	if (size < 1 || size > 65536)
		return 0;
	pick = data[0] % 9;
	data++;
	size--;
	if (pick >= 7) {
		if ((line = malloc(size + 1)) == NULL)
			return 0;
		memcpy(line, data, size);
		line[size] = '\0';
		if (lx_pcb_parse_raw_line(line, pick == 7 ? NB_PCB_RAW : NB_PCB_RAW6, &p) == 0 &&
		    p.kind != (pick == 7 ? NB_PCB_RAW : NB_PCB_RAW6))
			abort();
		free(line);
		return 0;
	}
	/* Exactly the bytes: a read past them is ASan's to see. */
	if ((nlh = malloc(NLMSG_HDRLEN + size)) == NULL)
		return 0;
	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + size);
	memcpy((char *)nlh + NLMSG_HDRLEN, data, size);
	if (pick == 6) {
		if (lx_pcb_parse_unix(nlh, &p, path, sizeof(path)) == 0 &&
		    (strnlen(path, sizeof(path)) == sizeof(path) || p.kind != NB_PCB_UNIX))
			abort();
	} else if (lx_pcb_parse_inet(nlh, pick, &p) == 0 && p.kind != pick)
		abort();
	free(nlh);
	return 0;
}
