/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_history.c - the history decoders fed bytes as they would come from
 * a damaged or hostile file: the first byte picks one, the rest is its
 * input. 0: an id list (shape.names, whole); 1: a shape as edits against a
 * base of 64 ids (shape.names with shape.base); 2: a value stream (a
 * sample's blob: zig-zag varints, runs of zeros). Each must decode or
 * refuse (-EINVAL), never read or write out of bounds; what an edit decodes
 * give only ids that can name a row (> 0), and a value stream never reads
 * past its bytes. The bytes planted as a sample's blob are also planted as
 * an event's object and detail (summed anew), which the event reader gives
 * back as strings or calls damage. A whole damaged file is the byte-flip test's
 * (bench/history_flip.sh, tests/cli): the row checksums stop it before
 * these decoders see it, so they are fuzzed here directly.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hist.h"
#include "nbhistory/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char pristine[128], work[128];
static uint8_t *image;		/* the pristine file's bytes */
static size_t imagelen;

/*
 * A valid file of two samples: the second has one name more, so its
 * shape is stored as edits of the first's (shape.base set).
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nbh_writer *w = NULL;
	struct nbh_sample_info si = { .source = "fuzz", .boottime_ns = 1 };
	const struct nbh_event ev = { 1500000000LL, "v1", 3, "link down", "" };
	char name[64];
	FILE *fp;
	long n;
	int k, i;

	(void)argc;
	(void)argv;
	snprintf(pristine, sizeof(pristine), "/dev/shm/nbstat-fuzz-history.%d.db", (int)getpid());
	snprintf(work, sizeof(work), "/dev/shm/nbstat-fuzz-history.%d.work.db", (int)getpid());
	unlink(pristine);
	if (nbh_writer_open(pristine, NULL, &w, NULL, 0) != 0)
		abort();
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 40 + k; i++) {
			snprintf(name, sizeof(name), "net.interfaces.v%d.stats.ibytes", i);
			if (nbh_writer_add(w, name, strlen(name), 4, 2, "bytes", 1000 * i + k,
			    NULL, 0) != 0)
				abort();
		}
		if (nbh_writer_add(w, "kern.hostname", 13, 3, 0, "name", 0, "fuzz", 4) != 0)
			abort();
		si.t_ns = 1000000000LL * (k + 1);
		if (nbh_writer_events(w, &ev, 1) != 0 || nbh_writer_commit(w, &si) != 0)
			abort();
	}
	nbh_writer_close(&w);
	if ((fp = fopen(pristine, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) <= 0 || (image = malloc((size_t)n)) == NULL ||
	    fseek(fp, 0, SEEK_SET) != 0 || fread(image, 1, (size_t)n, fp) != (size_t)n)
		abort();
	imagelen = (size_t)n;
	fclose(fp);
	return 0;
}

/* The work file as the pristine one, then row `what` of its last sample replaced by the bytes. */
static int
plant(int what, const uint8_t *p, size_t len)
{
	static const char *const sql[] = {
		"UPDATE sample SET data = ?1 WHERE id = 2;"
		"UPDATE sample SET checksum = nbh_checksum('sample', id, t_ns, source, boottime_ns,"
		" nobjects, nvalues, shape, keyframe, data) WHERE id = 2;"
		"UPDATE event SET object = CAST(?1 AS TEXT), detail = CAST(?1 AS TEXT) WHERE id = 2;"
		"UPDATE event SET checksum = nbh_checksum('event', id, t_ns, object, ifindex, what,"
		" detail) WHERE id = 2",
		"UPDATE shape SET names = ?1 WHERE id = (SELECT shape FROM sample WHERE id = 2);"
		"UPDATE shape SET checksum = nbh_checksum('shape', id, nnames, names, base)"
		" WHERE id = (SELECT shape FROM sample WHERE id = 2)",
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	const char *tail;
	int fd, rc = 0;

	if ((fd = open(work, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(fd, image, imagelen) != (ssize_t)imagelen)
		abort();
	close(fd);
	if (sqlite3_open(work, &db) != SQLITE_OK || nbh__sum_register(db) != 0)
		abort();
	/* Statements binding the bytes, one after the other (the rows' sums bind nothing). */
	for (tail = sql[what]; rc == 0 && *tail != '\0';) {
		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK || st == NULL) {
			rc = -1;
			break;
		}
		if (sqlite3_bind_parameter_count(st) > 0)
			sqlite3_bind_blob(st, 1, len > 0 ? (const void *)p : "", (int)len,
			    SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

/* An event as the reader gives it: strings to their NUL (ASan sees a bad one). */
static int
event_cb(const struct nbh_event *ev, void *arg)
{
	*(size_t *)arg += strlen(ev->object) + strlen(ev->what) + strlen(ev->detail);
	return 0;
}

/* Replay the planted sample: it reads, or the reader says the file is damaged. */
static void
replay(void)
{
	struct nbh_reader *r = NULL;
	const struct nbh_entry *e;
	size_t n, i, sum = 0;
	int rc;

	if (nbh_reader_open(work, &r, NULL, 0) != 0)
		abort();
	rc = nbh_reader_seek(r, 2000000000LL, false);
	if (rc == 0) {
		e = nbh_reader_entries(r, &n);
		for (i = 0; i < n; i++)	/* touch every entry: ASan sees a bad one */
			sum += e[i].namelen + (e[i].str != NULL ? e[i].slen : 0) + (size_t)e[i].v;
		(void)sum;
	} else if (rc != NBH_ECORRUPT) {
		abort();
	}
	rc = nbh_reader_events(r, INT64_MIN, INT64_MAX, event_cb, &sum);
	if (rc != 0 && rc != NBH_ECORRUPT)
		abort();
	nbh_reader_close(&r);
}

#define NBASE	64
#define NOUT	256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t base[NBASE], out[NOUT];
	struct nbh_vdec d;
	uint64_t u, n;
	size_t i, want;

	if (size < 2)
		return 0;
	switch (data[0] % 5) {
	case 0:
		/* The count it is asked for comes from the shape row: try two. */
		want = data[1] % NOUT;
		(void)nbh__ids_decode(data + 2, size - 2, out, want);
		(void)nbh__ids_decode(data + 2, size - 2, out, NOUT);
		break;
	case 1:
		for (i = 0; i < NBASE; i++)
			base[i] = (uint32_t)(1000 + 3 * i);
		want = data[1] % NOUT;
		if (nbh__shape_diff_decode(data + 2, size - 2, base, NBASE, out, want) == 0) {
			/* Decoded: every id names a row (> 0), as promised. */
			for (i = 0; i < want; i++)
				if (out[i] == 0)
					abort();
		}
		break;
	case 2:
		memset(&d, 0, sizeof(d));
		d.p = data + 1;
		d.end = data + size;
		/* At most as many values as a blob of this size may claim, with
		 * zero runs bounded by the count a sample row would give. */
		for (n = 0; n < 4 * size + 64; n++)
			if (nbh__vdec_get(&d, &u) != 0)
				break;
		if (d.p > d.end)
			abort();
		break;
	case 3:
	case 4:
		if (plant(data[0] % 5 - 3, data + 1, size - 1) == 0)
			replay();
		break;
	}
	return 0;
}
