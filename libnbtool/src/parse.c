/* SPDX-License-Identifier: BSD-2-Clause */
/* parse.c - strtonum(3)-like number, interval and TIME parsing for options. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nbtool/nbtool.h"

#define NS_PER_SEC	1000000000LL
#define MAX_INTERVAL	86400.0		/* one day */
#define MAX_RELATIVE_S	(100LL * 366 * 86400)	/* a century back is plenty */

int
nb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **errstr)
{
	uint64_t v = 0;
	const char *p;
	const char *dummy;

	if (errstr == NULL)
		errstr = &dummy;
	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "invalid";
		return -EINVAL;
	}
	/* Digits only: no sign, no blanks, no base prefix (strtoull takes "-1"). */
	for (p = s; *p != '\0'; p++) {
		unsigned d;

		if (!isdigit((unsigned char)*p)) {
			*errstr = "invalid";
			return -EINVAL;
		}
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			*errstr = "too large";
			return -ERANGE;
		}
		v = v * 10 + d;
	}
	if (v < min) {
		*errstr = "too small";
		return -ERANGE;
	}
	if (v > max) {
		*errstr = "too large";
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int
nb_parse_duration(const char *s, int64_t *out_ns, const char **errstr)
{
	static const struct { char c; int64_t ns; } units[] = {
		{ 's', 1000000000LL }, { 'm', 60 * 1000000000LL }, { 'h', 3600 * 1000000000LL },
		{ 'd', 86400 * 1000000000LL }, { 'w', 7 * 86400 * 1000000000LL },
	};
	const char *dummy, *p = s;
	uint64_t n = 0;
	size_t i;

	if (errstr == NULL)
		errstr = &dummy;
	*errstr = "invalid (a number and a unit: s, m, h, d, w)";
	if (s == NULL || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT64_C(1) << 40)
			return -EINVAL;
	}
	if (n == 0 || p[0] == '\0' || p[1] != '\0')
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].c != *p)
			continue;
		if (n > (uint64_t)(INT64_MAX / units[i].ns)) {
			*errstr = "too large";
			return -EINVAL;
		}
		*out_ns = (int64_t)n * units[i].ns;
		*errstr = NULL;
		return 0;
	}
	return -EINVAL;
}

int
nb_parse_interval(const char *s, double *out, const char **errstr)
{
	const char *p = s;
	const char *dummy;
	size_t ndig = 0;
	char *end;
	double v;

	if (errstr == NULL)
		errstr = &dummy;
	*errstr = NULL;
	if (s == NULL) {
		*errstr = "invalid";
		return -EINVAL;
	}
	/* [digits][.digits], at least one digit: no sign, exponent, inf, nan, hex. */
	while (isdigit((unsigned char)*p)) {
		p++;
		ndig++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			ndig++;
		}
	}
	if (ndig == 0 || *p != '\0') {
		*errstr = "invalid";
		return -EINVAL;
	}
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0') {
		*errstr = "invalid";
		return -EINVAL;
	}
	if (errno == ERANGE && v > 1.0) {
		*errstr = "too large";
		return -ERANGE;
	}
	if (!(v > 0.0) || v * 1e9 < 1.0) {
		*errstr = "too small";
		return -ERANGE;
	}
	if (v > MAX_INTERVAL) {
		*errstr = "too large";
		return -ERANGE;
	}
	*out = v;
	return 0;
}

/* Exactly n digits at *pp into *v. */
static int
digits(const char **pp, int n, int *v)
{
	const char *p = *pp;
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*v = x;
	return 0;
}

static int
parse_relative(const char *s, int64_t now_ns, int64_t *out_ns, const char **errstr)
{
	uint64_t n;
	size_t len = strlen(s);
	char num[24];
	int64_t unit;

	if (len < 3 || len - 2 >= sizeof(num)) {
		*errstr = "invalid relative time (e.g. -30s, -15m, -2h, -1d)";
		return -EINVAL;
	}
	switch (s[len - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default:
		*errstr = "invalid relative time unit (s, m, h or d)";
		return -EINVAL;
	}
	memcpy(num, s + 1, len - 2);
	num[len - 2] = '\0';
	if (nb_parse_u64(num, 0, (uint64_t)(MAX_RELATIVE_S / unit), &n, errstr) != 0) {
		if (*errstr != NULL && strcmp(*errstr, "invalid") == 0)
			*errstr = "invalid relative time (e.g. -30s, -15m, -2h, -1d)";
		else
			*errstr = "relative time too far back";
		return -EINVAL;
	}
	*out_ns = now_ns - (int64_t)n * unit * NS_PER_SEC;
	return 0;
}

int
nb_parse_time(const char *s, int64_t now_ns, int64_t *out_ns, const char **errstr)
{
	const char *p = s;
	const char *dummy;
	struct tm tm, want;
	int y, mo, d, hh = 0, mi = 0, ss = 0, zh, zm;
	int64_t frac_ns = 0, scale = NS_PER_SEC / 10;
	bool utc = false;
	long off = 0;
	time_t t;
	int64_t secs, ns;

	if (errstr == NULL)
		errstr = &dummy;
	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty time";
		return -EINVAL;
	}
	if (strcmp(s, "now") == 0) {
		*out_ns = now_ns;
		return 0;
	}
	if (*s == '-')
		return parse_relative(s, now_ns, out_ns, errstr);

	if (digits(&p, 4, &y) != 0 || *p++ != '-' || digits(&p, 2, &mo) != 0 ||
	    *p++ != '-' || digits(&p, 2, &d) != 0)
		goto bad;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &hh) != 0 || *p++ != ':' || digits(&p, 2, &mi) != 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &ss) != 0)
				goto bad;
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
				for (; isdigit((unsigned char)*p); p++) {
					frac_ns += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
	}
	if (*p == 'Z') {
		utc = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (digits(&p, 2, &zh) != 0)
			goto bad;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &zm) != 0 || zh > 23 || zm > 59)
			goto bad;
		utc = true;
		off = sign * (zh * 3600L + zm * 60L);
	}
	if (*p != '\0')
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60)
		goto bad;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = ss == 60 ? 59 : ss;
	tm.tm_isdst = -1;
	want = tm;
	t = utc ? timegm(&tm) : mktime(&tm);
	/* Normalisation moves an impossible date (02-30): reject it. */
	if (tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon) {
		*errstr = "no such date";
		return -EINVAL;
	}
	if (ss == 60)
		t += 1;
	/* Realtime ns in an int64_t span 1677-09-21 to 2262-04-11: outside it
	 * the sum would wrap and a far-future time would read as the past. */
	if (__builtin_sub_overflow((int64_t)t, (int64_t)off, &secs) ||
	    __builtin_mul_overflow(secs, NS_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, frac_ns, &ns)) {
		*errstr = "time out of range (1678 to 2262)";
		return -EINVAL;
	}
	*out_ns = ns;
	return 0;
bad:
	*errstr = "invalid time (ISO-8601 like 2024-05-01T03:10[:00][Z|+02:00], "
	    "now, or relative like -15m)";
	return -EINVAL;
}

void
nb_format_time(int64_t t_ns, char *buf, size_t size)
{
	time_t secs = (time_t)(t_ns / NS_PER_SEC);
	struct tm tm;
	char date[32], zone[8];

	if (localtime_r(&secs, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) == 0) {
		snprintf(buf, size, "%lld", (long long)t_ns);
		return;
	}
	/* +hhmm -> +hh:mm, which nb_parse_time reads back. */
	snprintf(buf, size, "%s.%09lld%.3s:%.2s", date, (long long)(t_ns % NS_PER_SEC), zone,
	    zone + 3);
}
