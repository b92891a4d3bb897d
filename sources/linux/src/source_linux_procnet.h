/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * source_linux_procnet.h - private: the socket tables of /proc/net (tcp,
 * udp, raw, icmp and their v6 twins, netlink) parsed into rows, for what
 * sock_diag does not dump: ping sockets always (no diag module exists),
 * raw sockets when raw_diag is absent, and every socket of a --root fixture.
 */
#ifndef NBSTACK_SOURCE_LINUX_PROCNET_H
#define NBSTACK_SOURCE_LINUX_PROCNET_H

#include <stddef.h>
#include <stdint.h>

enum lx_nstab {
	LX_NS_TCP,
	LX_NS_TCP6,
	LX_NS_UDP,
	LX_NS_UDP6,
	LX_NS_RAW,
	LX_NS_RAW6,
	LX_NS_ICMP,
	LX_NS_ICMP6,
	LX_NS_NETLINK,
	LX_NS_MAX
};

/* One socket of a table. */
struct lx_netsock {
	uint64_t ino;
	uint8_t family; /* AF_INET, AF_INET6, AF_NETLINK */
	uint8_t stype; /* SOCK_*; 0 for netlink (the table does not say) */
	uint16_t proto; /* IPPROTO_* (raw: the socket's), NETLINK_* */
	uint8_t state; /* TCP_* as the kernel prints it */
	uint8_t laddr[16], raddr[16]; /* network order */
	uint16_t lport, rport; /* ping: lport is the echo id; raw: none */
	uint32_t portid; /* netlink */
};

/* The table's file under the root ("proc/net/tcp", ...). */
const char *lx_netsock_file(unsigned tab);

/*
 * lx_netsock_parse - the rows of table `tab` in text[len] (NUL-terminated,
 * cut in place), the header line skipped, cb called for each; a non-zero
 * cb return stops the parse and is returned. -EINVAL for a malformed line
 * (*badline = its number, from 1).
 */
int lx_netsock_parse(char *text, size_t len, unsigned tab,
    int (*cb)(const struct lx_netsock *s, void *arg), void *arg, unsigned *badline);

#endif
