/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fdhelper.c - a process with one open file of each kind for the nbfstat
 * tests. usage: fdhelper IFNAME DIR ADDR PEER
 *
 * Opens a TCP listener on ADDR (port chosen by the kernel), a UDP socket
 * bound to ADDR and connected to PEER port 9, a unix stream socket bound to
 * DIR/fdhelper.sock, a pipe, the regular file DIR/fdhelper.dat (5 bytes,
 * read-write), an AF_PACKET socket (ETH_P_ALL) bound to IFNAME, a raw
 * ICMP and a raw ICMPv6 socket, an ICMP ping socket bound to ADDR (needs
 * net.ipv4.ping_group_range to hold the group), a NETLINK_ROUTE socket and
 * a unix stream socketpair. Prints one line per descriptor ("tcp FD PORT",
 * "udp FD PORT", "unix FD PATH", "pipe RFD WFD", "file FD PATH", "packet FD
 * IFINDEX", "raw FD", "raw6 FD", "ping FD ID", "netlink FD PORTID", "pair
 * FD FD"), then READY, and sleeps until killed. Sends nothing.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	socklen_t len;
	int tcp, udp, ux, pfd[2], file, pkt;
	unsigned ifindex;

	if (argc != 5) {
		fprintf(stderr, "usage: fdhelper IFNAME DIR ADDR PEER\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[3], &a.sin_addr) != 1)
		die(argv[3]);
	if ((tcp = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(tcp, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(tcp, 4) < 0)
		die("tcp");
	len = sizeof(b);
	if (getsockname(tcp, (struct sockaddr *)&b, &len) < 0)
		die("getsockname");
	printf("tcp %d %u\n", tcp, ntohs(b.sin_port));

	if ((udp = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(udp, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("udp");
	len = sizeof(b);
	if (getsockname(udp, (struct sockaddr *)&b, &len) < 0)
		die("getsockname");
	printf("udp %d %u\n", udp, ntohs(b.sin_port));
	if (inet_pton(AF_INET, argv[4], &b.sin_addr) != 1)
		die(argv[4]);
	b.sin_port = htons(9);
	if (connect(udp, (struct sockaddr *)&b, sizeof(b)) < 0)
		die("udp connect");

	snprintf(u.sun_path, sizeof(u.sun_path), "%s/fdhelper.sock", argv[2]);
	unlink(u.sun_path);
	if ((ux = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(ux, (struct sockaddr *)&u, sizeof(u)) < 0 || listen(ux, 1) < 0)
		die("unix");
	printf("unix %d %s\n", ux, u.sun_path);

	if (pipe(pfd) < 0)
		die("pipe");
	printf("pipe %d %d\n", pfd[0], pfd[1]);

	char path[sizeof(u.sun_path) + 16];

	snprintf(path, sizeof(path), "%s/fdhelper.dat", argv[2]);
	if ((file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(file, "hello", 5) != 5)
		die(path);
	printf("file %d %s\n", file, path);

	if ((ifindex = if_nametoindex(argv[1])) == 0)
		die(argv[1]);
	if ((pkt = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) < 0)
		die("packet");
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)ifindex;
	if (bind(pkt, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		die("packet bind");
	printf("packet %d %u\n", pkt, ifindex);

	int raw, raw6, ping, nl, sp[2];
	struct sockaddr_nl na = { .nl_family = AF_NETLINK };

	if ((raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0)
		die("raw");
	printf("raw %d\n", raw);
	if ((raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)) < 0)
		die("raw6");
	printf("raw6 %d\n", raw6);
	a.sin_port = 0;
	if ((ping = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)) < 0 ||
	    bind(ping, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("ping");
	len = sizeof(b);
	if (getsockname(ping, (struct sockaddr *)&b, &len) < 0)
		die("getsockname");
	printf("ping %d %u\n", ping, ntohs(b.sin_port));
	if ((nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)) < 0 ||
	    bind(nl, (struct sockaddr *)&na, sizeof(na)) < 0)
		die("netlink");
	len = sizeof(na);
	if (getsockname(nl, (struct sockaddr *)&na, &len) < 0)
		die("getsockname");
	printf("netlink %d %u\n", nl, na.nl_pid);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
		die("socketpair");
	printf("pair %d %d\n", sp[0], sp[1]);
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
