/* Node credential files: opened only inside the credential directories, checked before use. */
#define _DEFAULT_SOURCE		/* explicit_bzero */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/credfile.h"
#include "core/hex.h"

/* The length of dir without its trailing slashes ("/" gives 0). */
static size_t
dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	return n;
}

/* The directory of dirs that path lies below (*rest: the part after its '/'), or NULL. */
static const char *
dir_of(const struct swgr_cred_dirs *dirs, const char *path, const char **rest)
{
	size_t i, n;

	for (i = 0; dirs != NULL && i < dirs->n; i++) {
		if (dirs->dirs[i] == NULL || dirs->dirs[i][0] != '/')
			continue;
		n = dir_len(dirs->dirs[i]);
		if (strncmp(path, dirs->dirs[i], n) == 0 && path[n] == '/' && path[n + 1] != '\0') {
			*rest = path + n + 1;
			return dirs->dirs[i];
		}
	}
	return NULL;
}

/* "a, b or c": the directories, for a message. */
static void
dir_list(const struct swgr_cred_dirs *dirs, char *out, size_t len)
{
	size_t i, used = 0;
	int k;

	out[0] = '\0';
	if (dirs == NULL || dirs->n == 0) {
		snprintf(out, len, "none configured");
		return;
	}
	for (i = 0; i < dirs->n && used < len; i++) {
		k = snprintf(out + used, len - used, "%s%s", i == 0 ? "" : i + 1 == dirs->n ?
		    " or " : ", ", dirs->dirs[i]);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

enum swgr_rc
swgr_cred_path_check(const struct swgr_cred_dirs *dirs, const char *what, const char *path,
    struct swgr_err *err)
{
	const char *p, *rest;
	char list[512];
	size_t n;

	if (path == NULL || path[0] != '/')
		return swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': not an absolute path", what,
		    path != NULL ? path : "");
	for (p = path + 1;; p += n + 1) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': an empty, '.' or '..' "
			    "component in the path", what, path);
		if (p[n] == '\0')
			break;
	}
	if (dir_of(dirs, path, &rest) == NULL) {
		dir_list(dirs, list, sizeof(list));
		return swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': not inside a credential "
		    "directory (node-access.credential-directories: %s)", what, path, list);
	}
	return SWGR_OK;
}

/* The reason an open of a component failed, for the message. */
static const char *
open_why(int e)
{
	switch (e) {
	case ELOOP:
		return "a symbolic link (refused)";
	case ENOTDIR:
		return "a component is not a directory (or is a symbolic link)";
	default:
		return strerror(e);
	}
}

/*
 * Opens path (checked) from its credential directory, each component with
 * O_NOFOLLOW; the fd of the file, or -1 with the message set.
 */
static int
open_below(const struct swgr_cred_dirs *dirs, const char *what, const char *path,
    struct swgr_err *err)
{
	char comp[256];
	const char *dir, *rest, *p;
	int fd, next, e;
	size_t n;

	dir = dir_of(dirs, path, &rest);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		e = errno;
		swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': cannot open the credential directory "
		    "'%.200s': %s", what, path, dir, strerror(e));
		return -1;
	}
	for (p = rest;; p += n + 1) {
		n = strcspn(p, "/");
		if (n >= sizeof(comp)) {
			close(fd);
			swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': a path component is too long",
			    what, path);
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (p[n] == '\0')
			break;
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		e = errno;
		close(fd);
		if (next < 0) {
			swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': directory '%s' below the "
			    "credential directory: %s", what, path, comp, open_why(e));
			return -1;
		}
		fd = next;
	}
	next = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	e = errno;
	close(fd);
	if (next < 0)
		swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': %s", what, path, open_why(e));
	return next;
}

static size_t
kind_max(enum swgr_cred_kind kind)
{
	switch (kind) {
	case SWGR_CRED_MACAROON:
		return SWGR_CRED_MACAROON_MAX;
	case SWGR_CRED_PEM:
		return SWGR_CRED_PEM_MAX;
	case SWGR_CRED_PASSWORD:
		return SWGR_CRED_PASSWORD_MAX;
	}
	return 0;
}

