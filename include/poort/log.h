/*
 * Logging: levels, one line per event, key=value fields a person can grep.
 * Values that come from the network go through log_escape() first.
 * Never pass a password, key or secret to these functions.
 */
#ifndef POORT_LOG_H
#define POORT_LOG_H

#include <stddef.h>
#include <time.h>

enum log_level {
	LOG_LVL_DEBUG,
	LOG_LVL_INFO,
	LOG_LVL_NOTICE,
	LOG_LVL_WARNING,
	LOG_LVL_ERROR,
};

void log_init(const char *progname, enum log_level level, int use_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_level_parse(const char *name, enum log_level *out);
void log_close(void);
/*
 * Debug and info lines (one per request) are buffered so a burst of
 * requests costs one write; the daemon calls log_flush() after each turn of
 * its event loop. Notices, warnings and errors are written at once.
 */
void log_flush(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

/*
 * Copies untrusted bytes into out as a printable, space-free token:
 * bytes outside 0x21..0x7e (and '"', '\\', '=') become \xNN. Always
 * NUL-terminates; truncates with "..." when out is too small. Returns out.
 */
char *log_escape(char *out, size_t outlen, const void *in, size_t inlen);

/* At most `burst` events per `interval` seconds; the rest are counted. */
struct log_ratelimit {
	time_t window_start;
	unsigned interval;
	unsigned burst;
	unsigned count;
	unsigned suppressed;
};

/*
 * Returns 1 when the event may be logged. *suppressed is set to the number
 * of events dropped since the last one allowed, so the caller can say so.
 */
int log_ratelimit_allow(struct log_ratelimit *rl, time_t now, unsigned *suppressed);

#endif
