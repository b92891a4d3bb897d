/* SPDX-License-Identifier: BSD-2-Clause */
/* config.c - nbstatd's configuration: defaults, then the file (key = value), then the command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>

#include "nbstatd.h"

static int
set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Set one key from its text; on error, why in err. */
static int
conf_set(struct conf *c, const char *key, const char *v, char *err, size_t errlen)
{
	const char *why = NULL;
	char **names;
	size_t n;
	char *end;
	double d;

	if (strcmp(key, "interval") == 0) {
		errno = 0;
		d = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0 || !(d >= 0.01 && d <= 86400)) {
			snprintf(err, errlen, "interval: '%s' is not a number of seconds in [0.01, 86400]", v);
			return -1;
		}
		c->interval = d;
		return 0;
	}
	if (strcmp(key, "retain") == 0) {
		if (strcmp(v, "0") == 0) {
			c->retain_ns = 0;
			return 0;
		}
		if (nb_parse_duration(v, &c->retain_ns, &why) != 0) {
			snprintf(err, errlen, "retain: '%s': %s", v, why != NULL ? why : "bad duration");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "subtrees") == 0) {
		if (conf_subtrees(v, &names, &n) != 0) {
			snprintf(err, errlen, "subtrees: '%s' is not a comma-separated list of names", v);
			return -1;
		}
		nb_strv_free(names, n);
		return set_str(&c->subtrees, v);
	}
	if (strcmp(key, "http") == 0) {
		if (http_addr_check(v) != 0) {
			snprintf(err, errlen, "http: '%s' is not ADDR:PORT (IPv4, [IPv6] or *)", v);
			return -1;
		}
		return set_str(&c->http, v);
	}
	if (strcmp(key, "source") == 0) {
		if (strcmp(v, "linux") != 0 && strcmp(v, "sim") != 0) {
			snprintf(err, errlen, "source: '%s' is not linux or sim", v);
			return -1;
		}
		return set_str(&c->source, v);
	}
	if (*v == '\0' && strcmp(key, "source-args") != 0) {
		snprintf(err, errlen, "%s: empty value", key);
		return -1;
	}
	if (strcmp(key, "socket") == 0)
		return set_str(&c->socket, v);
	if (strcmp(key, "record") == 0)
		return set_str(&c->record, v);
	if (strcmp(key, "source-args") == 0)
		return set_str(&c->source_args, v);
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
conf_file(struct conf *c, const char *path, bool must, char *err, size_t errlen)
{
	char *line = NULL, *k, *v, *eq, why[256];
	size_t cap = 0;
	unsigned lineno = 0;
	int ret = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "%s:%u: '%s': not key = value", path, lineno, k);
			ret = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (conf_set(c, k, v, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(fp);
	return ret;
}

int
conf_load(struct conf *c, const char *path, bool must, const struct kv *cli, size_t ncli,
    char *err, size_t errlen)
{
	char why[256];

	memset(c, 0, sizeof(*c));
	c->interval = 10;
	if (set_str(&c->socket, NBSTATD_SOCKET) != 0 || set_str(&c->source, "linux") != 0) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	if (conf_file(c, path, must, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < ncli; i++) {
		if (conf_set(c, cli[i].key, cli[i].value, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "--%s", why);
			return -1;
		}
	}
	if (c->source_args != NULL && *c->source_args == '\0') {
		free(c->source_args);
		c->source_args = NULL;
	}
	return 0;
}

void
conf_free(struct conf *c)
{
	free(c->socket);
	free(c->record);
	free(c->subtrees);
	free(c->http);
	free(c->source);
	free(c->source_args);
	memset(c, 0, sizeof(*c));
}

int
conf_subtrees(const char *list, char ***out, size_t *nout)
{
	char **v = NULL, *copy, *tok, *save = NULL, **nv, **comp;
	unsigned ncomp;
	size_t n = 0;

	if ((copy = strdup(list)) == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		tok[strcspn(tok, " ")] = '\0';
		if (nb_sysctl_name_split(tok, &comp, NULL, &ncomp) != 0 || ncomp == 0)
			goto bad;
		free(comp);
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			goto bad;
		v = nv;
		if ((v[n] = strdup(tok)) == NULL)
			goto bad;
		n++;
	}
	free(copy);
	if (n == 0)
		return -EINVAL;
	*out = v;
	*nout = n;
	return 0;
bad:
	free(copy);
	nb_strv_free(v, n);
	return -EINVAL;
}