/* Whether the len bytes at p hold a line beginning "-----BEGIN ". */
static bool
has_pem_begin(const char *p, size_t len)
{
	static const char tag[] = "-----BEGIN ";
	size_t i;

	for (i = 0; i + sizeof(tag) - 1 <= len; i++)
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

/*
 * The macaroon of the len bytes at p into b: binary v2 as it is, hex text
 * (trailing white space dropped) decoded.  False when it is neither.
 */
static bool
put_macaroon(const char *p, size_t len, struct swgr_buf *b)
{
	size_t before = b->len;
	uint8_t *out;

	if (len > 0 && (uint8_t)p[0] == 0x02) {
		swgr_buf_put(b, p, len);
		return true;
	}
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' ||
	    p[len - 1] == '\t'))
		len--;
	if (len < 2 || len % 2 != 0 || strncmp(p, "02", 2) != 0)
		return false;
	swgr_buf_put(b, p, len / 2);	/* room, overwritten below */
	if (!swgr_buf_ok(b))
		return true;		/* the caller sees the failed buffer */
	out = (uint8_t *)b->p + before;
	if (swgr_hex_decode(p, len, out, len / 2) != SWGR_OK) {
		explicit_bzero(out, len / 2);
		b->len = before;
		return false;
	}
	return true;
}

enum swgr_rc
swgr_cred_read(const struct swgr_cred_dirs *dirs, enum swgr_cred_kind kind, const char *what,
    const char *path, struct swgr_buf *b, struct swgr_err *err)
{
	char *buf = NULL;
	size_t max = kind_max(kind), len = 0, before = b->len;
	struct stat st;
	enum swgr_rc rc = SWGR_OK;
	ssize_t r;
	int fd;

	if ((rc = swgr_cred_path_check(dirs, what, path, err)) != SWGR_OK)
		return rc;
	if ((fd = open_below(dirs, what, path, err)) < 0)
		return SWGR_EINVAL;
	if (fstat(fd, &st) != 0) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': %s", what, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': not a regular file (%s)", what,
		    path, S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" :
		    S_ISSOCK(st.st_mode) ? "a socket" : "a device or other special file");
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': owned by uid %ju, neither root "
		    "nor this service's user (uid %ju)", what, path, (uintmax_t)st.st_uid,
		    (uintmax_t)geteuid());
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': writable by its group or by "
		    "others (mode %04o): chmod go-w it", what, path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': too large (%ju bytes, at most "
		    "%zu)", what, path, (uintmax_t)st.st_size, max);
		goto out;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	/* Read one byte past the cap: a file that grew since fstat is still refused. */
	while (len <= max && (r = read(fd, buf + len, max + 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': %s", what, path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	if (len > max) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': too large (over %zu bytes)", what,
		    path, max);
		goto out;
	}
	if (len == 0) {
		rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': empty", what, path);
		goto out;
	}
	switch (kind) {
	case SWGR_CRED_MACAROON:
		if (!put_macaroon(buf, len, b))
			rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': not a macaroon (binary v2, "
			    "first byte 0x02, or the hex text of one)", what, path);
		break;
	case SWGR_CRED_PEM:
		if (!has_pem_begin(buf, len))
			rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': not PEM (no '-----BEGIN' "
			    "line)", what, path);
		else
			swgr_buf_put(b, buf, len);
		break;
	case SWGR_CRED_PASSWORD:
		if (memchr(buf, '\0', len) != NULL)
			rc = swgr_err_set(err, SWGR_EINVAL, "%s '%.200s': a NUL byte in the password",
			    what, path);
		else
			swgr_buf_put(b, buf, len);
		break;
	}
	if (rc == SWGR_OK && !swgr_buf_ok(b))
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	if (rc != SWGR_OK && b->len > before) {
		explicit_bzero(b->p + before, b->len - before);
		b->len = before;
	}
out:
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	close(fd);
	return rc;
}
