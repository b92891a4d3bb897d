/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_procnet.c - the linux source's parsers of /proc text that nbfstat
 * relies on: /proc/PID/mountinfo (lx_mountinfo_parse: octal escapes, the
 * optional fields up to "-", duplicate ids) and the socket tables of
 * /proc/net (lx_netsock_parse: tcp, udp, raw, icmp, their v6 twins and
 * netlink). The first byte picks the parser; the rest is the file's text.
 * Whatever the bytes, a parser returns 0 or -errno, and what it returns
 * as parsed must be whole: every mount's strings NUL-terminated inside the
 * text, ids ascending and unique; every socket of the family its table
 * says.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nbstack/stack.h"
#include "source_linux_mount.h"
#include "source_linux_procnet.h"

static int
one_sock(const struct lx_netsock *s, void *arg)
{
	unsigned tab = *(const unsigned *)arg;
	int want;

	switch (tab) {
	case LX_NS_TCP:
	case LX_NS_UDP:
	case LX_NS_RAW:
	case LX_NS_ICMP: want = AF_INET; break;
	case LX_NS_NETLINK: want = AF_NETLINK; break;
	default: want = AF_INET6; break;
	}
	if (s->family != want)
		abort();
	return 0;
}

static void
in_text(const char *text, size_t len, const char *s)
{
	if (s == NULL || s < text || s >= text + len || strlen(s) > (size_t)(text + len - s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned pick, badline = 0;
	char *text;
	size_t len;

	if (size < 1)
		return 0;
	pick = data[0] % (LX_NS_MAX + 1);
	len = size - 1;
	text = malloc(len + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	if (pick == LX_NS_MAX) {
		struct nb_mount *m = NULL;
		size_t n = 0;

		if (lx_mountinfo_parse(text, len, &m, &n, &badline) == 0) {
			for (size_t i = 0; i < n; i++) {
				if (i > 0 && m[i].id <= m[i - 1].id)
					abort();
				in_text(text, len + 1, m[i].root);
				in_text(text, len + 1, m[i].point);
				in_text(text, len + 1, m[i].fstype);
				in_text(text, len + 1, m[i].source);
			}
		} else if (n != 0 && m == NULL) {
			abort();
		}
		free(m);
	} else {
		(void)lx_netsock_parse(text, len, pick, one_sock, &pick, &badline);
	}
	free(text);
	return 0;
}
