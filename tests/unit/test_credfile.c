/* Unit tests of the credential files (core/credfile.c): each refusal (outside, "..", symlink, FIFO, mode, owner, size, format) and the reads that pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/credfile.h"
#include "kit.h"
#include "t.h"

static char dir[512], other[512];
static struct swgr_cred_dirs dirs;

static const char *
at(const char *base, const char *name)
{
	static char bufs[4][768];
	static int k;
	char *p = bufs[k++ % 4];

	snprintf(p, sizeof(bufs[0]), "%s/%s", base, name);
	return p;
}

/* Reads path as kind: the rc, the message in msg (the bytes in *b when given). */
static enum swgr_rc
rd(enum swgr_cred_kind kind, const char *path, char *msg, size_t len, struct swgr_buf *out)
{
	struct swgr_buf b = { 0 };
	struct swgr_err e = { 0 };
	enum swgr_rc rc;

	rc = swgr_cred_read(&dirs, kind, "auth.macaroonPath", path, &b, &e);
	snprintf(msg, len, "%s", rc == SWGR_OK ? "" : e.msg);
	if (out != NULL)
		*out = b;
	else
		swgr_buf_free(&b);
	return rc;
}

/* The read of path is refused with a message holding path and why. */
static void
refused(enum swgr_cred_kind kind, const char *path, const char *why)
{
	char msg[1024];

	CHECK_INT(rd(kind, path, msg, sizeof(msg), NULL), SWGR_EINVAL);
	CHECK(kit_contains(msg, path));
	CHECK(kit_contains(msg, why));
	CHECK(kit_contains(msg, "auth.macaroonPath"));
}

static void
test_path(void)
{
	struct swgr_err e = { 0 };

	CHECK_INT(swgr_cred_path_check(&dirs, "x", at(dir, "a/b.pem"), &e), SWGR_OK);
	CHECK_INT(swgr_cred_path_check(&dirs, "x", "relative/a.pem", &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "not an absolute path"));
	CHECK_INT(swgr_cred_path_check(&dirs, "x", at(dir, "../etc/passwd"), &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "'..'"));
	CHECK_INT(swgr_cred_path_check(&dirs, "x", at(dir, "a/./b"), &e), SWGR_EINVAL);
	CHECK_INT(swgr_cred_path_check(&dirs, "x", at(dir, "a//b"), &e), SWGR_EINVAL);
	CHECK_INT(swgr_cred_path_check(&dirs, "x", "/etc/passwd", &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "not inside a credential directory"));
	CHECK(kit_contains(e.msg, dir));
	/* A sibling whose name starts with the directory's is outside it. */
	CHECK_INT(swgr_cred_path_check(&dirs, "x", at(other, "f"), &e), SWGR_EINVAL);
	CHECK_INT(swgr_cred_path_check(&dirs, "x", dir, &e), SWGR_EINVAL);
	CHECK_INT(swgr_cred_path_check(&dirs, "x", at(dir, ""), &e), SWGR_EINVAL);
	{
		struct swgr_cred_dirs none = { NULL, 0 };

		CHECK_INT(swgr_cred_path_check(&none, "x", at(dir, "a"), &e), SWGR_EINVAL);
		CHECK(kit_contains(e.msg, "none configured"));
	}
}

static void
test_refusals(void)
{
	char big[SWGR_CRED_PASSWORD_MAX + 2];

	/* Outside the directory: a real, readable file is still not read. */
	kit_write(at(other, "admin.macaroon"), "\002abc", 0600);
	refused(SWGR_CRED_MACAROON, at(other, "admin.macaroon"), "not inside a credential directory");
	refused(SWGR_CRED_MACAROON, at(dir, "../x/admin.macaroon"), "'..'");
	/* A symbolic link as the file, and as a directory on the way. */
	kit_write(at(dir, "real.macaroon"), "\002abc", 0600);
	CHECK_INT(symlink(at(other, "admin.macaroon"), at(dir, "link.macaroon")), 0);
	refused(SWGR_CRED_MACAROON, at(dir, "link.macaroon"), "symbolic link");
	CHECK_INT(symlink(other, at(dir, "linkdir")), 0);
	refused(SWGR_CRED_MACAROON, at(dir, "linkdir/admin.macaroon"), "symbolic link");
	/* A FIFO: refused at once, never blocking. */
	CHECK_INT(mkfifo(at(dir, "fifo.macaroon"), 0600), 0);
	refused(SWGR_CRED_MACAROON, at(dir, "fifo.macaroon"), "a FIFO");
	CHECK_INT(mkdir(at(dir, "sub"), 0700), 0);
	refused(SWGR_CRED_MACAROON, at(dir, "sub"), "a directory");
	refused(SWGR_CRED_MACAROON, at(dir, "missing.macaroon"), "No such file");
	/* World- and group-writable. */
	kit_write(at(dir, "ww.macaroon"), "\002abc", 0606);
	refused(SWGR_CRED_MACAROON, at(dir, "ww.macaroon"), "writable by its group or by others");
	kit_write(at(dir, "gw.macaroon"), "\002abc", 0620);
	refused(SWGR_CRED_MACAROON, at(dir, "gw.macaroon"), "mode 0620");
	/* Owned by another user (only root can make one). */
	kit_write(at(dir, "theirs.macaroon"), "\002abc", 0600);
	if (geteuid() == 0 && chown(at(dir, "theirs.macaroon"), 4242, 4242) == 0)
		refused(SWGR_CRED_MACAROON, at(dir, "theirs.macaroon"), "owned by uid 4242");
	/* Too big for its kind, empty. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kit_write(at(dir, "big.password"), big, 0600);
	refused(SWGR_CRED_PASSWORD, at(dir, "big.password"), "too large");
	kit_write(at(dir, "empty.macaroon"), "", 0600);
	refused(SWGR_CRED_MACAROON, at(dir, "empty.macaroon"), "empty");
	/* Bad formats. */
	kit_write(at(dir, "text.macaroon"), "root:x:0:0:root:/root:/bin/bash\n", 0600);
	refused(SWGR_CRED_MACAROON, at(dir, "text.macaroon"), "not a macaroon");
	kit_write(at(dir, "oddhex.macaroon"), "0201a\n", 0600);
	refused(SWGR_CRED_MACAROON, at(dir, "oddhex.macaroon"), "not a macaroon");
	kit_write(at(dir, "v1hex.macaroon"), "0061abcd\n", 0600);
	refused(SWGR_CRED_MACAROON, at(dir, "v1hex.macaroon"), "not a macaroon");
	kit_write(at(dir, "badhex.macaroon"), "02zz\n", 0600);
	refused(SWGR_CRED_MACAROON, at(dir, "badhex.macaroon"), "not a macaroon");
	kit_write(at(dir, "nopem.pem"), "MIIB...\n", 0600);
	refused(SWGR_CRED_PEM, at(dir, "nopem.pem"), "not PEM");
	{
		/* A password with a NUL byte: kit_write writes text, so write it here. */
		FILE *f = fopen(at(dir, "nul.password"), "w");

		if (f != NULL) {
			fwrite("ab\0cd", 1, 5, f);
			fclose(f);
			chmod(at(dir, "nul.password"), 0600);
			refused(SWGR_CRED_PASSWORD, at(dir, "nul.password"), "NUL byte");
		} else
			FAIL("cannot write nul.password");
	}
}

