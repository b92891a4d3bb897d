/* SPDX-License-Identifier: BSD-2-Clause */
/* value.c - text form of values (sysctl(8) style) and type names. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"

struct sbuf {
	char	*b;
	size_t	 size;
	size_t	 len;		/* needed length so far */
};

static void
sb_put(struct sbuf *s, const char *p, size_t n)
{
	if (s->len < s->size) {
		size_t room = s->size - s->len;

		memcpy(s->b + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(s, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

size_t
nb_sysctl_value_format(const struct nb_sysctl_value *v, char *buf, size_t size)
{
	struct sbuf s = { buf, size, 0 };
	unsigned i;

	switch (v->type) {
	case NB_SYSCTL_INT:
		sb_printf(&s, "%" PRId64, v->i);
		break;
	case NB_SYSCTL_U64:
		sb_printf(&s, "%" PRIu64, v->u);
		break;
	case NB_SYSCTL_BOOL:
		sb_put(&s, v->b ? "1" : "0", 1);
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		if (v->str != NULL)
			sb_put(&s, v->str, v->len);
		break;
	case NB_SYSCTL_NODE:
	default:
		break;
	}
	if (v->percpu != NULL && v->ncpu > 0) {
		sb_put(&s, " (", 2);
		for (i = 0; i < v->ncpu; i++)
			sb_printf(&s, "%scpu%u %" PRIu64, i > 0 ? ", " : "", i, v->percpu[i]);
		sb_put(&s, ")", 1);
	}
	if (size > 0)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return s.len;
}

const char *
nb_sysctl_type_name(enum nb_sysctl_type t)
{
	switch (t) {
	case NB_SYSCTL_NODE:
		return "node";
	case NB_SYSCTL_INT:
		return "int";
	case NB_SYSCTL_STRING:
		return "string";
	case NB_SYSCTL_U64:
		return "u64";
	case NB_SYSCTL_BOOL:
		return "bool";
	case NB_SYSCTL_ADDRESS:
		return "address";
	}
	return "unknown";
}

/* "00" to "99": the two decimal digits of each value below 100, at twice the value. */
#define DEC10(d)	d "0" d "1" d "2" d "3" d "4" d "5" d "6" d "7" d "8" d "9"
static const char dec2[] = DEC10("0") DEC10("1") DEC10("2") DEC10("3") DEC10("4")
    DEC10("5") DEC10("6") DEC10("7") DEC10("8") DEC10("9");
#undef DEC10

char *
nb_sysctl_ntop(int family, const void *src, char *dst, size_t size)
{
	const uint8_t *a = src;
	char *p = dst;
	unsigned i, v;

	if (family == AF_INET && size >= INET_ADDRSTRLEN) {
		for (i = 0; i < 4; i++) {
			v = a[i];
			if (v >= 100) {
				*p++ = v >= 200 ? '2' : '1';
				v -= v >= 200 ? 200 : 100;
				memcpy(p, &dec2[2 * v], 2);
				p += 2;
			} else if (v >= 10) {
				memcpy(p, &dec2[2 * v], 2);
				p += 2;
			} else
				*p++ = (char)('0' + v);
			*p++ = '.';
		}
		p[-1] = '\0';
		return dst;
	}
	if (family == AF_INET6 && inet_ntop(AF_INET6, src, dst, (socklen_t)size) != NULL)
		return dst;
	if (size > 0)
		dst[0] = '\0';
	return NULL;
}
