/* SPDX-License-Identifier: BSD-2-Clause */
/* stress_nbstatd.c - nbstatd's server and its workers under concurrent clients, a recorder and expensive reads. */

/*
 * Theory of operation
 *
 * The daemon's parts without its main: a LOCAL handle on the sim source
 * (NIFS interfaces, counters moving, no churn), the tree lock, and
 * nbstatd's server (server.c, its worker pool of locked peers) on a socket
 * in a temporary directory. Around it:
 *
 *  - a recorder thread takes the tree lock, begins a sample, reads the
 *    interface table on the daemon's handle and lets go, again and again
 *    (what nbstatd's recorder does, faster);
 *  - NEXP clients walk the whole net.interfaces subtree through their
 *    REMOTE handle (an expensive read: every leaf of every interface),
 *    marking in `exp` (odd: one outstanding) while theirs is under way;
 *  - NCHEAP clients read the interface table (one TABLE request), take a
 *    sample and read one leaf, and count the reads that began and ended
 *    while the same expensive walk was outstanding (`overlap`);
 *  - a SAMPLE storm: every client samples before each read, so the shared
 *    sample of the workers is reset while others read.
 *
 * Every read must succeed with every interface in it (the table: NIFS
 * rows; the walk: NIFS interfaces' "mtu" leaves), and some cheap read
 * must have run from start to end within one expensive walk (as the
 * client sees it). Then, with the clients stopped, the probe: while the
 * test holds the tree lock (a recorder's sample in progress), a read of
 * families already loaded in the workers' sample must be answered; a
 * server that answered under the lock would not answer until it is let go. Under TSan
 * the whole run must be silent. All shared test state is atomics; `stop`
 * is set by main. Any violation prints a message and makes the exit
 * status 1.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nbstatd.h"
#include "sysctl-tree/sysctl.h"

#define NIFS 250
#define NEXP 2
#define NCHEAP 4

static atomic_bool stop;
static atomic_uint exp_state[NEXP]; /* odd while client i's walk is outstanding */
static atomic_ulong cheap_reads, exp_walks, rec_samples, overlap, maxwithin, failures;
static char sockpath[108];
static pthread_mutex_t treelock = PTHREAD_MUTEX_INITIALIZER;

struct row {
	int64_t mtu;
	uint64_t ipackets;
};

static const struct nb_sysctl_column cols[] = {
	{ "mtu", NB_SYSCTL_INT, offsetof(struct row, mtu), 0 },
	{ "stats.ipackets", NB_SYSCTL_U64, offsetof(struct row, ipackets), 0 },
};

static void
fail(const char *what, int rc)
{
	if (atomic_fetch_add(&failures, 1) < 10)
		fprintf(stderr, "stress_nbstatd: %s: %s\n", what, rc < 0 ? strerror(-rc) : "wrong");
}

static void *
recorder(void *arg)
{
	struct nb_sysctl *h = arg;
	struct nb_sysctl_table t;
	int rc;

	while (!atomic_load(&stop)) {
		pthread_mutex_lock(&treelock);
		(void)nb_sysctl_sample(h);
		rc = nb_sysctl_table_read(h, "net.interfaces.*", cols, 2, sizeof(struct row), 0, &t);
		if (rc != 0 || t.nrows != NIFS)
			fail("recorder: table", rc);
		nb_sysctl_table_free(&t);
		pthread_mutex_unlock(&treelock);
		atomic_fetch_add(&rec_samples, 1);
		usleep(5000);
	}
	return NULL;
}

static struct nb_sysctl *
client_open(void)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_REMOTE, .socket_path = sockpath };
	struct nb_sysctl *h = NULL;
	int rc;

	if ((rc = nb_sysctl_open(&o, &h)) != 0) {
		fail("client: open", rc);
		nb_sysctl_close(&h);
	}
	return h;
}

