/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockset.c - test helper: open a known set of sockets on loopback (run it
 * inside a network namespace of the test's own), print READY, then sleep
 * until killed. Every port is fixed (clients bind before they connect), so
 * the inet part of the socket list is the same on every run.
 *
 * usage: sockset DIR
 *   tcp   127.0.0.1.7001 listening; 127.0.0.1.7101 connected to it and its
 *         accepted end (5 bytes sent, unread)
 *   tcp6  ::1.7002 listening; ::1.7102 connected to it and its accepted end
 *   udp   127.0.0.1.7003 bound; 127.0.0.1.7103 connected to it
 *   udp6  ::1.7004 bound
 *   raw   an ICMP socket
 *   unix  DIR/stream.sock listening, DIR/dgram.sock bound (dgram),
 *         @nbt-abstract listening, a stream socketpair (4 bytes sent)
 * Exit 1 (with "sockset: message") if anything fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "sockset: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
sock(int family, int type, int proto)
{
	int s = socket(family, type, proto), one = 1;

	if (s < 0)
		die("socket");
	if (family != AF_UNIX && type != SOCK_RAW)
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return s;
}

static void
bind_in(int s, int family, int port)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	if (family == AF_INET) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(s, (struct sockaddr *)&a4, sizeof(a4)) != 0)
			die("bind");
	} else {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		a6.sin6_addr = in6addr_loopback;
		if (bind(s, (struct sockaddr *)&a6, sizeof(a6)) != 0)
			die("bind");
	}
}

static void
connect_in(int s, int family, int port)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	int r;

	if (family == AF_INET) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = connect(s, (struct sockaddr *)&a4, sizeof(a4));
	} else {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		a6.sin6_addr = in6addr_loopback;
		r = connect(s, (struct sockaddr *)&a6, sizeof(a6));
	}
	if (r != 0)
		die("connect");
}

/* A listener on port, a client bound to cport connected to it, the accepted end. */
static void
tcp_pair(int family, int port, int cport, const char *data)
{
	int l = sock(family, SOCK_STREAM, 0), c = sock(family, SOCK_STREAM, 0), a;

	bind_in(l, family, port);
	if (listen(l, 16) != 0)
		die("listen");
	bind_in(c, family, cport);
	connect_in(c, family, port);
	if ((a = accept(l, NULL, NULL)) < 0)
		die("accept");
	if (data != NULL && write(c, data, strlen(data)) != (ssize_t)strlen(data))
		die("write");
}

static void
unix_bound(int type, const char *path, size_t len, bool listening)
{
	struct sockaddr_un a;
	int s = sock(AF_UNIX, type, 0);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, len);
	if (bind(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0)
		die("bind unix");
	if (listening && listen(s, 4) != 0)
		die("listen unix");
}

int
main(int argc, char *argv[])
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int u, uc, sp[2];

	if (argc != 2) {
		fprintf(stderr, "usage: sockset DIR\n");
		return 2;
	}
	tcp_pair(AF_INET, 7001, 7101, "hello");
	tcp_pair(AF_INET6, 7002, 7102, NULL);
	u = sock(AF_INET, SOCK_DGRAM, 0);
	bind_in(u, AF_INET, 7003);
	uc = sock(AF_INET, SOCK_DGRAM, 0);
	bind_in(uc, AF_INET, 7103);
	connect_in(uc, AF_INET, 7003);
	u = sock(AF_INET6, SOCK_DGRAM, 0);
	bind_in(u, AF_INET6, 7004);
	(void)sock(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	snprintf(path, sizeof(path), "%s/stream.sock", argv[1]);
	unix_bound(SOCK_STREAM, path, strlen(path), true);
	snprintf(path, sizeof(path), "%s/dgram.sock", argv[1]);
	unix_bound(SOCK_DGRAM, path, strlen(path), false);
	unix_bound(SOCK_STREAM, "\0nbt-abstract", 13, true);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		die("socketpair");
	if (write(sp[0], "data", 4) != 4)
		die("write");
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
