/* Node credential files: opened only inside the credential directories, checked before use. */
#ifndef SWGR_CREDFILE_H
#define SWGR_CREDFILE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* What a credential file holds: its size cap and format check. */
enum swgr_cred_kind {
	SWGR_CRED_MACAROON,	/* LND macaroon: binary v2 (first byte 0x02) or its hex text; 64 KiB */
	SWGR_CRED_PEM,		/* certificate or key, PEM text with a BEGIN line; 64 KiB */
	SWGR_CRED_PASSWORD,	/* a password, one line, no NUL byte; 4 KiB */
};

#define SWGR_CRED_MACAROON_MAX	(64 * 1024)
#define SWGR_CRED_PEM_MAX	(64 * 1024)
#define SWGR_CRED_PASSWORD_MAX	(4 * 1024)

/*
 * The credential directories of node-access (absolute paths); a path is
 * used only when it lies under one of them.
 */
struct swgr_cred_dirs {
	char *const	*dirs;
	size_t		 n;
};

/*
 * Whether path may name a credential, by its text alone: absolute, no
 * empty, "." or ".." component, below one of dirs.  what names it in the
 * message ("auth.macaroonPath").  SWGR_EINVAL naming the path and why.
 */
enum swgr_rc	 swgr_cred_path_check(const struct swgr_cred_dirs *dirs, const char *what,
		    const char *path, struct swgr_err *err);

/*
 * Appends the content of the credential file at path to b, after
 * swgr_cred_path_check: each component below the directory opened with
 * O_NOFOLLOW (a symbolic link anywhere below it is refused), the file
 * itself with O_NOFOLLOW|O_NONBLOCK (a FIFO never blocks), which must be a
 * regular file owned by root or the effective user, writable by no group
 * or other, not empty, within the kind's cap and of the kind's format.  A
 * macaroon in hex text is appended decoded (binary).  SWGR_EINVAL naming
 * what, the path and the reason; SWGR_ENOMEM.  On error b holds what it held
 * (bytes read are wiped).
 */
enum swgr_rc	 swgr_cred_read(const struct swgr_cred_dirs *dirs, enum swgr_cred_kind kind,
		    const char *what, const char *path, struct swgr_buf *b, struct swgr_err *err);

#endif
