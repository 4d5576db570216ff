/*
 * A minimal assertion harness for the unit tests: each CHECK counts, main
 * returns failure if any failed.  SKIP(reason) records a part that could not
 * run (a database whose URI is unset): it is counted and its reason printed,
 * never counted as passing.  With SWGR_TEST_REQUIRE_DBS=1 in the environment a
 * skip is a failure instead, so no part of the suite can vanish silently.
 */
#ifndef SWGR_T_H
#define SWGR_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail, t_skipped;

/* SWGR_TEST_REQUIRE_DBS set to anything but "" or "0": skips are failures. */
static inline int
t_skips_fail(void)
{
	const char *v = getenv("SWGR_TEST_REQUIRE_DBS");

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

static inline void
t_skip(const char *file, int line, const char *reason)
{
	if (t_skips_fail()) {
		t_fail++;
		fprintf(stderr, "%s:%d: SKIP not allowed (SWGR_TEST_REQUIRE_DBS=1), "
		    "counted as failed: %s\n", file, line, reason);
	} else {
		t_skipped++;
		printf("%s:%d: SKIPPED: %s\n", file, line, reason);
	}
}

#define SKIP(reason)	t_skip(__FILE__, __LINE__, (reason))

#define CHECK(cond) do {						\
	if (cond) {							\
		t_pass++;						\
	} else {							\
		t_fail++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

/* An unconditional failure with a message saying what went wrong. */
#define FAIL(msg) do {							\
	t_fail++;							\
	fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, (msg)); \
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {		\
		t_pass++;						\
	} else {							\
		t_fail++;						\
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, g_ ? g_ : "(null)",		\
		    w_ ? w_ : "(null)");				\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ == w_) {							\
		t_pass++;						\
	} else {							\
		t_fail++;						\
		fprintf(stderr, "%s:%d: %s = %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

/* An input and what a function of one string must give for it. */
struct t_str_case {
	const char	*in, *want;
};

/*
 * CHECK_STR(fn(rows[i].in), rows[i].want) for each row of the array rows, one
 * check a row; a failure names the row and its input.
 */
#define CHECK_STR_ROWS(fn, rows)					\
	t_str_rows(__FILE__, __LINE__, (fn), (rows), sizeof(rows) / sizeof((rows)[0]))

static inline void
t_str_rows(const char *file, int line, const char *(*fn)(const char *),
    const struct t_str_case *rows, size_t n)
{
	const char *g;
	size_t i;

	for (i = 0; i < n; i++) {
		g = fn(rows[i].in);
		if (g != NULL && strcmp(g, rows[i].want) == 0) {
			t_pass++;
			continue;
		}
		t_fail++;
		fprintf(stderr, "%s:%d: row %zu, \"%s\": got \"%s\", want \"%s\"\n", file,
		    line, i, rows[i].in, g ? g : "(null)", rows[i].want);
	}
}

/*
 * Prints the closing line "NAME: P passed, F failed, S skipped" and gives
 * main's return value: 0 if nothing failed and something passed; 77
 * (automake's SKIP) if nothing failed or passed but something was skipped;
 * otherwise 1 (also when nothing at all was checked).
 */
static inline int
t_done(const char *name)
{
	printf("%s: %d passed, %d failed, %d skipped\n", name, t_pass, t_fail,
	    t_skipped);
	if (t_fail == 0 && t_pass > 0)
		return 0;
	if (t_fail == 0 && t_skipped > 0)
		return 77;
	return 1;
}

#endif
