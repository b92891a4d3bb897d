/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h - the unit tests' assertions: each failed check says where and
 * what, counts a failure and lets the test go on; main() returns
 * failures != 0. Included once per test program. The counts are atomic:
 * a test's threads check too (TSan would see plain counters race).
 */
#ifndef NB_TEST_CHECK_H
#define NB_TEST_CHECK_H

#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static _Atomic int failures;
static _Atomic int checks;

/* CHECK(cond) or CHECK(cond, "printf format", args...) for detail. */
#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "%s:%d: FAIL: %s", __FILE__, __LINE__, #cond); \
		__VA_OPT__(fputs(": ", stderr); fprintf(stderr, __VA_ARGS__);) \
		fputc('\n', stderr);					\
	}								\
} while (0)

/* An int-returning call (0 / -errno) must return want. */
#define CHECK_RC(expr, want) do {					\
	int rc_ = (expr);						\
	checks++;							\
	if (rc_ != (want)) {						\
		failures++;						\
		fprintf(stderr, "%s:%d: FAIL: %s = %d, want %d\n",	\
		    __FILE__, __LINE__, #expr, rc_, (int)(want));	\
	}								\
} while (0)

/* Two integers must be equal. */
#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	checks++;							\
	if (a_ != b_) {							\
		failures++;						\
		fprintf(stderr, "%s:%d: FAIL: %s == %lld, expected %s == %lld\n", \
		    __FILE__, __LINE__, #a, a_, #b, b_);		\
	}								\
} while (0)

/*
 * Remove a test's scratch tree. No rm(1): a fork from a threaded program
 * under TSan can hang its child in the runtime's own locks.
 */
static int
check_rmtree_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

static inline int
check_rmtree(const char *dir)
{
	return nftw(dir, check_rmtree_cb, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
