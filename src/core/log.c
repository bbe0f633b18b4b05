#include "poort/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <syslog.h>

static const char *log_progname = "poort";
static enum log_level log_level_cur = LOG_LVL_INFO;
static int log_syslog;
static char log_buf[1 << 16];
static int log_buffered;

static const char *const log_names[] = {"debug", "info", "notice", "warning", "error"};
static const int log_syslog_prio[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR};

void
log_init(const char *progname, enum log_level level, int use_syslog)
{
	log_progname = progname;
	log_level_cur = level;
	if (!log_buffered) {
		setvbuf(stderr, log_buf, _IOFBF, sizeof(log_buf));
		log_buffered = 1;
	}
	if (use_syslog && !log_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!use_syslog && log_syslog)
		closelog();
	log_syslog = use_syslog;
}

void
log_set_level(enum log_level level)
{
	log_level_cur = level;
}

enum log_level
log_get_level(void)
{
	return log_level_cur;
}

int
log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_flush(void)
{
	fflush(stderr);
}

void
log_close(void)
{
	fflush(stderr);
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

/*
 * "YYYY-MM-DDTHH:MM:SS" of sec, formatted once per second and thread: the
 * proxy logs two lines per request, and fprintf's formatting of the stamp
 * was the larger half of their cost.
 */
static const char *
log_stamp(time_t sec)
{
	static __thread time_t done = -1;
	static __thread char text[64];
	struct tm tm;

	if (sec != done) {
		gmtime_r(&sec, &tm);
		snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		done = sec;
	}
	return text;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	enum { MSG_MAX = 2048 };
	char line[128 + MSG_MAX + 1];
	struct timeval tv;
	va_list ap;
	size_t n, pre;
	int m;

	if (level < log_level_cur)
		return;
	gettimeofday(&tv, NULL);
	/* the prefix, then the message (at most MSG_MAX - 1 bytes, as ever), then \n */
	m = snprintf(line, 128, "%s.%03ldZ %s %s: ", log_stamp(tv.tv_sec), (long)(tv.tv_usec / 1000),
		     log_progname, log_names[level]);
	n = pre = m < 0 ? 0 : (size_t)m < 128 ? (size_t)m : 127;
	va_start(ap, fmt);
	m = vsnprintf(line + n, MSG_MAX, fmt, ap);
	va_end(ap);
	if (m > 0)
		n += (size_t)m < MSG_MAX ? (size_t)m : MSG_MAX - 1;

	if (log_syslog) /* the message alone: syslog stamps and names it itself */
		syslog(log_syslog_prio[level], "%s", line + pre);
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
	if (level >= LOG_LVL_NOTICE)
		fflush(stderr);
}

char *
log_escape(char *out, size_t outlen, const void *in, size_t inlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t o = 0;

	if (outlen == 0)
		return out;
	if (in == NULL || inlen == 0) {
		snprintf(out, outlen, "-");
		return out;
	}
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = p[i];
		int plain = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
		size_t need = plain ? 1 : 4;
		if (o + need + 4 > outlen) {
			/* leave room for "..." and the NUL */
			if (o + 4 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o < outlen ? o : outlen - 1] = '\0';
	return out;
}

int
log_ratelimit_allow(struct log_ratelimit *rl, time_t now, unsigned *suppressed)
{
	*suppressed = 0;
	if (now - rl->window_start >= (time_t)rl->interval) {
		*suppressed = rl->suppressed;
		rl->window_start = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count < rl->burst) {
		rl->count++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}
