/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * out.c - the emitter: each value is emitted once with its JSON key and its
 * text format. Text is gathered in the emitter's buffer and written to the
 * stream when the buffer fills and at record end (a big table is a few
 * hundred thousand fields: one stdio call per field costs more than the
 * formatting); JSON builds a json-c tree (objects keep insertion order)
 * serialised at record end. Nesting and keys are checked in both modes, so
 * a text run catches a bad JSON sequence.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#define NB_OUT_VERSION	"1"	/* JSON output format version, see schema/ */
#define NB_OUT_MAXDEPTH	32

#define NB_OUT_BUF	16384

struct nb_out {
	FILE		*fp;
	size_t		 tn;				/* bytes in tb */
	char		 tb[NB_OUT_BUF];		/* text not yet written */
	bool		 json;
	bool		 pretty;
	bool		 in_record;
	unsigned	 depth;				/* open containers in the record */
	char		 kind[NB_OUT_MAXDEPTH + 1 + 8];	/* 'o' object, 'a' array; [0] record;
							   8 bytes more: nb_out_row */
	struct json_object *stack[NB_OUT_MAXDEPTH + 1];	/* JSON only */
};

static _Noreturn void out_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write the gathered text to the stream (before anything writes it directly). */
static void
out_flush(struct nb_out *o)
{
	if (o->tn != 0)
		fwrite_unlocked(o->tb, 1, o->tn, o->fp);
	o->tn = 0;
}

/* Room for n more bytes of text in the buffer; NULL: too big, write directly. */
static char *
out_room(struct nb_out *o, size_t n)
{
	if (o->tn + n > sizeof(o->tb)) {
		out_flush(o);
		if (n > sizeof(o->tb))
			return NULL;
	}
	return o->tb + o->tn;
}

static void
out_put(struct nb_out *o, const char *s, size_t n)
{
	char *p;

	if ((p = out_room(o, n)) == NULL) {
		fwrite_unlocked(s, 1, n, o->fp);
		return;
	}
	memcpy(p, s, n);
	o->tn += n;
}

/* A broken emit sequence is a programming error: abort with the cause. */
static _Noreturn void
out_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: nb_out: ", nb_tool_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

struct nb_out *
nb_out_create(FILE *fp, bool json, bool pretty)
{
	struct nb_out *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->fp = fp;
	o->json = json;
	o->pretty = pretty;
	return o;
}

void
nb_out_destroy(struct nb_out **op)
{
	struct nb_out *o;

	if (op == NULL || (o = *op) == NULL)
		return;
	if (o->in_record)
		out_die("destroyed inside a record (depth %u)", o->depth);
	out_flush(o);
	free(o);
	*op = NULL;
}

bool
nb_out_is_json(const struct nb_out *o)
{
	return o->json;
}

void
nb_out_record_begin(struct nb_out *o)
{
	if (o->in_record)
		out_die("record_begin inside a record");
	o->in_record = true;
	o->depth = 0;
	o->kind[0] = 'o';
	if (!o->json)
		return;
	if ((o->stack[0] = json_object_new_object()) == NULL)
		out_die("out of memory");
	json_object_object_add(o->stack[0], "version", json_object_new_string(NB_OUT_VERSION));
}

void
nb_out_record_end(struct nb_out *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s;

	if (!o->in_record)
		out_die("record_end outside a record");
	if (o->depth != 0)
		out_die("record_end with %u container(s) still open", o->depth);
	o->in_record = false;
	if (o->json) {
		flags |= o->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
		    : JSON_C_TO_STRING_PLAIN;
		if ((s = json_object_to_json_string_ext(o->stack[0], flags)) == NULL)
			out_die("out of memory");
		fputs(s, o->fp);
		fputc('\n', o->fp);
		json_object_put(o->stack[0]);
		o->stack[0] = NULL;
	}
	out_flush(o);
	fflush(o->fp);
}

/*
 * v as it may be shown: itself when the escaping rule leaves it unchanged
 * (the common case, one scan), else its escaped copy in *tmp (the caller
 * frees *tmp). Every string value and key passes here, text and JSON alike.
 */
static const char *
out_safe(const char *v, char **tmp)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t len, need;

	while (*p >= 0x20 && *p < 0x7f)		/* printable ASCII: safe as it is */
		p++;
	if (*p == '\0')
		return v;
	len = strlen(v);
	if (nb_sysctl_strsafe(v, len))
		return v;
	need = nb_sysctl_strvis(v, len, NULL, 0);
	if ((*tmp = malloc(need + 1)) == NULL)
		out_die("out of memory");
	nb_sysctl_strvis(v, len, *tmp, need + 1);
	return *tmp;
}

/*
 * JSON: attach jo (owned) under key, made safe, to the innermost container
 * (an array when key is NULL); a key it has already is an error.
 */
static void
out_attach(struct nb_out *o, const char *key, struct json_object *jo)
{
	struct json_object *parent = o->stack[o->depth];

	if (key == NULL) {
		json_object_array_add(parent, jo);
		return;
	}
	if (json_object_object_get_ex(parent, key, NULL)) {
		json_object_put(jo);
		out_die("duplicate key \"%s\"", key);
	}
	json_object_object_add_ex(parent, key, jo, JSON_C_OBJECT_ADD_KEY_IS_NEW);
}

/* Attach jo (owned) under key to the innermost container, checking the key. */
static void
out_add(struct nb_out *o, const char *key, struct json_object *jo)
{
	char *tmp = NULL;

	if (!o->in_record)
		out_die("value \"%s\" outside a record", key != NULL ? key : "(null)");
	if (o->kind[o->depth] == 'a') {
		if (key != NULL)
			out_die("key \"%s\" inside an array", key);
	} else if (key == NULL) {
		out_die("value without a key inside an object");
	}
	if (!o->json)
		return;
	out_attach(o, key != NULL ? out_safe(key, &tmp) : NULL, jo);
	free(tmp);
}