static int
count_mtu(const struct nb_sysctl_entry *e, void *arg)
{
	if (e->ncomp == 4 && strcmp(e->comp[3], "mtu") == 0)
		(*(size_t *)arg)++;
	return 0;
}

static int
count_any(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
	return 0;
}

/* The recorder on any source: a sample and the interface table, under the lock. */
static void *
recorder_any(void *arg)
{
	struct nb_sysctl *h = arg;
	struct nb_sysctl_table t;
	int rc;

	while (!atomic_load(&stop)) {
		pthread_mutex_lock(&treelock);
		(void)nb_sysctl_sample(h);
		rc = nb_sysctl_table_read(h, "net.interfaces.*", cols, 2, sizeof(struct row), 0, &t);
		if (rc != 0 || t.nrows == 0)
			fail("recorder: table", rc);
		nb_sysctl_table_free(&t);
		pthread_mutex_unlock(&treelock);
		usleep(20000);
	}
	return NULL;
}

static void *
expensive(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	struct nb_sysctl *h = client_open();
	unsigned long c0, d, m;
	size_t n;
	int rc;

	while (h != NULL && !atomic_load(&stop)) {
		(void)nb_sysctl_sample(h);
		n = 0;
		atomic_fetch_add(&exp_state[i], 1); /* odd: outstanding */
		c0 = atomic_load(&cheap_reads);
		rc = nb_sysctl_walk(h, "net.interfaces", 0, count_mtu, &n);
		d = atomic_load(&cheap_reads) - c0;
		atomic_fetch_add(&exp_state[i], 1);
		/* The most cheap reads that ended while one walk was outstanding. */
		m = atomic_load(&maxwithin);
		while (d > m && !atomic_compare_exchange_weak(&maxwithin, &m, d))
			;
		if (rc != 0 || n != NIFS)
			fail("expensive: walk", rc);
		atomic_fetch_add(&exp_walks, 1);
	}
	nb_sysctl_close(&h);
	return NULL;
}

/* The probe: one table read on an open handle, then `probed` set. */
static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probe_cv = PTHREAD_COND_INITIALIZER;
static bool probed;

static void *
probe(void *arg)
{
	struct nb_sysctl_table t;
	int rc;

	rc = nb_sysctl_table_read(arg, "net.interfaces.*", cols, 2, sizeof(struct row), 0, &t);
	if (rc != 0 || t.nrows != NIFS)
		fail("probe: table", rc);
	nb_sysctl_table_free(&t);
	pthread_mutex_lock(&probe_mu);
	probed = true;
	pthread_cond_signal(&probe_cv);
	pthread_mutex_unlock(&probe_mu);
	return NULL;
}

/*
 * While the tree lock is held (a recorder's sample in progress), a read
 * whose families the workers' sample has loaded is answered: a worker
 * takes the lock only to refresh. Bounded by a minute, not timed: a server
 * that answers under the lock never answers until it is released.
 */
static void
probe_under_lock(void)
{
	struct nb_sysctl *h = client_open();
	struct nb_sysctl_table t;
	struct timespec until;
	pthread_t pt;
	bool done;
	int rc;

	if (h == NULL)
		return;
	/* Loads the interfaces' families into the workers' sample. */
	rc = nb_sysctl_table_read(h, "net.interfaces.*", cols, 2, sizeof(struct row), 0, &t);
	if (rc != 0)
		fail("probe: first table", rc);
	nb_sysctl_table_free(&t);
	pthread_mutex_lock(&treelock);
	pthread_create(&pt, NULL, probe, h);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&probe_mu);
	while (!probed && pthread_cond_timedwait(&probe_cv, &probe_mu, &until) == 0)
		;
	done = probed;
	pthread_mutex_unlock(&probe_mu);
	pthread_mutex_unlock(&treelock);
	pthread_join(pt, NULL);
	if (!done)
		fail("a read of loaded families waited for the tree lock", 0);
	nb_sysctl_close(&h);
}

