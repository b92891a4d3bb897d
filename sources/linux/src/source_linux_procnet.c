/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_procnet.c - the socket tables of /proc/net as rows (source_linux_procnet.h). */
/*
 * Formats (net/ipv4/tcp_ipv4.c, udp.c, raw.c, ping.c and their ipv6 twins):
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
 *   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12345 ...
 * An IPv4 address is its __be32 printed as one %08X word, an IPv6 one four
 * such words: each word's bytes in host order are the address's bytes.
 * The port of a raw socket is its protocol; of a ping socket its echo id.
 * netlink (net/netlink/af_netlink.c):
 *   sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
 * Pure functions over a caller's buffer: no state, nothing shared.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netinet/in.h>

#include "source_linux_proc.h"
#include "source_linux_procnet.h"

static const struct {
	const char	*file;
	uint8_t		 family, stype;
	uint16_t	 proto;		/* 0: the port field's (raw) */
} tabs[LX_NS_MAX] = {
	[LX_NS_TCP] = { "proc/net/tcp", AF_INET, SOCK_STREAM, IPPROTO_TCP },
	[LX_NS_TCP6] = { "proc/net/tcp6", AF_INET6, SOCK_STREAM, IPPROTO_TCP },
	[LX_NS_UDP] = { "proc/net/udp", AF_INET, SOCK_DGRAM, IPPROTO_UDP },
	[LX_NS_UDP6] = { "proc/net/udp6", AF_INET6, SOCK_DGRAM, IPPROTO_UDP },
	[LX_NS_RAW] = { "proc/net/raw", AF_INET, SOCK_RAW, 0 },
	[LX_NS_RAW6] = { "proc/net/raw6", AF_INET6, SOCK_RAW, 0 },
	[LX_NS_ICMP] = { "proc/net/icmp", AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
	[LX_NS_ICMP6] = { "proc/net/icmp6", AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6 },
	[LX_NS_NETLINK] = { "proc/net/netlink", AF_NETLINK, 0, 0 },
};

const char *
lx_netsock_file(unsigned tab)
{
	return tab < LX_NS_MAX ? tabs[tab].file : NULL;
}

static bool
ns_hexn(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

/* "ADDR:PORT": ADDR 8 (v4) or 32 (v6) hex digits, PORT 4. */
static bool
ns_endpoint(const char *s, uint8_t family, uint8_t *addr, uint16_t *port)
{
	size_t words = family == AF_INET ? 1 : 4, i;
	uint64_t v;

	if (strlen(s) != words * 8 + 5 || s[words * 8] != ':')
		return false;
	for (i = 0; i < words; i++) {
		uint32_t w;

		if (!ns_hexn(s + i * 8, 8, &v))
			return false;
		w = (uint32_t)v;
		memcpy(addr + i * 4, &w, 4);
	}
	if (!ns_hexn(s + words * 8 + 1, 4, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool
ns_dec(const char *s, uint64_t max, uint64_t *v)
{
	return lx_dec(s, false, v) == 0 && *v <= max;
}

static bool
ns_line(char **f, unsigned n, unsigned tab, struct lx_netsock *r)
{
	uint64_t v;

	memset(r, 0, sizeof(*r));
	r->family = tabs[tab].family;
	r->stype = tabs[tab].stype;
	r->proto = tabs[tab].proto;
	if (tab == LX_NS_NETLINK) {
		if (n < 10 || !ns_dec(f[1], UINT16_MAX, &v))
			return false;
		r->proto = (uint16_t)v;
		if (!ns_dec(f[2], UINT32_MAX, &v))
			return false;
		r->portid = (uint32_t)v;
		if (!ns_dec(f[9], UINT64_MAX, &r->ino))
			return false;
		return true;
	}
	if (n < 10 || !ns_endpoint(f[1], r->family, r->laddr, &r->lport) ||
	    !ns_endpoint(f[2], r->family, r->raddr, &r->rport) ||
	    strlen(f[3]) != 2 || !ns_hexn(f[3], 2, &v) || !ns_dec(f[9], UINT64_MAX, &r->ino))
		return false;
	r->state = (uint8_t)v;
	if (tabs[tab].proto == 0) {
		r->proto = r->lport;	/* raw: inet_num */
		r->lport = r->rport = 0;
	}
	return true;
}

int
lx_netsock_parse(char *text, size_t len, unsigned tab,
    int (*cb)(const struct lx_netsock *s, void *arg), void *arg, unsigned *badline)
{
	enum { MAXF = 24 };
	struct lx_netsock r;
	char *f[MAXF], *p = text, *end = text + len, *nl, *q;
	unsigned lineno = 0, n;
	int error;

	*badline = 0;
	if (tab >= LX_NS_MAX)
		return -EINVAL;
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		for (n = 0, q = p;;) {
			while (*q == ' ' || *q == '\t')
				*q++ = '\0';
			if (*q == '\0' || n == MAXF)
				break;
			f[n++] = q;
			while (*q != '\0' && *q != ' ' && *q != '\t')
				q++;
		}
		p = nl + 1;
		if (lineno == 1)
			continue;	/* the header */
		if (!ns_line(f, n, tab, &r)) {
			*badline = lineno;
			return -EINVAL;
		}
		if ((error = cb(&r, arg)) != 0)
			return error;
	}
	return 0;
}
