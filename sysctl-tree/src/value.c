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
	case NB_SYSCTL_INADDR:
		return "inaddr";	/* a table column's, never a leaf's */
	}
	return "unknown";
}

/*
 * Each byte value's decimal digits and a '.', in four bytes (zero-padded):
 * a dotted quad is four 4-byte copies, each advanced by its text's length.
 */
#define QD0(v)	('0' + ((v) >= 100 ? (v) / 100 : ((v) >= 10 ? (v) / 10 : (v))))
#define QD1(v)	((v) >= 100 ? '0' + (v) / 10 % 10 : ((v) >= 10 ? '0' + (v) % 10 : '.'))
#define QD2(v)	((v) >= 100 ? '0' + (v) % 10 : ((v) >= 10 ? '.' : 0))
#define QD3(v)	((v) >= 100 ? '.' : 0)
#define QE(v)	QD0(v), QD1(v), QD2(v), QD3(v)
#define Q4(v)	QE(v), QE((v) + 1), QE((v) + 2), QE((v) + 3)
#define Q16(v)	Q4(v), Q4((v) + 4), Q4((v) + 8), Q4((v) + 12)
#define Q64(v)	Q16(v), Q16((v) + 16), Q16((v) + 32), Q16((v) + 48)
static const char quad[256 * 4] = { Q64(0), Q64(64), Q64(128), Q64(192) };
#undef QE
#define QE(v)	((v) >= 100 ? 4 : ((v) >= 10 ? 3 : 2))
static const uint8_t quadlen[256] = { Q64(0), Q64(64), Q64(128), Q64(192) };
#undef QD0
#undef QD1
#undef QD2
#undef QD3
#undef QE
#undef Q4
#undef Q16
#undef Q64

/*
 * The dotted quad of a[0..3] at p; returns the end (no NUL). It writes up
 * to 16 bytes from p (the last copy's padding past the end).
 */
static inline char *
put_quad(char *p, const uint8_t *a)
{
	memcpy(p, &quad[4 * a[0]], 4);
	p += quadlen[a[0]];
	memcpy(p, &quad[4 * a[1]], 4);
	p += quadlen[a[1]];
	memcpy(p, &quad[4 * a[2]], 4);
	p += quadlen[a[2]];
	memcpy(p, &quad[4 * a[3]], 4);
	p += quadlen[a[3]];
	return p - 1;
}

/*
 * IPv6 text as glibc's inet_ntop writes it: lower-case hex groups without
 * leading zeros; the longest run of two or more zero groups (the first of
 * equal runs) as "::"; a dotted quad tail for the IPv4-compatible
 * (::a.b.c.d, not ::1) and IPv4-mapped (::ffff:a.b.c.d) forms.
 */
static char *
put_ip6(char *p, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8], i, base = 8, len = 0, zero = 0, m;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		zero |= (w[i] == 0) << i;
	}
	/* The longest run of zero groups: bit i of m stays while group i starts one that long. */
	for (m = zero; m != 0; m &= m >> 1)
		len++;
	if (len >= 2) {
		for (m = zero, i = 1; i < len; i++)
			m &= m >> 1;
		base = (unsigned)__builtin_ctz(m);
	}
	for (i = 0; i < 8; i++) {
		if (i == base) {
			*p++ = ':';
			i += len - 1;
			if (i == 7)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && base == 0 && (len == 6 || (len == 7 && w[7] != 1) || (len == 5 && w[5] == 0xffff)))
			return put_quad(p, a + 12);
		if (w[i] >= 0x1000)
			*p++ = hex[w[i] >> 12];
		if (w[i] >= 0x100)
			*p++ = hex[w[i] >> 8 & 0xf];
		if (w[i] >= 0x10)
			*p++ = hex[w[i] >> 4 & 0xf];
		*p++ = hex[w[i] & 0xf];
	}
	return p;
}

/* nb_sysctl_ntop for what its fast case leaves: IPv6, another family, a short dst. */
static char *__attribute__((noinline))
ntop_other(int family, const void *src, char *dst, size_t size)
{
	char buf[INET6_ADDRSTRLEN], *to = size >= sizeof(buf) ? dst : buf, *p;

	if (family == AF_INET)
		p = put_quad(to, src);
	else if (family == AF_INET6)
		p = put_ip6(to, src);
	else
		p = NULL;
	if (p == NULL || (to == buf && (size_t)(p - buf) >= size)) {
		if (size > 0)
			dst[0] = '\0';
		return NULL;
	}
	*p = '\0';
	if (to == buf)
		memcpy(dst, buf, (size_t)(p - buf) + 1);
	return dst;
}

char *
nb_sysctl_ntop(int family, const void *src, char *dst, size_t size)
{
	char *p;

	/* The hot case first, without the frame of the others. */
	if (family == AF_INET && size >= INET_ADDRSTRLEN) {
		p = put_quad(dst, src);
		*p = '\0';
		return dst;
	}
	return ntop_other(family, src, dst, size);
}

/*
 * An NB_SYSCTL_INADDR column (all zeros, as a row opens) from an address's
 * bytes: the text nb_sysctl_ntop writes, with its length, family and
 * bytes. AF_INET and AF_INET6 only.
 */