static void *
cheap(void *arg)
{
	struct nb_sysctl *h = client_open();
	struct nb_sysctl_table t;
	struct nb_sysctl_value v;
	unsigned before[NEXP];
	int rc;

	(void)arg;
	while (h != NULL && !atomic_load(&stop)) {
		for (unsigned i = 0; i < NEXP; i++)
			before[i] = atomic_load(&exp_state[i]);
		(void)nb_sysctl_sample(h);
		rc = nb_sysctl_table_read(h, "net.interfaces.*", cols, 2, sizeof(struct row), 0, &t);
		if (rc != 0 || t.nrows != NIFS)
			fail("cheap: table", rc);
		nb_sysctl_table_free(&t);
		if ((rc = nb_sysctl_get(h, "net.inet.ip.stats.inreceives", 0, &v)) != 0)
			fail("cheap: get", rc);
		for (unsigned i = 0; i < NEXP; i++)
			if (before[i] % 2 == 1 && atomic_load(&exp_state[i]) == before[i]) {
				atomic_fetch_add(&overlap, 1);
				break;
			}
		atomic_fetch_add(&cheap_reads, 1);
	}
	nb_sysctl_close(&h);
	return NULL;
}

/* ---- the scoped families, on the linux source ---- */

static atomic_ulong scoped_reads;

/* Walk kern.proc.<pid> (process files, scoped to that pid) again and again. */
static void *
proc_reader(void *arg)
{
	char name[64];
	struct nb_sysctl *h = client_open();
	size_t n;
	int rc;

	snprintf(name, sizeof(name), "kern.proc.%ld.comm", (long)(intptr_t)arg);
	while (h != NULL && !atomic_load(&stop)) {
		(void)nb_sysctl_sample(h);
		n = 0;
		/* Another peer's refresh for another pid must not narrow this one's. */
		if ((rc = nb_sysctl_walk(h, name, 0, count_any, &n)) != 0 || n != 1)
			fail(name, rc);
		atomic_fetch_add(&scoped_reads, 1);
	}
	nb_sysctl_close(&h);
	return NULL;
}

/* Sockets (scoped to the kinds named) and interfaces, alternately. */
static void *
pcb_reader(void *arg)
{
	static const struct nb_sysctl_column pcols[] = {
		{ "state", NB_SYSCTL_STRING, 0, 16 },
	};
	struct nb_sysctl *h = client_open();
	struct nb_sysctl_table t;
	unsigned k = 0;
	int rc;

	(void)arg;
	while (h != NULL && !atomic_load(&stop)) {
		bool socks = k++ % 2 != 0;

		(void)nb_sysctl_sample(h);
		rc = nb_sysctl_table_read(h, socks ? "net.pcb.tcp.*" : "net.interfaces.*",
		    socks ? pcols : cols, socks ? 1 : 2, 64, NB_SYSCTL_RD_NOPCBX, &t);
		if (rc != 0 || (!socks && t.nrows == 0))
			fail("pcb reader: table", rc);
		nb_sysctl_table_free(&t);
		atomic_fetch_add(&scoped_reads, 1);
	}
	nb_sysctl_close(&h);
	return NULL;
}

/*
 * The linux source (as nbstatd runs it, following events): two clients
 * read the process files of two different pids (this process, its parent),
 * one reads sockets and interfaces, while the recorder samples. Each pid's
 * read must find it: a refresh for one pid replaces the snapshot, so the
 * workers serialise scoped reads (load and walk) among themselves.
 */
