/*
 * A minimal unit-test harness: CHECK records a failure and goes on, so one
 * run shows every broken assertion. main() ends with TEST_DONE(), which
 * prints "N passed, N failed" and returns non-zero on any failure.
 */
#ifndef POORT_TEST_H
#define POORT_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (cond) {                                                               \
			test_passed++;                                                    \
		} else {                                                                  \
			test_failed++;                                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                         \
	} while (0)

#define CHECK_INT(a, b)                                                                   \
	do {                                                                              \
		long long va_ = (long long)(a), vb_ = (long long)(b);                     \
		if (va_ == vb_) {                                                         \
			test_passed++;                                                    \
		} else {                                                                  \
			test_failed++;                                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",   \
				__FILE__, __LINE__, #a, #b, va_, vb_);                    \
		}                                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *sa_ = (a), *sb_ = (b);                                        \
		if (sa_ != NULL && sb_ != NULL && strcmp(sa_, sb_) == 0) {                \
			test_passed++;                                                    \
		} else {                                                                  \
			test_failed++;                                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
				__FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",         \
				sb_ ? sb_ : "(null)");                                    \
		}                                                                         \
	} while (0)

#define TEST_DONE()                                                                       \
	do {                                                                              \
		printf("%d passed, %d failed\n", test_passed, test_failed);               \
		return test_failed == 0 ? 0 : 1;                                          \
	} while (0)

#endif
