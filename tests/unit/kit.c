/* The scaffolding the unit programs share (kit.h): source tree, temporary directory, files, children. */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "kit.h"

#define KIT_KIDS	16
#define KIT_ARGS	32

static char kit_dir[64];
static pid_t kit_kids[KIT_KIDS];

const char *
kit_srcdir(const char *file)
{
	static char dir[512];
	const char *env = getenv("srcdir"), *tail = "tests/unit/", *base = strrchr(file, '/');
	size_t keep;

	if (env != NULL) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	snprintf(dir, sizeof(dir), ".");
	if (base == NULL || (keep = (size_t)(base + 1 - file)) < strlen(tail) ||
	    strncmp(base + 1 - strlen(tail), tail, strlen(tail)) != 0)
		return dir;
	keep -= strlen(tail);
	if (keep > 1)			/* "/top/" less its slash; "" and "/" stay as they are */
		keep--;
	if (keep > 0)
		snprintf(dir, sizeof(dir), "%.*s", (int)keep, file);
	return dir;
}

double
kit_slow(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return pre != NULL && strstr(pre, "valgrind") != NULL ? 10 : 1;
}

static void
kit_forget(pid_t pid)
{
	size_t i;

	for (i = 0; i < KIT_KIDS; i++)
		if (kit_kids[i] == pid)
			kit_kids[i] = 0;
}

int
kit_exited(pid_t *pid)
{
	if (*pid <= 0 || waitpid(*pid, NULL, WNOHANG) != *pid)
		return 0;
	kit_forget(*pid);
	*pid = 0;
	return 1;
}

void
kit_stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	kit_forget(*pid);
	*pid = 0;
}

static void
kit_cleanup(void)
{
	char cmd[128];
	size_t i;

	for (i = 0; i < KIT_KIDS; i++)
		kit_stop(&kit_kids[i]);
	if (getenv("KEEP_TMP") != NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", kit_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", kit_dir);
}

const char *
kit_tmpdir(const char *name)
{
	snprintf(kit_dir, sizeof(kit_dir), "/tmp/swgr-test-%s.XXXXXX", name);
	if (mkdtemp(kit_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(kit_cleanup);
	return kit_dir;
}

void
kit_write(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	chmod(path, mode);
}

char *
kit_slurp(const char *path)
{
	struct swgr_buf b = { 0 };

	swgr_buf_read_file(&b, path, SIZE_MAX);
	swgr_buf_put(&b, "", 0);
	return swgr_buf_take(&b, NULL);
}

int
kit_contains(const char *hay, const char *needle)
{
	if (hay != NULL && strstr(hay, needle) != NULL)
		return 1;
	fprintf(stderr, "  \"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
	return 0;
}

int
kit_lacks(const char *hay, const char *needle)
{
	if (hay != NULL && strstr(hay, needle) == NULL)
		return 1;
	fprintf(stderr, "  \"%s\" contains \"%s\"\n", hay ? hay : "(null)", needle);
	return 0;
}

static void
kit_on_signal(int sig)
{
	size_t i;

	for (i = 0; i < KIT_KIDS; i++)
		if (kit_kids[i] > 0)
			kill(kit_kids[i], SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

pid_t
kit_spawn(const char *log, const char *prog, ...)
{
	static const int fatal[] = { SIGINT, SIGTERM, SIGSEGV, SIGABRT };
	static int handlers;
	char *argv[KIT_ARGS];
	va_list ap;
	size_t i, n = 0;
	pid_t pid;
	int fd;

	argv[n++] = (char *)prog;
	va_start(ap, prog);
	while (n < KIT_ARGS - 1 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (!handlers++)
		for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
			signal(fatal[i], kit_on_signal);
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		unsetenv("LD_PRELOAD");		/* valgrind's */
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(prog, argv);
		_exit(127);
	}
	for (i = 0; i < KIT_KIDS; i++)
		if (kit_kids[i] == 0) {
			kit_kids[i] = pid;
			break;
		}
	return pid;
}

void
kit_no_start(const char *what, const char *log)
{
	char *text = kit_slurp(log);

	fprintf(stderr, "%s did not start; its log:\n%s", what, *text ? text : "(no log)\n");
	free(text);
	exit(1);
}