static void
linux_phase(double secs, const char *dir)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL, .follow_events = true };
	struct nb_sysctl *h = NULL;
	struct server *srv = NULL;
	pthread_t rt, pt[3];
	int rc;

	snprintf(sockpath, sizeof(sockpath), "%s/l.sock", dir);
	if ((rc = nb_sysctl_open(&o, &h)) != 0) {
		fail("linux source", rc);
		nb_sysctl_close(&h);
		return;
	}
	if ((rc = server_start(sockpath, h, &treelock, &srv)) != 0) {
		fail("linux: server", rc);
		nb_sysctl_close(&h);
		return;
	}
	atomic_store(&stop, false);
	pthread_create(&rt, NULL, recorder_any, h);
	pthread_create(&pt[0], NULL, proc_reader, (void *)(intptr_t)getpid());
	pthread_create(&pt[1], NULL, proc_reader, (void *)(intptr_t)getppid());
	pthread_create(&pt[2], NULL, pcb_reader, NULL);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop, true);
	pthread_join(rt, NULL);
	for (unsigned i = 0; i < 3; i++)
		pthread_join(pt[i], NULL);
	server_stop(&srv);
	nb_sysctl_close(&h);
	printf("stress_nbstatd: linux: %lu scoped reads\n", atomic_load(&scoped_reads));
	if (atomic_load(&scoped_reads) == 0)
		fail("linux: no scoped read done", 0);
}

int
main(int argc, char **argv)
{
	static const char args[] = "workers=2,ifaces=250,addrs=1,descs=2,rate=100000,churn=0,seed=5";
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL, .source = "sim", .source_args = args };
	pthread_t rt, et[NEXP], ct[NCHEAP];
	struct nb_sysctl *h = NULL;
	struct server *srv = NULL;
	struct nb_sysctl_table t;
	char dir[] = "/tmp/stress_nbstatd.XXXXXX";
	double secs = 8;
	int rc;

	for (int c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--seconds") == 0 && c + 1 < argc) {
			secs = atof(argv[++c]);
		} else {
			fprintf(stderr, "usage: stress_nbstatd [--seconds N]\n");
			return 2;
		}
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sockpath, sizeof(sockpath), "%s/s.sock", dir);
	if ((rc = nb_sysctl_open(&o, &h)) != 0) {
		fprintf(stderr, "stress_nbstatd: sim: %s\n", strerror(-rc));
		return 1;
	}
	/* The sim's objects exist once it is loaded. */
	rc = nb_sysctl_table_read(h, "net.interfaces.*", cols, 2, sizeof(struct row), 0, &t);
	if (rc != 0 || t.nrows != NIFS) {
		fprintf(stderr, "stress_nbstatd: %zu interfaces, not %d\n", t.nrows, NIFS);
		return 1;
	}
	nb_sysctl_table_free(&t);
	if ((rc = server_start(sockpath, h, &treelock, &srv)) != 0) {
		fprintf(stderr, "stress_nbstatd: server: %s\n", strerror(-rc));
		return 1;
	}
	pthread_create(&rt, NULL, recorder, h);
	for (unsigned i = 0; i < NEXP; i++)
		pthread_create(&et[i], NULL, expensive, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < NCHEAP; i++)
		pthread_create(&ct[i], NULL, cheap, NULL);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop, true);
	pthread_join(rt, NULL);
	for (unsigned i = 0; i < NEXP; i++)
		pthread_join(et[i], NULL);
	for (unsigned i = 0; i < NCHEAP; i++)
		pthread_join(ct[i], NULL);
	probe_under_lock();
	server_stop(&srv);
	nb_sysctl_close(&h);
	linux_phase(secs / 4, dir);
	rmdir(dir);
	printf("stress_nbstatd: %lu expensive walks, %lu cheap reads (%lu within one walk; "
	       "at most %lu ended during one walk), %lu recorder samples\n",
	    atomic_load(&exp_walks), atomic_load(&cheap_reads), atomic_load(&overlap),
	    atomic_load(&maxwithin), atomic_load(&rec_samples));
	if (atomic_load(&exp_walks) == 0 || atomic_load(&cheap_reads) == 0)
		fail("no reads done", 0);
	if (atomic_load(&overlap) == 0)
		fail("no cheap read began and ended within an expensive walk", 0);
	if (atomic_load(&failures) != 0) {
		fprintf(stderr, "stress_nbstatd: %lu failure(s)\n", atomic_load(&failures));
		return 1;
	}
	return 0;
}
