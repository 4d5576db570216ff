/* systemd socket activation: the listening socket a service manager passed on fd 3 (the sd_listen_fds protocol, without libsystemd). */
#ifndef SWGR_ACTIVATION_H
#define SWGR_ACTIVATION_H

#include <sys/types.h>

#include "core/err.h"

#define SWGR_ACTIVATION_FD	3	/* SD_LISTEN_FDS_START: the first passed descriptor */

/*
 * Reads the values of LISTEN_PID and LISTEN_FDS (NULL: absent) for the
 * process self.  Both absent: *fd = -1, SWGR_OK (not socket-activated).
 * Both present, LISTEN_PID the decimal self and LISTEN_FDS "1": *fd =
 * SWGR_ACTIVATION_FD, SWGR_OK.  Anything else is SWGR_EINVAL with the
 * reason in err: one of them without the other, a value that is no
 * decimal number, sockets meant for another process (LISTEN_PID not self),
 * and any count but one (a responder listens on one socket: a .socket unit
 * with one ListenStream=).
 */
enum swgr_rc	 swgr_activation_parse(const char *listen_pid, const char *listen_fds,
		    pid_t self, int *fd, struct swgr_err *err);

/*
 * The socket this process was started with, if any: swgr_activation_parse
 * on the environment and getpid(), then LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are unset (so no child inherits them) and the descriptor
 * is checked to be a listening stream socket and made close-on-exec.
 * *fd = -1 when not socket-activated.  SWGR_EINVAL (the reason in err) for
 * a wrong environment or a descriptor that is no listening socket.
 */
enum swgr_rc	 swgr_activation_take(int *fd, struct swgr_err *err);

#endif
