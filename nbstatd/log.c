/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c - nbstatd's log: one line per message on stderr (journald under systemd). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nbstatd.h"

void
logm(enum log_level lv, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_ERR_] = "error",
		[LOG_WARNING_] = "warning",
		[LOG_NOTICE_] = "notice",
		[LOG_INFO_] = "info",
	};
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* journald reads the level from a "<N>" prefix (SyslogLevelPrefix=yes). */
	if (getenv("JOURNAL_STREAM") != NULL)
		fprintf(stderr, "<%d>%s: %s\n", (int)lv, names[lv], buf);
	else
		fprintf(stderr, "nbstatd: %s: %s\n", names[lv], buf);
}
