/* systemd socket activation: LISTEN_PID and LISTEN_FDS read and checked, the socket on fd 3 taken. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/activation.h"

/* A decimal number without sign, leading zeros or spaces, at most max: into *out. */
static int
decimal(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

enum swgr_rc
swgr_activation_parse(const char *listen_pid, const char *listen_fds, pid_t self, int *fd,
    struct swgr_err *err)
{
	long pid, n;

	*fd = -1;
	if (listen_pid == NULL && listen_fds == NULL)
		return SWGR_OK;
	if (listen_pid == NULL || listen_fds == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: %s is set without %s",
		    listen_pid != NULL ? "LISTEN_PID" : "LISTEN_FDS",
		    listen_pid != NULL ? "LISTEN_FDS" : "LISTEN_PID");
	if (decimal(listen_pid, INT_MAX, &pid) != 0 || pid == 0)
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: LISTEN_PID '%.32s' "
		    "is no process id", listen_pid);
	if (pid != (long)self)
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: LISTEN_PID %ld is not "
		    "this process (%ld): the sockets were passed to another process; unset "
		    "LISTEN_PID and LISTEN_FDS, or start this program directly from the "
		    "service manager", pid, (long)self);
	if (decimal(listen_fds, INT_MAX - SWGR_ACTIVATION_FD, &n) != 0)
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: LISTEN_FDS '%.32s' "
		    "is no count of descriptors", listen_fds);
	if (n != 1)
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: LISTEN_FDS is %ld, "
		    "one listening socket expected (one ListenStream= in the .socket unit)", n);
	*fd = SWGR_ACTIVATION_FD;
	return SWGR_OK;
}

enum swgr_rc
swgr_activation_take(int *fd, struct swgr_err *err)
{
	enum swgr_rc rc;
	struct stat st;
	socklen_t len;
	int flags, type = 0, listening = 0;

	rc = swgr_activation_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid(), fd, err);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (rc != SWGR_OK || *fd == -1)
		return rc;
	len = sizeof(type);
	if (fstat(*fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(*fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
		*fd = -1;
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: fd %d is no stream "
		    "socket (ListenStream= wanted)", SWGR_ACTIVATION_FD);
	}
	len = sizeof(listening);
	if (getsockopt(*fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
		*fd = -1;
		return swgr_err_set(err, SWGR_EINVAL, "socket activation: fd %d is not "
		    "listening (Accept=no wanted in the .socket unit)", SWGR_ACTIVATION_FD);
	}
	if ((flags = fcntl(*fd, F_GETFD)) != -1)
		fcntl(*fd, F_SETFD, flags | FD_CLOEXEC);
	return SWGR_OK;
}