void
nb__inaddr_bytes(struct nb_sysctl_inaddr *ia, int family, const uint8_t *src)
{
	char *p;

	_Static_assert(sizeof(ia->text) >= INET6_ADDRSTRLEN, "any address text");
	_Static_assert(sizeof(struct nb_sysctl_inaddr) == 64, "no padding");
	if (family == AF_INET) {
		p = put_quad(ia->text, src);	/* (16 bytes at most: text has room) */
		memcpy(ia->addr, src, 4);
	} else {
		p = put_ip6(ia->text, src);
		memcpy(ia->addr, src, 16);
	}
	*p = '\0';
	ia->len = (uint8_t)(p - ia->text);
	ia->family = (uint8_t)family;
}

/*
 * The same from a leaf's text (len bytes): the text cut as a column of
 * NB_SYSCTL_INADDR_TEXT bytes cuts it; the family and bytes where that
 * text is an IPv4 or IPv6 address as nb_sysctl_pton reads one (so the
 * same as nb__inaddr_bytes for the text the tree writes), else zeros.
 */
void
nb__inaddr_text(struct nb_sysctl_inaddr *ia, const char *s, size_t len)
{
	uint8_t a[16];
	int af;

	if (len >= sizeof(ia->text))
		len = sizeof(ia->text) - 1;
	memcpy(ia->text, s, len);
	memset(ia->text + len, 0, sizeof(ia->text) - len);
	ia->len = (uint8_t)len;
	ia->family = 0;
	memset(ia->addr, 0, sizeof(ia->addr));
	af = memchr(ia->text, ':', len) != NULL ? AF_INET6 : AF_INET;
	if (len > 0 && nb_sysctl_pton(af, ia->text, a) == 1) {
		ia->family = (uint8_t)af;
		memcpy(ia->addr, a, af == AF_INET ? 4 : 16);
	}
}

/* A hex digit's value plus one, 0 for any other byte. */
static inline unsigned
hex1(unsigned char c)
{
	unsigned d = (unsigned)c - '0';

	if (d < 10)
		return d + 1;
	d = ((unsigned)c | 0x20) - 'a';
	return d < 6 ? d + 11 : 0;
}

/*
 * IPv6 text without a dotted quad tail into a[16]: 1 on success, 0 for
 * text this short parser leaves to inet_pton (a tail, anything malformed).
 */
static int
get_ip6(const char *s, uint8_t *a)
{
	unsigned w[8], n = 0, gap = 9, i, v, k, d;

	if (s[0] == ':') {
		if (s[1] != ':')
			return 0;
		gap = 0;
		s += 2;
	}
	while (*s != '\0') {
		if (n == 8)
			return 0;
		for (v = 0, k = 0; k < 4 && (d = hex1((unsigned char)s[k])) != 0; k++)
			v = v << 4 | (d - 1);
		if (k == 0)
			return 0;
		w[n++] = v;
		s += k;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			return 0;
		if (*s == ':') {
			if (gap != 9)
				return 0;
			gap = n;
			s++;
		} else if (*s == '\0')
			return 0;
	}
	if (gap == 9 ? n != 8 : n > 7)
		return 0;
	if (gap != 9) {
		k = 8 - n;
		for (i = n; i > gap; i--)
			w[i - 1 + k] = w[i - 1];
		for (i = gap; i < gap + k; i++)
			w[i] = 0;
	}
	for (i = 0; i < 8; i++) {
		a[2 * i] = (uint8_t)(w[i] >> 8);
		a[2 * i + 1] = (uint8_t)w[i];
	}
	return 1;
}

/*
 * One octet of a dotted quad at s, followed by sep: one to three digits,
 * no leading zero, at most 255. Its end past sep, or NULL for anything
 * else (inet_pton's to judge). A digit is never the NUL, so the byte
 * after it can be read.
 */
static inline const char *
get_octet(const char *s, char sep, uint8_t *out)
{
	unsigned v, d;

	if ((v = (unsigned char)s[0] - (unsigned)'0') > 9)
		return NULL;
	if ((d = (unsigned char)s[1] - (unsigned)'0') <= 9) {
		if (v == 0)
			return NULL;
		v = v * 10 + d;
		if ((d = (unsigned char)s[2] - (unsigned)'0') <= 9) {
			if ((v = v * 10 + d) > 255)
				return NULL;
			s++;
		}
		s++;
	}
	*out = (uint8_t)v;
	return s[1] == sep ? s + 2 : NULL;
}

int
nb_sysctl_pton(int family, const char *src, void *dst)
{
	const char *s = src;
	uint8_t b[4];

	if (family == AF_INET) {
		if ((s = get_octet(s, '.', &b[0])) == NULL || (s = get_octet(s, '.', &b[1])) == NULL ||
		    (s = get_octet(s, '.', &b[2])) == NULL || get_octet(s, '\0', &b[3]) == NULL)
			return inet_pton(family, src, dst);
		memcpy(dst, b, 4);
		return 1;
	}
	if (family == AF_INET6 && get_ip6(src, dst))
		return 1;
	return inet_pton(family, src, dst);
}