/*
 * A container ('o' object, 'a' array) one level down: checked against the
 * depth limit, made for JSON (NULL in text). out_push enters it once it is
 * attached. nb_out_open_* and JSON rows (row_json) both open through these.
 */
static struct json_object *
out_container(const struct nb_out *o, char kind)
{
	struct json_object *jo = NULL;

	if (o->depth >= NB_OUT_MAXDEPTH)
		out_die("nesting deeper than %d", NB_OUT_MAXDEPTH);
	if (o->json && (jo = kind == 'o' ? json_object_new_object()
	    : json_object_new_array()) == NULL)
		out_die("out of memory");
	return jo;
}

static void
out_push(struct nb_out *o, char kind, struct json_object *jo)
{
	o->depth++;
	o->kind[o->depth] = kind;
	o->stack[o->depth] = jo;
}

/*
 * In text the checks of out_container and out_add come first, inline:
 * a text table opens and closes containers for each of its rows (the
 * JSON shape they check), and the calls would cost more than the checks.
 * What fails them goes the JSON way, which aborts with its reason.
 */
static __attribute__((noinline)) void
out_open_json(struct nb_out *o, const char *key, char kind)
{
	struct json_object *jo = out_container(o, kind);

	out_add(o, key, jo);
	out_push(o, kind, jo);
}

static inline void
out_open(struct nb_out *o, const char *key, char kind)
{
	if (!o->json && o->in_record && o->depth < NB_OUT_MAXDEPTH &&
	    (key == NULL) == (o->kind[o->depth] == 'a')) {
		o->depth++;
		o->kind[o->depth] = kind;	/* (o->stack[] stays NULL in text) */
		return;
	}
	out_open_json(o, key, kind);
}

/* Why closing a kind container here is wrong (out of line: the close is inline). */
static __attribute__((noinline, noreturn)) void
out_close_bad(const struct nb_out *o, char kind)
{
	if (!o->in_record || o->depth == 0)
		out_die("close_%s without an open one", kind == 'o' ? "object" : "array");
	out_die("close_%s closes an %s", kind == 'o' ? "object" : "array",
	    kind == 'o' ? "array" : "object");
}

static inline void
out_close(struct nb_out *o, char kind)
{
	unsigned d = o->depth;

	if (d == 0 || o->kind[d] != kind || !o->in_record)
		out_close_bad(o, kind);
	o->stack[d] = NULL;
	o->depth = d - 1;
}

void
nb_out_open_object(struct nb_out *o, const char *key)
{
	out_open(o, key, 'o');
}

void
nb_out_close_object(struct nb_out *o)
{
	out_close(o, 'o');
}

void
nb_out_open_array(struct nb_out *o, const char *key)
{
	out_open(o, key, 'a');
}

void
nb_out_close_array(struct nb_out *o)
{
	out_close(o, 'a');
}

/* Whether this mode's value goes to JSON / to text in this emitter. */
static bool
want_json(const struct nb_out *o, enum nb_out_mode m)
{
	return o->json && m != NB_OUT_TEXT;
}

static bool
want_text(const struct nb_out *o, enum nb_out_mode m, const char *fmt)
{
	return !o->json && m != NB_OUT_JSON && fmt != NULL;
}

/*
 * Key discipline holds in both modes for NB_OUT_ANY and NB_OUT_JSON values
 * (a text run validates the JSON shape); text-only values need no key.
 */
static void
out_value(struct nb_out *o, enum nb_out_mode m, const char *key, struct json_object *jo)
{
	if (m == NB_OUT_TEXT) {
		json_object_put(jo);
		return;
	}
	out_add(o, key, jo);	/* a NULL jo is JSON null */
}

#define OUT_TEXT(o, m, fmt, v) do {					\
	if (want_text((o), (m), (fmt))) {				\
		out_flush(o);						\
		fprintf((o)->fp, (fmt), (v));				\
	}								\
} while (0)

/*
 * Text fast path. Almost every format the tools pass is one conversion
 * "%[-][width]<conv>" between literal texts without '%' (" %6lu\n");
 * tables of 10,000 interfaces or 100,000 sockets make hundreds of
 * thousands of such calls, and vfprintf parses the format each time.
 * out_spec() recognises that shape (conv is checked against the value's
 * type by the caller); out_pad() prints the literal before it, the
 * already converted value with the padding, and the literal after it.
 * Anything else uses fprintf.
 */
struct out_spec {
	const char	*pre;		/* literal text before the conversion */
	size_t		 plen;
	bool		 left;
	unsigned	 width;
	const char	*conv;		/* first character of the conversion */
	const char	*rest;		/* literal text after it */
	size_t		 rlen;		/* its length */
};

/*
 * Bytes moved by hand: the fields are a few bytes, a libc call costs more.
 * Eight at a time; out_fill may write up to OUT_SLACK bytes past d + n
 * (out_pad asks out_room for them), out_copy reads only s[0..n).
 */
#define OUT_SLACK 8

static inline void
out_copy(char *d, const char *s, size_t n)
{
	size_t i;

	if (n >= 8) {		/* whole words, the last one overlapping */
		for (i = 0; i + 8 < n; i += 8)
			memcpy(d + i, s + i, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

/* Like out_copy, but s may be read up to OUT_SLACK bytes past s + n. */
static inline void
out_copy8(char *d, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8)
		memcpy(d + i, s + i, 8);
}

static inline void
out_fill(char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8)
		memcpy(d + i, "        ", 8);
}

/* The length of s; false if it holds a '%' (one scan for both). */
static inline bool
out_literal(const char *s, size_t *len)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '%')
			return false;
	*len = (size_t)(p - s);
	return true;
}

