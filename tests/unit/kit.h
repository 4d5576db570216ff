/*
 * What the unit programs share besides t.h: where the sources are, one
 * temporary directory removed at exit, files written and read whole, child
 * processes (the simulators, the HTTP peer) stopped at exit or on a fatal
 * signal, and the substring tests that say what they got.  kit.c holds no
 * CHECK: the counts stay each program's own.
 */
#ifndef SWGR_TEST_KIT_H
#define SWGR_TEST_KIT_H

#include <stddef.h>
#include <sys/types.h>

#define KIT_PYTHON	"/usr/bin/python3"

/* The top of the source tree: $srcdir, else from file (a program's __FILE__), else ".". */
const char	*kit_srcdir(const char *file);

/* 10 when running under valgrind (its LD_PRELOAD), else 1: the scale of the programs' timeouts. */
double		 kit_slow(void);

/*
 * Creates /tmp/swgr-test-NAME.XXXXXX (exits 1 if it cannot) and returns its
 * path.  At exit the children still running are stopped, then the directory
 * is removed with all it holds, unless KEEP_TMP is set.  Once per program.
 */
const char	*kit_tmpdir(const char *name);

/* Writes text to path and gives it mode; exits 1 if it cannot. */
void		 kit_write(const char *path, const char *text, mode_t mode);

/* The whole file as a malloc'd string, "" when it is missing. */
char		*kit_slurp(const char *path);

/* True if hay contains needle (lacks: does not); says on stderr what it got when not. */
int		 kit_contains(const char *hay, const char *needle);
int		 kit_lacks(const char *hay, const char *needle);

/*
 * Starts prog with the arguments that follow (NULL-terminated, as execl),
 * stdout and stderr to the file log, without valgrind's LD_PRELOAD, killed
 * when this program dies.  Exits 1 if it cannot fork.  The first start
 * installs handlers that stop the children on SIGINT, SIGTERM, SIGSEGV and
 * SIGABRT.
 */
pid_t		 kit_spawn(const char *log, const char *prog, ...);

/* If child *pid has exited: reaps it, sets *pid to 0, returns 1; else 0. */
int		 kit_exited(pid_t *pid);

/* Stops child *pid (SIGTERM, then waits) if it is > 0 and sets it to 0. */
void		 kit_stop(pid_t *pid);

/* Prints "WHAT did not start; its log:" and the file log on stderr, then exits 1. */
void		 kit_no_start(const char *what, const char *log);

#endif
