/* SPDX-License-Identifier: BSD-2-Clause */
/* recorder.c - the recording service shared by nbsysctl --record and nbstatd: the default set, the loop, the stop signals. */
/*
 * Theory of operation
 *
 * One thread: the caller's. nb_signals_take() installs a handler (a no-op)
 * for SIGTERM and SIGINT (and SIGHUP when the caller reloads on it) and
 * blocks them in the calling thread, which threads created later inherit:
 * no thread is ever interrupted by them, and they are taken synchronously
 * by sigtimedwait() in nb_signals_wait(), between samples. A handler is
 * installed before blocking because a signal whose disposition is SIG_IGN
 * is discarded, not left pending, and a job started with & by a
 * non-interactive shell inherits SIGINT ignored.
 *
 * The loop: read every subtree (the handle records what is read), commit
 * the sample at once, then wait for the next tick or a signal. A stop
 * signal that arrives while a sample is read stays pending until the
 * sample is committed, then ends the loop: the sample in flight is in the
 * file. Ticks are absolute (CLOCK_MONOTONIC, no drift); after a stall the
 * missed ticks are skipped. With r->lock (nbstatd: the tree's lock, which
 * its server takes for each request), a sample is read and written, and
 * the next begun, under the lock; the wait is outside it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nbtool/nbtool.h>
#include <sysctl-tree/sysctl.h>

#define NS_PER_SEC 1000000000LL

static sigset_t taken;

static void
nop_handler(int sig)
{
	(void)sig;
}

void
nb_signals_take(bool hup)
{
	struct sigaction sa;
	int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nop_handler;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&taken);
	for (size_t i = 0; i < (hup ? 3u : 2u); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&taken, sigs[i]);
	}
	pthread_sigmask(SIG_BLOCK, &taken, NULL);
}

int
nb_signals_wait(int64_t deadline_ns)
{
	struct timespec now, ts;
	int64_t left;
	int sig;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline_ns - ((int64_t)now.tv_sec * NS_PER_SEC + now.tv_nsec);
		if (left < 0)
			left = 0;
		ts.tv_sec = left / NS_PER_SEC;
		ts.tv_nsec = left % NS_PER_SEC;
		if ((sig = sigtimedwait(&taken, NULL, &ts)) > 0)
			return sig;
		if (errno == EAGAIN)
			return 0; /* the deadline */
		/* EINTR: another signal's handler ran; wait again */
	}
}

/* ---- lists ---- */

void
nb_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- the loop ---- */

static int
discard_cb(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

static void
read_error(struct nb_sysctl *h, const char *name, int rc)
{
	const char *d = nb_sysctl_errdetail(h);

	if (d != NULL && *d != '\0')
		nb_warnx("%s: %s (%s)", name, strerror(-rc), d);
	else
		nb_warnx("%s: %s", name, strerror(-rc));
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int
nb_record_loop(struct nb_recorder *r)
{
	bool *missing = NULL;
	size_t nmissing = 0;
	uint64_t taken_n = 0;
	int64_t next, step;
	int ret = 0, rc, sig;
	const char *d;

	next = mono_ns();
	for (;;) {
		if (nmissing < r->n) {
			bool *m = realloc(missing, r->n * sizeof(*m));

			if (m == NULL) {
				nb_warnx("%s", strerror(ENOMEM));
				ret = NB_EXIT_RUNTIME;
				break;
			}
			memset(m + nmissing, 0, (r->n - nmissing) * sizeof(*m));
			missing = m;
			nmissing = r->n;
		}
		/* One sample: every subtree, then the commit (the sample is in the file now). */
		if (r->lock != NULL)
			pthread_mutex_lock(r->lock);
		for (size_t i = 0; i < r->n; i++) {
			rc = nb_sysctl_walk(r->h, r->names[i], r->rdflags, discard_cb, NULL);
			if (rc < 0) {
				/* An absent subtree is said once per run of absences. */
				if (!missing[i] && !(rc == -ENOENT && r->quiet_enoent))
					read_error(r->h, r->names[i], rc);
				missing[i] = true;
				ret = NB_EXIT_RUNTIME;
			} else
				missing[i] = false;
		}
		if ((rc = nb_sysctl_record_commit(r->h)) != 0) {
			d = nb_sysctl_errdetail(r->h);
			nb_warnx("%s", *d != '\0' ? d : strerror(-rc));
			ret = NB_EXIT_RUNTIME;
			if (r->lock != NULL)
				pthread_mutex_unlock(r->lock);
			break;
		}
		if (r->lock != NULL)
			pthread_mutex_unlock(r->lock);
		taken_n++;
		r->nsamples++;
		if (r->count != 0 && taken_n >= r->count)
			break;
		/* Wait for the next tick; a stop signal ends the loop, SIGHUP reloads. */
		for (;;) {
			step = (int64_t)(r->interval * 1e9 + 0.5);
			if (step < 1)
				step = 1;
			if (next + step < mono_ns() - step) /* a stall: skip the missed ticks */
				next += (mono_ns() - next) / step * step;
			sig = nb_signals_wait(next + step);
			if (sig != SIGHUP)
				break;
			if (r->hup != NULL)
				r->hup(r, r->arg); /* may change interval, names, retention */
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
		next += step;
		if (r->lock != NULL)
			pthread_mutex_lock(r->lock);
		rc = nb_sysctl_sample(r->h);
		if (r->lock != NULL)
			pthread_mutex_unlock(r->lock);
		if (rc != 0) {
			d = nb_sysctl_errdetail(r->h);
			nb_warnx("sample: %s", *d != '\0' ? d : strerror(-rc));
			ret = NB_EXIT_RUNTIME;
			break;
		}
	}
	free(missing);
	return ret;
}