static bool
out_spec(const char *fmt, const char *conv, struct out_spec *sp)
{
	const char *p = fmt, *c;

	while (*p != '%' && *p != '\0')
		p++;
	sp->pre = fmt;
	sp->plen = (size_t)(p - fmt);
	if (*p++ != '%')
		return false;
	sp->left = *p == '-';
	if (sp->left)
		p++;
	sp->width = 0;
	while (*p >= '0' && *p <= '9' && sp->width < 1000)
		sp->width = sp->width * 10 + (unsigned)(*p++ - '0');
	sp->conv = p;
	for (c = conv; *c != '\0'; c++, p++)
		if (*p != *c)
			return false;
	sp->rest = p;
	return out_literal(p, &sp->rlen);
}

/* s[0..n) to d: with out_copy8 if over (s may be over-read), else out_copy. */
static inline void
out_copy_if(char *d, const char *s, size_t n, bool over)
{
	if (over)
		out_copy8(d, s, n);
	else
		out_copy(d, s, n);
}

/*
 * v[0..len) in its field, padded to the width by cols, the columns it
 * takes; over: the literals may be read up to OUT_SLACK bytes past their
 * end (a row format's).
 */
static void
out_field(struct nb_out *o, const struct out_spec *sp, const char *v, size_t len, size_t cols,
    bool over)
{
	size_t pad = sp->width > cols ? sp->width - cols : 0;
	size_t rlen = sp->rlen;
	char *p;

	if ((p = out_room(o, sp->plen + pad + len + rlen + OUT_SLACK)) == NULL) {	/* a huge field */
		fwrite_unlocked(sp->pre, 1, sp->plen, o->fp);
		if (!sp->left)
			while (pad-- > 0)
				putc_unlocked(' ', o->fp);
		fwrite_unlocked(v, 1, len, o->fp);
		if (sp->left)
			while (pad-- > 0)
				putc_unlocked(' ', o->fp);
		fwrite_unlocked(sp->rest, 1, rlen, o->fp);
		return;
	}
	out_copy_if(p, sp->pre, sp->plen, over);
	p += sp->plen;
	if (!sp->left) {
		out_fill(p, pad);
		p += pad;
	}
	out_copy(p, v, len);
	p += len;
	if (sp->left) {
		out_fill(p, pad);
		p += pad;
	}
	out_copy_if(p, sp->rest, rlen, over);
	o->tn += sp->plen + pad + len + rlen;
}

static void
out_pad(struct nb_out *o, const struct out_spec *sp, const char *v, size_t len)
{
	out_field(o, sp, v, len, len, false);
}

/* "00" "01" ... "99": two digits a division. */
#define OUT_D10(d) d "0" d "1" d "2" d "3" d "4" d "5" d "6" d "7" d "8" d "9"
static const char out_pairs[] = OUT_D10("0") OUT_D10("1") OUT_D10("2") OUT_D10("3")
    OUT_D10("4") OUT_D10("5") OUT_D10("6") OUT_D10("7") OUT_D10("8") OUT_D10("9");

/* Decimal digits of v ending just before end (no NUL); returns the first. */
static inline char *
out_digits(uint64_t v, char *end)
{
	unsigned r;

	while (v >= 100) {
		r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		memcpy(end, out_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, out_pairs + 2 * v, 2);
	} else
		*--end = (char)('0' + v);
	return end;
}

/* Decimal digits of v into the end of buf[24], NUL-terminated; the first digit. */
static char *
out_utoa(uint64_t v, char *end)
{
	*--end = '\0';
	return out_digits(v, end);
}

/*
 * A number in its field. Right-aligned (the common "%8" PRIu64) the digits
 * are made at the end of a buffer of spaces, buf[0, OUT_NUMBUF), and the
 * field is one copy from it, eight bytes at a time (buf has OUT_SLACK more
 * bytes to read, the text buffer OUT_SLACK more to write).
 */
#define OUT_NUMBUF 40

static void
out_num(struct nb_out *o, const struct out_spec *sp, const char *buf, const char *d)
{
	size_t len = (size_t)(buf + OUT_NUMBUF - d), field = sp->width > len ? sp->width : len;
	const char *s = buf + OUT_NUMBUF - field;
	char *p;
	size_t i;

	if (sp->left || field > OUT_NUMBUF ||
	    (p = out_room(o, sp->plen + field + sp->rlen + OUT_SLACK)) == NULL) {
		out_pad(o, sp, d, len);
		return;
	}
	out_copy(p, sp->pre, sp->plen);
	p += sp->plen;
	for (i = 0; i < field; i += 8)
		memcpy(p + i, s + i, 8);
	out_copy(p + field, sp->rest, sp->rlen);
	o->tn += sp->plen + field + sp->rlen;
}

/* v (negative: its magnitude after a '-') in the field sp. */
static void
out_int_field(struct nb_out *o, const struct out_spec *sp, uint64_t mag, bool neg)
{
	char buf[OUT_NUMBUF + OUT_SLACK], *d;

	memset(buf, ' ', sizeof(buf));
	d = out_utoa(mag, buf + OUT_NUMBUF + 1);	/* its NUL at buf[OUT_NUMBUF] */
	if (neg)
		*--d = '-';
	out_num(o, sp, buf, d);
}

static void
out_text_u64(struct nb_out *o, enum nb_out_mode m, const char *fmt, uint64_t v)
{
	struct out_spec sp;

	if (!want_text(o, m, fmt))
		return;
	if (!out_spec(fmt, PRIu64, &sp)) {
		OUT_TEXT(o, m, fmt, v);
		return;
	}
	out_int_field(o, &sp, v, false);
}

