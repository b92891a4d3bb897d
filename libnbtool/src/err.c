/* SPDX-License-Identifier: BSD-2-Clause */
/* err.c - "tool: message" diagnostics and exits for the nb* tools. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"

static const char *nb_progname = "nbtool";

void
nb_tool_init(const char *progname)
{
	const char *p;

	nb_heap_init();
	if (progname == NULL || *progname == '\0')
		return;
	if ((p = strrchr(progname, '/')) != NULL && p[1] != '\0')
		progname = p + 1;
	nb_progname = progname;
}

const char *
nb_tool_name(void)
{
	return nb_progname;
}

static void
vwarnx(const char *fmt, va_list ap)
{
	/* stdout may hold partial data: keep the order sane on a terminal. */
	fflush(stdout);
	fprintf(stderr, "%s: ", nb_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
nb_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

_Noreturn void
nb_errx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(code);
}

_Noreturn void
nb_usagex(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: see '%s --help'\n", nb_progname);
	exit(NB_EXIT_USAGE);
}

void
nb_bad_option(int opt, char *const argv[])
{
	const char *arg = argv[optind - 1];

	if (opt == ':') {
		if (optopt != 0 && optopt < 0x100)
			nb_usagex("-%c: option requires an argument", optopt);
		nb_usagex("%s: option requires an argument", arg);
	}
	if (optopt != 0 && optopt < 0x100)
		nb_usagex("-%c: unknown option", optopt);
	nb_usagex("%s: unknown option", arg);
}
