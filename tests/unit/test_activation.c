/* Unit tests of systemd socket activation (core/activation.c): LISTEN_PID and LISTEN_FDS read, refused with their reasons, the socket on fd 3 checked and the variables unset. */
#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/activation.h"
#include "kit.h"
#include "t.h"

/* pid and fds (NULL: absent) for process self are refused, with a reason that contains want. */
static void
refused(const char *pid, const char *fds, pid_t self, const char *want)
{
	struct swgr_err err = { 0 };
	int fd = 99;

	if (swgr_activation_parse(pid, fds, self, &fd, &err) != SWGR_EINVAL) {
		fprintf(stderr, "LISTEN_PID=%s LISTEN_FDS=%s accepted\n", pid ? pid : "(absent)",
		    fds ? fds : "(absent)");
		FAIL("a wrong socket activation accepted");
		return;
	}
	CHECK_INT(fd, -1);
	if (strstr(err.msg, want) == NULL) {
		fprintf(stderr, "reason '%s' lacks '%s'\n", err.msg, want);
		FAIL("refused for another reason");
	} else
		t_pass++;
}

static void
test_parse(void)
{
	struct swgr_err err = { 0 };
	int fd = 99;

	/* not activated */
	CHECK_INT(swgr_activation_parse(NULL, NULL, 42, &fd, &err), SWGR_OK);
	CHECK_INT(fd, -1);
	/* activated, one socket */
	CHECK_INT(swgr_activation_parse("42", "1", 42, &fd, &err), SWGR_OK);
	CHECK_INT(fd, 3);
	CHECK_INT(swgr_activation_parse("2147483647", "1", 2147483647, &fd, &err), SWGR_OK);
	CHECK_INT(fd, SWGR_ACTIVATION_FD);

	refused("43", "1", 42, "LISTEN_PID 43 is not this process (42)");
	refused("1", "1", 42, "passed to another process");
	refused("42", "2", 42, "LISTEN_FDS is 2, one listening socket expected");
	refused("42", "0", 42, "LISTEN_FDS is 0");
	refused("42", NULL, 42, "LISTEN_PID is set without LISTEN_FDS");
	refused(NULL, "1", 42, "LISTEN_FDS is set without LISTEN_PID");
	refused("", "1", 42, "LISTEN_PID '' is no process id");
	refused("0", "1", 42, "is no process id");
	refused("042", "1", 42, "is no process id");
	refused("+42", "1", 42, "is no process id");
	refused("-42", "1", 42, "is no process id");
	refused("42 ", "1", 42, "is no process id");
	refused("99999999999999999999", "1", 42, "is no process id");
	refused("42", "", 42, "LISTEN_FDS '' is no count");
	refused("42", "x", 42, "is no count");
	refused("42", "01", 42, "is no count");
	refused("42", "1 ", 42, "is no count");
	refused("42", "-1", 42, "is no count");
	refused("42", "99999999999999999999", 42, "is no count");
}

/* The environment of an activated process: this one, one socket, a name. */
static void
activated_env(const char *pid)
{
	char mine[32];

	snprintf(mine, sizeof(mine), "%ld", (long)getpid());
	setenv("LISTEN_PID", pid != NULL ? pid : mine, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "swgr-lnurl.socket", 1);
}

static bool
env_clear(void)
{
	return getenv("LISTEN_PID") == NULL && getenv("LISTEN_FDS") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL;
}

/* Puts s on fd 3 (closing s). */
static void
on_fd3(int s)
{
	if (s != 3) {
		dup2(s, 3);
		close(s);
	}
}

static void
test_take(void)
{
	struct swgr_err err = { 0 };
	struct sockaddr_un sa;
	const char *dir = kit_tmpdir("activation");
	int fd = 99, pair[2], s;

	/* not activated: nothing changes */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_OK);
	CHECK_INT(fd, -1);

	/* a listening unix socket on fd 3: taken, close-on-exec, the variables gone */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/act.sock", dir);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(s, 4) == 0);
	on_fd3(s);
	activated_env(NULL);
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_OK);
	CHECK_INT(fd, 3);
	CHECK(env_clear());
	CHECK((fcntl(3, F_GETFD) & FD_CLOEXEC) != 0);

	/* meant for another process: refused, and still unset */
	activated_env("1");
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_EINVAL);
	CHECK_INT(fd, -1);
	CHECK(strstr(err.msg, "LISTEN_PID 1 is not this process") != NULL);
	CHECK(env_clear());

	/* a connected socket (Accept=yes) is no listener */
	close(3);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
	on_fd3(pair[0]);
	activated_env(NULL);
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "fd 3 is not listening") != NULL);
	CHECK_INT(fd, -1);
	CHECK(env_clear());
	close(3);
	close(pair[1]);

	/* a datagram socket, a file, nothing at all */
	on_fd3(socket(AF_UNIX, SOCK_DGRAM, 0));
	activated_env(NULL);
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "fd 3 is no stream socket") != NULL);
	close(3);
	on_fd3(open("/dev/null", O_RDONLY));
	activated_env(NULL);
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "no stream socket") != NULL);
	close(3);
	activated_env(NULL);
	CHECK_INT(swgr_activation_take(&fd, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "no stream socket") != NULL);
	CHECK(env_clear());
}

int
main(void)
{
	test_parse();
	test_take();
	return t_done("test_activation");
}