static void
out_text_i64(struct nb_out *o, enum nb_out_mode m, const char *fmt, int64_t v)
{
	struct out_spec sp;

	if (!want_text(o, m, fmt))
		return;
	if (!out_spec(fmt, PRId64, &sp)) {
		OUT_TEXT(o, m, fmt, v);
		return;
	}
	out_int_field(o, &sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static void
out_text_str(struct nb_out *o, enum nb_out_mode m, const char *fmt, const char *v)
{
	struct out_spec sp;

	if (!want_text(o, m, fmt))
		return;
	if (!out_spec(fmt, "s", &sp)) {
		OUT_TEXT(o, m, fmt, v);
		return;
	}
	out_pad(o, &sp, v, strlen(v));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void
nb_out_u64(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, uint64_t v)
{
	out_value(o, m, key, want_json(o, m) ? json_object_new_uint64(v) : NULL);
	out_text_u64(o, m, fmt, v);
}

void
nb_out_i64(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, int64_t v)
{
	out_value(o, m, key, want_json(o, m) ? json_object_new_int64(v) : NULL);
	out_text_i64(o, m, fmt, v);
}

/*
 * A double for JSON in fixed point with the fewest decimals that read back
 * as the same double (9.26, not json-c's %.17g 9.2599999999999998), and a
 * ".0" on an integral value as json-c writes it; %.17g when no fixed form
 * fits (huge or tiny values).
 */
static struct json_object *
json_double(double v)
{
	char buf[40];
	int prec;

	if (!isfinite(v))
		return json_object_new_double(v);
	/* Fixed point with the fewest decimals that round-trip. */
	for (prec = 0; prec <= 17; prec++) {
		if (snprintf(buf, sizeof(buf), "%.*f", prec, v) >= (int)sizeof(buf)) {
			prec = 18;
			break;
		}
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec > 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	else if (strchr(buf, '.') == NULL)
		strcat(buf, ".0");
	return json_object_new_double_s(v, buf);
}

void
nb_out_double(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, double v)
{
	out_value(o, m, key, want_json(o, m) ? json_double(v) : NULL);
	OUT_TEXT(o, m, fmt, v);
}

void
nb_out_span(struct nb_out *o, int64_t t1_ns, int64_t t2_ns, const char *fmt)
{
	nb_out_i64(o, NB_OUT_JSON, "from_ns", NULL, t1_ns);
	nb_out_i64(o, NB_OUT_JSON, "to_ns", NULL, t2_ns);
	nb_out_double(o, NB_OUT_ANY, "seconds", fmt, (double)(t2_ns - t1_ns) / 1e9);
}

void
nb_out_str(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, const char *v)
{
	char *tmp = NULL;
	bool j = want_json(o, m), t = want_text(o, m, fmt);

	/* Made safe only where it is printed (a JSON-only value in a text run
	 * is checked for its key alone). */
	if (v != NULL && (j || t))
		v = out_safe(v, &tmp);
	out_value(o, m, key, j && v != NULL ? json_object_new_string(v) : NULL);
	if (t)
		out_text_str(o, m, fmt, v != NULL ? v : "");
	free(tmp);
}

void
nb_out_bool(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, bool v)
{
	out_value(o, m, key, want_json(o, m) ? json_object_new_boolean(v) : NULL);
	OUT_TEXT(o, m, fmt, v ? "true" : "false");
}

#pragma GCC diagnostic pop

void
nb_out_null(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt)
{
	out_value(o, m, key, NULL);
	/* The text is printed literally (no conversions): "-", "   -". */
	if (want_text(o, m, fmt))
		out_put(o, fmt, strlen(fmt));
}

void
nb_out_pad(struct nb_out *o, int n)
{
	char *p;

	if (o->json || n <= 0)
		return;
	if ((p = out_room(o, (size_t)n + OUT_SLACK)) == NULL) {
		while (n-- > 0)
			putc_unlocked(' ', o->fp);
		return;
	}
	out_fill(p, (size_t)n);
	o->tn += (size_t)n;
}

void
nb_out_text(struct nb_out *o, const char *fmt, ...)
{
	struct out_spec sp;
	const char *v;
	va_list ap;
	size_t len;

	if (o->json)
		return;
	if (out_literal(fmt, &len)) {		/* labels, separators: no parsing */
		out_put(o, fmt, len);
		return;
	}
	va_start(ap, fmt);
	if (out_spec(fmt, "s", &sp)) {		/* "%-13s ": one string, padded */
		v = va_arg(ap, const char *);
		out_pad(o, &sp, v, strlen(v));
	} else {
		out_flush(o);
		vfprintf(o->fp, fmt, ap);
	}
	va_end(ap);
}

void
nb_out_json(struct nb_out *o, const char *key, struct json_object *jo)
{
	if (!o->json) {
		json_object_put(jo);
		/* Still check the key discipline, as for any JSON value. */
		out_add(o, key, NULL);
		return;
	}
	out_add(o, key, jo);
}

/* ---- row formats ---- */

/*
 * Text prints a row from its template: the row's text with every value's
 * field spaces, the literals between them as they are. A row is the
 * template copied once, then each value written into its field: a value
 * that fits (most numbers and names) is its digits or bytes put in place.
 * One longer than its field moves the template after it along; one that
 * is not printable ASCII, a bool, "-" for an absent value in a field of
 * no width, are formatted by row_value first. When the buffer cannot take a row whole
 * the row goes through out_field, a field at a time, from where it is.
 */
enum row_op {
	ROW_NUM,	/* a number, right-justified */
	ROW_NUM_LEFT,	/* a number, left-justified */
	ROW_STR,	/* a string, either way */
	ROW_OTHER,	/* a bool, or a number in no width: row_value */
};

/* A value as text prints it. */
struct out_tfield {
	enum nb_out_ftype type;
	enum row_op	 op;
	unsigned	 idx;		/* in the row's values */
	uint64_t	 bit;		/* its bit in absent */
	uint64_t	 vmax;		/* the largest number that fits the width (ROW_NUM*) */
	size_t		 lit;		/* where its literal starts in the template */
	size_t		 off;		/* where its field starts */
	size_t		 end;		/* and ends */
	struct out_spec	 sp;		/* for out_field: the literal, width, justification */
	/* A ROW_NUM field starts a run of them up to run (the field after
	 * the last), whose bits in absent are runbits. */
	const struct out_tfield *run;
	uint64_t	 runbits;
};

/*
 * What JSON gets of a row, in order: values, and objects opened and
 * closed. The key is as out_safe makes it; fresh when it is inside an
 * object of the row and no other field of that object has it, so that
 * no row can repeat it.
 */
struct out_jfield {
	enum nb_out_ftype type;
	unsigned	 idx;		/* in the row's values */
	uint64_t	 bit;		/* its bit in absent; 0 for objects */
	const char	*key;		/* NULL in an array */
	bool		 fresh;
};

/*
 * text[] is followed by json[], then by the template, with OUT_SLACK zero
 * bytes after it (out_field reads literals eight bytes at a time), then
 * by the keys. In text the row's containers only move the emitter's
 * depth: the row nests at most deep below its level and leaves open the
 * open ones (kinds[]: objects, and last the array it may open).
 */
struct nb_out_row {
	struct out_jfield *json;
	size_t		 njson;
	int		 top;		/* row level: 1 keyed values, 0 unkeyed, -1 none */
	char		 wrong;		/* the container kind top excludes ('a', 'o', 0) */
	bool		 array;		/* its last field but literals opens an array */
	char		 kinds[NB_OUT_MAXDEPTH];	/* of the open containers it leaves */
	unsigned	 deep;
	unsigned	 open;
	const char	*tmpl;
	size_t		 tlen;
	size_t		 tail;		/* where the literal after the last value starts */
	size_t		 ntext;
	struct out_tfield text[];	/* the values text prints, in order */
};

/* Whether f's format parses for its type into *sp. */
static bool
row_format(const struct nb_out_field *f, struct out_spec *sp)
{
	if (f->type >= NB_OUT_F_OBJECT)	/* containers */
		return f->fmt == NULL;
	if (f->type == NB_OUT_F_LIT) {
		sp->pre = f->fmt;
		return f->fmt != NULL && out_literal(f->fmt, &sp->plen);
	}
	if (f->type == NB_OUT_F_U64)
		return out_spec(f->fmt, PRIu64, sp);
	if (f->type == NB_OUT_F_I64)
		return out_spec(f->fmt, PRId64, sp);
	return out_spec(f->fmt, "s", sp);
}

/* 10^i, i < 20. */
static const uint64_t out_pow10[] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
	UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
	UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
	UINT64_C(1000000000000000), UINT64_C(10000000000000000),
	UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
	UINT64_C(10000000000000000000)
};

/*
 * t, field i, f, with format sp: its text into the template tmpl at *pos
 * (its literal, its field of spaces, its text after the conversion); *lit
 * is where the literal before it starts, then the one after it. A negative
 * i64 never fits vmax (as a u64 it is above INT64_MAX).
 */
static void
row_field(struct out_tfield *t, const struct nb_out_field *f, size_t i, const struct out_spec *sp,
    char *tmpl, size_t *pos, size_t *lit)
{
	size_t w = sp->width;

	t->type = f->type;
	t->idx = (unsigned)i;
	t->bit = UINT64_C(1) << i;
	t->vmax = w >= 20 ? UINT64_MAX : out_pow10[w] - 1;
	if (t->type == NB_OUT_F_I64 && t->vmax > INT64_MAX)
		t->vmax = INT64_MAX;
	if (t->type == NB_OUT_F_STR)
		t->op = ROW_STR;
	else if (t->type == NB_OUT_F_BOOL || w == 0)
		t->op = ROW_OTHER;
	else
		t->op = sp->left ? ROW_NUM_LEFT : ROW_NUM;
	t->lit = *lit;
	t->off = *pos + sp->plen;
	t->end = *lit = t->off + w;
	memcpy(tmpl + *pos, sp->pre, sp->plen);
	memset(tmpl + t->off, ' ', w);
	memcpy(tmpl + *lit, sp->rest, sp->rlen);
	*pos = *lit + sp->rlen;
	t->sp = *sp;
	t->sp.pre = tmpl + t->lit;
	t->sp.plen = t->off - t->lit;
	t->sp.rest = "";
	t->sp.rlen = 0;
}

/*
 * JSON field i, f, into r->json: in the object opened by JSON field own
 * (-1: at the row's level), its key made safe into *keys. owner[] holds
 * each JSON field's own.
 */
static void
row_jfield(struct nb_out_row *r, const struct nb_out_field *f, size_t i, int own, int *owner,
    char **keys)
{
	struct out_jfield *j = &r->json[r->njson];
	char *tmp = NULL;
	const char *key;
	size_t k, len;

	j->type = f->type;
	j->idx = (unsigned)i;
	j->bit = f->type < NB_OUT_F_LIT ? UINT64_C(1) << i : 0;
	owner[r->njson] = own;
	if (f->key != NULL) {
		key = out_safe(f->key, &tmp);
		len = strlen(key) + 1;
		j->key = memcpy(*keys, key, len);
		*keys += len;
		free(tmp);
		j->fresh = own >= 0;
		for (k = 0; k < r->njson; k++)
			if (owner[k] == own && r->json[k].key != NULL &&
			    strcmp(r->json[k].key, j->key) == 0)
				j->fresh = false;
	}
	r->njson++;
}

int
nb_out_row_create(const struct nb_out_field *f, size_t n, struct nb_out_row **out)
{
	struct nb_out_row *r;
	struct out_spec sp;
	unsigned level = 0;
	size_t i, size = 0, ksize = 0, pos = 0, lit = 0;
	int owner[NB_OUT_ROW_MAX], opened[NB_OUT_MAXDEPTH + 1];
	char *tmpl, *keys, *tmp;
	int keyed;

	*out = NULL;
	if (n > NB_OUT_ROW_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {	/* the template's size (bad formats are refused below) */
		sp.width = 0;
		if (f[i].fmt != NULL && f[i].mode != NB_OUT_JSON && row_format(&f[i], &sp))
			size += strlen(f[i].fmt) + sp.width;
		if (f[i].key != NULL) {
			tmp = NULL;
			ksize += strlen(out_safe(f[i].key, &tmp)) + 1;
			free(tmp);
		}
	}
	if ((r = calloc(1, sizeof(*r) + n * (sizeof(r->text[0]) + sizeof(r->json[0])) + size +
	    OUT_SLACK + ksize)) == NULL)
		return -ENOMEM;
	r->json = (struct out_jfield *)&r->text[n];
	r->tmpl = tmpl = (char *)&r->json[n];
	keys = tmpl + size + OUT_SLACK;
	r->top = -1;
	for (i = 0; i < n; i++) {
		bool text = f[i].mode != NB_OUT_JSON && (f[i].fmt != NULL ||
		    f[i].type >= NB_OUT_F_OBJECT);
		size_t vi = f[i].val != 0 ? f[i].val - 1 : i;	/* its value's number */

		if (vi >= NB_OUT_ROW_MAX)
			goto bad;
		if (f[i].type > NB_OUT_F_ARRAY || (text && !row_format(&f[i], &sp)))
			goto bad;
		if (r->array && f[i].type != NB_OUT_F_LIT)
			goto bad;	/* only literals after the row's array */
		if (f[i].type >= NB_OUT_F_OBJECT && f[i].mode != NB_OUT_ANY)
			goto bad;	/* containers are both text's and JSON's */
		if (f[i].type == NB_OUT_F_CLOSE) {
			if (level-- == 0)
				goto bad;	/* closes what the row did not open */
		} else if (f[i].type != NB_OUT_F_LIT && f[i].mode != NB_OUT_TEXT) {
			/* Inside the row's objects every value has a key; at the
			 * row's level all or none do (the caller's container). */
			keyed = f[i].key != NULL;
			if (level > 0 ? !keyed : r->top >= 0 && r->top != keyed)
				goto bad;
			if (level == 0)
				r->top = keyed;
		}
		if (f[i].type != NB_OUT_F_LIT && f[i].mode != NB_OUT_TEXT)
			row_jfield(r, &f[i], vi, level > 0 ? opened[level] : -1, owner, &keys);
		if ((f[i].type == NB_OUT_F_OBJECT || f[i].type == NB_OUT_F_ARRAY) &&
		    ++level > NB_OUT_MAXDEPTH)
			goto bad;
		if (f[i].type == NB_OUT_F_OBJECT)
			opened[level] = (int)r->njson - 1;
		r->array = f[i].type == NB_OUT_F_ARRAY || r->array;
		if (level > r->deep)
			r->deep = level;
		if (!text || f[i].type >= NB_OUT_F_OBJECT)
			continue;
		if (f[i].type == NB_OUT_F_LIT) {
			memcpy(tmpl + pos, sp.pre, sp.plen);
			pos += sp.plen;
			continue;
		}
		row_field(&r->text[r->ntext++], &f[i], vi, &sp, tmpl, &pos, &lit);
	}
	for (i = r->ntext; i-- > 0;) {	/* the runs of ROW_NUM fields, from the end */
		struct out_tfield *t = &r->text[i];

		if (t->op != ROW_NUM)
			continue;
		t->run = t + 1;
		t->runbits = t->bit;
		if (i + 1 < r->ntext && t[1].op == ROW_NUM) {
			t->run = t[1].run;
			t->runbits |= t[1].runbits;
		}
	}
	r->wrong = '\0';
	if (r->top >= 0)
		r->wrong = r->top == 1 ? 'a' : 'o';
	r->open = level;
	memset(r->kinds, 'o', level);
	if (r->array)
		r->kinds[level - 1] = 'a';
	r->tlen = pos;
	r->tail = lit;
	*out = r;
	return 0;
bad:
	free(r);
	return -EINVAL;
}

void
nb_out_row_destroy(struct nb_out_row **rp)
{
	if (rp != NULL) {
		free(*rp);
		*rp = NULL;
	}
}

uint64_t
nb_out_row_reads(const struct nb_out_row *r, const struct nb_out *o)
{
	uint64_t reads = 0;
	size_t i;

	if (o->json)
		for (i = 0; i < r->njson; i++)
			reads |= r->json[i].bit;	/* 0 for objects */
	else
		for (i = 0; i < r->ntext; i++)
			reads |= r->text[i].bit;
	return reads;
}

/*
 * A row in JSON, absent values left out: what the calls above would add,
 * their checks made at create and by nb_out_row, but for keys a row may
 * repeat.
 */
static void
row_json(struct nb_out *o, const struct nb_out_row *r, const union nb_out_val *v, uint64_t absent)
{
	const struct out_jfield *j, *end = r->json + r->njson;
	struct json_object *jo;
	const union nb_out_val *x;
	char *tmp;

	for (j = r->json; j < end; j++) {
		x = &v[j->idx];
		tmp = NULL;
		if ((absent & j->bit) != 0)
			continue;
		switch (j->type) {
		case NB_OUT_F_U64:
			jo = json_object_new_uint64(x->u);
			break;
		case NB_OUT_F_I64:
			jo = json_object_new_int64(x->i);
			break;
		case NB_OUT_F_STR:
			jo = x->s != NULL ? json_object_new_string(out_safe(x->s, &tmp)) : NULL;
			free(tmp);
			break;
		case NB_OUT_F_BOOL:
			jo = json_object_new_boolean(x->b);
			break;
		case NB_OUT_F_OBJECT:
			jo = out_container(o, 'o');
			break;
		case NB_OUT_F_ARRAY:
			jo = out_container(o, 'a');
			break;
		default:
			nb_out_close_object(o);
			continue;
		}
		if (j->fresh)
			json_object_object_add_ex(o->stack[o->depth], j->key, jo,
			    JSON_C_OBJECT_ADD_KEY_IS_NEW);
		else
			out_attach(o, j->key, jo);
		if (j->type == NB_OUT_F_OBJECT || j->type == NB_OUT_F_ARRAY)
			out_push(o, j->type == NB_OUT_F_ARRAY ? 'a' : 'o', jo);
	}
}

/* The number of decimal digits of v: from its bit length (log10 2 ~ 1233 / 4096). */
static inline size_t
out_ndigits(uint64_t v)
{
	unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return t + 1 - ((v | 1) < out_pow10[t]);
}

/*
 * Whether a byte of x is not printable ASCII (below 0x20, or 0x7f and
 * up): y = x + 1 a byte is then below 0x21 or has its top bit. A carry
 * or borrow only crosses into the byte above a byte found.
 */
static inline uint64_t
out_unprintable(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	uint64_t y = x + ones;

	return (y | ((y - 0x21 * ones) & ~y)) & 0x80 * ones;
}

/*
 * s[0..n) copied to d, reading no byte past it, as out_copy does; whether
 * it is all printable ASCII (a byte a column, left as it is by escaping).
 */
static inline __attribute__((always_inline)) bool
out_copy_ascii(char *d, const char *s, size_t n)
{
	uint64_t x, y, bad = 0;
	uint32_t a, b;
	size_t i;

	if (n > 16) {		/* whole words, the last one overlapping */
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&x, s + i, 8);
			memcpy(d + i, &x, 8);
			bad |= out_unprintable(x);
		}
		memcpy(&x, s + n - 8, 8);
		memcpy(d + n - 8, &x, 8);
		return (bad | out_unprintable(x)) == 0;
	}
	if (n >= 8) {		/* two words, overlapping */
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + n - 8, &y, 8);
		return (out_unprintable(x) | out_unprintable(y)) == 0;
	}
	if (n >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
		return out_unprintable(a | (uint64_t)b << 32) == 0;
	}
	if (n == 0)
		return true;
	d[0] = s[0];
	d[n / 2] = s[n / 2];
	d[n - 1] = s[n - 1];
	x = (unsigned char)s[0] | (unsigned)(unsigned char)s[n / 2] << 8 |
	    (unsigned)(unsigned char)s[n - 1] << 16 | UINT64_C(0x2020202020000000);
	return out_unprintable(x) == 0;
}

/*
 * The text of value x of t: "-" when absent; escaped for a string, *tmp
 * then the copy to free. Its length in *len, its display columns in
 * *cols (UTF-8 characters). buf holds a number's digits.
 */
static const char *
row_text(const struct out_tfield *t, const union nb_out_val *x, bool absent, char (*buf)[24],
    char **tmp, size_t *len, size_t *cols)
{
	const unsigned char *p;
	const char *s;
	char *d;

	*tmp = NULL;
	if (absent)
		s = "-";
	else if (t->type == NB_OUT_F_BOOL)
		s = x->b ? "true" : "false";
	else if (t->type == NB_OUT_F_STR)
		s = out_safe(x->s != NULL ? x->s : "", tmp);
	else {
		d = out_digits(t->type == NB_OUT_F_I64 && x->i < 0 ? 0 - x->u : x->u,
		    *buf + sizeof(*buf));
		if (t->type == NB_OUT_F_I64 && x->i < 0)
			*--d = '-';
		*len = *cols = (size_t)(*buf + sizeof(*buf) - d);
		return d;
	}
	*len = strlen(s);
	for (*cols = 0, p = (const unsigned char *)s; *p != '\0'; p++)
		*cols += (*p & 0xc0) != 0x80;
	return s;
}

/* Whether the buffer takes the row starting at b made wider by `wider` bytes. */
static inline bool
row_fits(const struct nb_out *o, const struct nb_out_row *r, const char *b, size_t wider)
{
	return wider + r->tlen + OUT_SLACK <= (size_t)(o->tb + sizeof(o->tb) - b);
}

/*
 * Room to make the field of t, in the row whose template starts at b,
 * total bytes long: the rest of the template copied to after it. Its
 * start, or NULL if the buffer cannot take it.
 */
static char *
row_widen(struct nb_out *o, const struct nb_out_row *r, const struct out_tfield *t, char *b,
    size_t total)
{
	char *p = b + t->off;

	if (!row_fits(o, r, b, total - t->sp.width))
		return NULL;
	memcpy(p + total, r->tmpl + t->end, r->tlen - t->end + OUT_SLACK);
	return p;
}

/*
 * Value x of t, as the fast paths of nb_out_row do not write it, in its
 * field of the row at b; NULL if the buffer cannot take it, else where
 * the row now starts (b moved by what the value takes beyond its width:
 * returned, not through &b, which would keep nb_out_row's b out of a
 * register). Not inlined: in nb_out_row's loop it costs every field
 * registers.
 */
static __attribute__((noinline)) char *
row_value(struct nb_out *o, const struct nb_out_row *r, const struct out_tfield *t,
    const union nb_out_val *x, bool absent, char *b)
{
	size_t len, cols, pad, w = t->sp.width;
	char buf[24], *tmp, *p;
	const char *s;

	s = row_text(t, x, absent, &buf, &tmp, &len, &cols);
	pad = w > cols ? w - cols : 0;
	if ((p = row_widen(o, r, t, b, pad + len)) == NULL) {
		free(tmp);
		return NULL;
	}
	memset(t->sp.left ? p + len : p, ' ', pad);
	memcpy(t->sp.left ? p : p + pad, s, len);
	free(tmp);
	return b + pad + len - w;
}

/*
 * The rest of a row, from field t on, a field at a time through
 * out_field; what is before t's literal is in the buffer.
 */
static void
row_fields(struct nb_out *o, const struct nb_out_row *r, const struct out_tfield *t,
    const union nb_out_val *v, uint64_t absent)
{
	const struct out_tfield *end = r->text + r->ntext;
	char buf[24], *tmp;
	size_t len, cols;
	const char *s;

	for (; t < end; t++) {
		s = row_text(t, &v[t->idx], (absent & t->bit) != 0, &buf, &tmp, &len, &cols);
		out_field(o, &t->sp, s, len, cols, true);
		free(tmp);
	}
	out_put(o, r->tmpl + r->tail, r->tlen - r->tail);
}

/*
 * The row's template copied to b, the start of the row in the buffer,
 * and the first field to fill returned. A first field that is a string
 * wider than its width (a name in "%-5s ": "enp0s31f6") is written as the
 * copy is made: the rest of the template is copied once, after it, instead
 * of copied and then moved along by row_widen; *bp then moves by the
 * widening. Any other first field (and one that is not printable ASCII or
 * does not fit the buffer) is left to nb_out_row's loop.
 */
static inline __attribute__((always_inline)) const struct out_tfield *
row_start(const struct nb_out *o, const struct nb_out_row *r, const union nb_out_val *v,
    uint64_t absent, char **bp)
{
	const struct out_tfield *t = r->text;
	char *b = *bp;
	const char *s;
	size_t len;

	if (r->ntext > 0 && t->op == ROW_STR && (absent & t->bit) == 0) {
		s = v[t->idx].s != NULL ? v[t->idx].s : "";
		len = strlen(s);
		if (len > t->sp.width && row_fits(o, r, b, len - t->sp.width)) {
			if (t->off != 0)
				memcpy(b, r->tmpl, t->off);
			if (out_copy_ascii(b + t->off, s, len)) {
				memcpy(b + t->off + len, r->tmpl + t->end,
				    r->tlen - t->end + OUT_SLACK);
				*bp = b + len - t->sp.width;
				return t + 1;
			}
		}
	}
	memcpy(b, r->tmpl, r->tlen);
	return t;
}

/*
 * The checks of the row's context, each with its reason (a failed one
 * aborts); then a JSON row is emitted (false), a text one is for the
 * caller (true). nb_out_row makes the checks inline for text, in one
 * condition, and comes here for JSON or when one fails.
 */
static __attribute__((noinline)) bool
row_checked(struct nb_out *o, const struct nb_out_row *r, const union nb_out_val *v,
    uint64_t absent)
{
	if (!o->in_record)
		out_die("row outside a record");
	if (r->top >= 0 && r->top == (o->kind[o->depth] == 'a'))
		out_die(r->top ? "row with keys inside an array" : "row without keys inside an object");
	if (o->json) {
		row_json(o, r, v, absent);
		return false;
	}
	if (o->depth + r->deep > NB_OUT_MAXDEPTH)
		out_die("nesting deeper than %d", NB_OUT_MAXDEPTH);
	return true;
}

void
nb_out_row(struct nb_out *o, const struct nb_out_row *r, const union nb_out_val *v,
    uint64_t absent)
{
	const struct out_tfield *t, *end = r->text + r->ntext;
	const union nb_out_val *x;
	size_t len, i;
	const char *s;
	char *b, *p;

	if (o->json || !o->in_record || o->kind[o->depth] == r->wrong ||
	    o->depth + r->deep > NB_OUT_MAXDEPTH) {
		if (!row_checked(o, r, v, absent))
			return;
	}
	/* the kinds of the containers it leaves open, eight at once (kind[]
	 * has room; what is past the new depth means nothing) */
	if (r->open <= 8)
		memcpy(o->kind + o->depth + 1, r->kinds, 8);
	else
		for (i = 0; i < r->open; i++)
			o->kind[o->depth + 1 + i] = r->kinds[i];
	o->depth += r->open;
	if (out_room(o, r->tlen + OUT_SLACK) == NULL) {
		row_fields(o, r, r->text, v, absent);
		return;
	}
	b = o->tb + o->tn;
	for (t = row_start(o, r, v, absent, &b); t < end; t++) {
		/* A run of right-justified numbers none absent (counters): a
		 * value at a time, a digit one store; any that does not fit
		 * its width goes the way below. */
		if (t->op == ROW_NUM && (absent & t->runbits) == 0) {
			const struct out_tfield *e = t->run;
			uint64_t u;

			do {
				u = v[t->idx].u;
				if (u < 10)
					b[t->end - 1] = (char)('0' + u);
				else if (u <= t->vmax)
					out_digits(u, b + t->end);
				else
					break;
			} while (++t < e);
			if (t == e) {
				t--;	/* (the loop's t++) */
				continue;
			}
		}
		x = &v[t->idx];
		if ((absent & t->bit) != 0) {
			if (t->sp.width != 0) {
				b[t->sp.left ? t->off : t->end - 1] = '-';
				continue;
			}
		} else if (t->op == ROW_NUM && x->u <= t->vmax) {
			out_digits(x->u, b + t->end);
			continue;
		} else if (t->op == ROW_NUM_LEFT && x->u <= t->vmax) {
			out_digits(x->u, b + t->off + out_ndigits(x->u));
			continue;
		} else if (t->op == ROW_STR) {
			s = x->s != NULL ? x->s : "";
			len = strlen(s);
			if (len <= t->sp.width) {
				p = b + (t->sp.left ? t->off : t->end - len);
				if (out_copy_ascii(p, s, len))
					continue;
			} else if ((p = row_widen(o, r, t, b, len)) != NULL &&
			    out_copy_ascii(p, s, len)) {
				b += len - t->sp.width;
				continue;
			}
		}
		if ((p = row_value(o, r, t, x, (absent & t->bit) != 0, b)) == NULL) {
			o->tn = (size_t)(b + t->lit - o->tb);
			row_fields(o, r, t, v, absent);
			return;
		}
		b = p;
	}
	o->tn = (size_t)(b + r->tlen - o->tb);
}