static void
test_reads(void)
{
	struct swgr_buf b = { 0 };
	char msg[1024];

	/* Binary v2 as it is, appended after what b held. */
	swgr_buf_puts(&b, "X");
	{
		struct swgr_err e = { 0 };

		kit_write(at(dir, "real.macaroon"), "\002abc", 0600);
		CHECK_INT(swgr_cred_read(&dirs, SWGR_CRED_MACAROON, "m", at(dir, "real.macaroon"),
		    &b, &e), SWGR_OK);
		CHECK_INT(b.len, 5);
		CHECK(b.len == 5 && memcmp(b.p, "X\002abc", 5) == 0);
		/* A refusal leaves b as it was. */
		CHECK_INT(swgr_cred_read(&dirs, SWGR_CRED_MACAROON, "m", at(dir, "text.macaroon"),
		    &b, &e), SWGR_EINVAL);
		CHECK_INT(b.len, 5);
	}
	swgr_buf_free(&b);
	/* Hex text (either case, a trailing newline) decoded. */
	kit_write(at(dir, "hex.macaroon"), "0201AbFF\r\n", 0400);
	CHECK_INT(rd(SWGR_CRED_MACAROON, at(dir, "hex.macaroon"), msg, sizeof(msg), &b), SWGR_OK);
	CHECK(b.len == 4 && memcmp(b.p, "\002\001\253\377", 4) == 0);
	swgr_buf_free(&b);
	/* PEM with text before its BEGIN line; a nested directory. */
	CHECK_INT(mkdir(at(dir, "node1"), 0700), 0);
	kit_write(at(dir, "node1/tls.cert"), "subject=x\n-----BEGIN CERTIFICATE-----\nAA\n"
	    "-----END CERTIFICATE-----\n", 0644);
	CHECK_INT(rd(SWGR_CRED_PEM, at(dir, "node1/tls.cert"), msg, sizeof(msg), &b), SWGR_OK);
	CHECK(kit_contains(b.p, "BEGIN CERTIFICATE"));
	swgr_buf_free(&b);
	kit_write(at(dir, "node1/password"), "secret\n", 0600);
	CHECK_INT(rd(SWGR_CRED_PASSWORD, at(dir, "node1/password"), msg, sizeof(msg), &b), SWGR_OK);
	CHECK(b.len == 7 && memcmp(b.p, "secret\n", 7) == 0);
	swgr_buf_free(&b);
	/* The second of two directories, one given with a trailing slash. */
	{
		char d2[600];
		char *two[2];
		struct swgr_cred_dirs both = { two, 2 };
		struct swgr_err e = { 0 };

		snprintf(d2, sizeof(d2), "%s/", other);
		two[0] = dir;
		two[1] = d2;
		kit_write(at(other, "b.password"), "pw", 0600);
		CHECK_INT(swgr_cred_read(&both, SWGR_CRED_PASSWORD, "p", at(other, "b.password"), &b,
		    &e), SWGR_OK);
		CHECK(b.len == 2);
		swgr_buf_free(&b);
	}
}

int
main(void)
{
	const char *tmp = kit_tmpdir("credfile");
	static char *one[1];

	snprintf(dir, sizeof(dir), "%s/creds", tmp);
	snprintf(other, sizeof(other), "%s/creds-other", tmp);
	if (mkdir(dir, 0700) != 0 || mkdir(other, 0700) != 0) {
		perror("mkdir");
		return 1;
	}
	one[0] = dir;
	dirs.dirs = one;
	dirs.n = 1;
	umask(0);
	test_path();
	test_refusals();
	test_reads();
	return t_done("test_credfile");
}
