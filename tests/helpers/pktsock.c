/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktsock.c - test helper: open AF_PACKET sockets as told, print READY and
 * each socket's inode, then sleep until killed.
 *
 * usage: pktsock SPEC...
 *   SPEC is a comma-separated list of options for one socket:
 *     if=NAME      bind to interface NAME (default: unbound, all interfaces)
 *     filter=N     attach a classic BPF filter of N instructions (N >= 1;
 *                  N-1 no-op loads, then "accept all")
 *     promisc      add a PACKET_MR_PROMISC membership (needs if=)
 *     rcvbuf=B     SO_RCVBUF of B bytes (the kernel doubles it, min 2304)
 *     dgram        SOCK_DGRAM instead of SOCK_RAW
 *     rxring       map a small PACKET_RX_RING (TPACKET_V1, 2 frames)
 *     fanout=ID    join fanout group ID (PACKET_FANOUT_HASH)
 *   "-" is a socket with every default.
 * Output: one line "sock <k> ino=<inode> fd=<fd>" per socket, then READY.
 * Exit 1 (with "pktsock: message") if anything fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "pktsock: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
open_one(char *spec)
{
	char *opt, *save = NULL;
	const char *ifname = NULL;
	long nfilter = 0, rcvbuf = -1, fanout = -1;
	int promisc = 0, rxring = 0, type = SOCK_RAW, fd, ifindex = 0;

	for (opt = strtok_r(spec, ",", &save); opt != NULL; opt = strtok_r(NULL, ",", &save)) {
		if (strncmp(opt, "if=", 3) == 0)
			ifname = opt + 3;
		else if (strncmp(opt, "filter=", 7) == 0)
			nfilter = strtol(opt + 7, NULL, 10);
		else if (strncmp(opt, "rcvbuf=", 7) == 0)
			rcvbuf = strtol(opt + 7, NULL, 10);
		else if (strcmp(opt, "promisc") == 0)
			promisc = 1;
		else if (strcmp(opt, "dgram") == 0)
			type = SOCK_DGRAM;
		else if (strcmp(opt, "rxring") == 0)
			rxring = 1;
		else if (strncmp(opt, "fanout=", 7) == 0)
			fanout = strtol(opt + 7, NULL, 10);
		else if (strcmp(opt, "-") != 0) {
			fprintf(stderr, "pktsock: unknown option: %s\n", opt);
			exit(2);
		}
	}
	if ((fd = socket(AF_PACKET, type, htons(ETH_P_ALL))) < 0)
		die("socket(AF_PACKET)");
	if (rcvbuf >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ (int)rcvbuf },
	    sizeof(int)) != 0)
		die("SO_RCVBUF");
	if (nfilter > 0) {
		struct sock_filter *code = calloc((size_t)nfilter, sizeof(*code));
		struct sock_fprog prog = { .len = (unsigned short)nfilter, .filter = code };
		long i;

		if (code == NULL)
			die("calloc");
		for (i = 0; i < nfilter - 1; i++)
			code[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
		code[nfilter - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0)
			die("SO_ATTACH_FILTER");
		free(code);
	}
	if (ifname != NULL) {
		struct sockaddr_ll sll;

		if ((ifindex = (int)if_nametoindex(ifname)) == 0)
			die(ifname);
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = ifindex;
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
			die("bind");
	}
	if (promisc) {
		struct packet_mreq mr;

		if (ifindex == 0) {
			fprintf(stderr, "pktsock: promisc needs if=\n");
			exit(2);
		}
		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
			die("PACKET_ADD_MEMBERSHIP");
	}
	if (rxring) {
		struct tpacket_req req = { .tp_block_size = 4096, .tp_block_nr = 1,
		    .tp_frame_size = 2048, .tp_frame_nr = 2 };

		if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
			die("PACKET_RX_RING");
	}
	if (fanout >= 0) {
		int arg = (int)(fanout & 0xffff) | (PACKET_FANOUT_HASH << 16);

		if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0)
			die("PACKET_FANOUT");
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct stat sb;
	int i, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: pktsock SPEC...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		fd = open_one(argv[i]);
		if (fstat(fd, &sb) != 0)
			die("fstat");
		printf("sock %d ino=%llu fd=%d\n", i - 1, (unsigned long long)sb.st_ino, fd);
	}
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
