/* Unit tests of the growable buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "t.h"

/* A whole file appended; too large, missing, a directory and empty files. */
static void
test_read_file(void)
{
	char dir[] = "/tmp/swgr-test-buf.XXXXXX", path[64], empty[64];
	struct swgr_buf b = { 0 };
	FILE *f;
	int i;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(empty, sizeof(empty), "%s/e", dir);
	if ((f = fopen(path, "w")) != NULL) {
		for (i = 0; i < 3000; i++)		/* 30000 bytes: more than one read */
			fputs("0123456789", f);
		fclose(f);
	}
	if ((f = fopen(empty, "w")) != NULL)
		fclose(f);
	swgr_buf_puts(&b, "head:");
	CHECK_INT(swgr_buf_read_file(&b, path, 30000), 0);
	CHECK_INT(b.len, 5 + 30000);
	CHECK(b.p[b.len] == '\0' && b.p[5] == '0' && b.p[b.len - 1] == '9');
	swgr_buf_reset(&b);
	CHECK_INT(swgr_buf_read_file(&b, path, 29999), EFBIG);
	CHECK_INT(swgr_buf_read_file(&b, "/nonexistent/x", 100), ENOENT);
	CHECK_INT(swgr_buf_read_file(&b, dir, 100), EISDIR);
	swgr_buf_reset(&b);
	CHECK_INT(swgr_buf_read_file(&b, empty, 100), 0);
	CHECK_INT(b.len, 0);
	swgr_buf_free(&b);
	unlink(path);
	unlink(empty);
	rmdir(dir);
}

/* Decimal without printf; printf in one pass or, when the room is short, two. */
static void
test_put_u64(void)
{
	struct swgr_buf b = { 0 };
	char want[400];
	int i;

	swgr_buf_put_u64(&b, 0);
	swgr_buf_putc(&b, ' ');
	swgr_buf_put_u64(&b, 7);
	swgr_buf_putc(&b, ' ');
	swgr_buf_put_u64(&b, 18446744073709551615ULL);
	CHECK_STR(b.p, "0 7 18446744073709551615");
	{
		char d[SWGR_U64_DEC_MAX], *p;

		p = swgr_u64_dec(d, 18446744073709551615ULL);
		CHECK(p == d);		/* twenty digits and the NUL fill it */
		CHECK_STR(p, "18446744073709551615");
		CHECK_STR(swgr_u64_dec(d, 0), "0");
		CHECK_STR(swgr_u64_dec(d, 404), "404");
	}
	swgr_buf_reset(&b);
	for (i = 0; i < 399; i++)
		want[i] = (char)('a' + i % 26);
	want[399] = '\0';
	swgr_buf_puts(&b, "<");
	swgr_buf_printf(&b, "%s>", want);	/* more than the buffer's first 64 bytes */
	CHECK_INT(b.len, 401);
	CHECK(b.p[0] == '<' && memcmp(b.p + 1, want, 399) == 0 && b.p[400] == '>' && b.p[401] == '\0');
	swgr_buf_printf(&b, "%s", "");
	CHECK_INT(b.len, 401);
	swgr_buf_free(&b);
}

int
main(void)
{
	struct swgr_buf b = { 0 };
	char *p;
	size_t len;
	int i;

	swgr_buf_puts(&b, "abc");
	swgr_buf_putc(&b, '-');
	swgr_buf_printf(&b, "%d:%s", 42, "x");
	CHECK_STR(b.p, "abc-42:x");
	test_put_u64();
	CHECK_INT(b.len, 8);
	for (i = 0; i < 1000; i++)
		swgr_buf_putc(&b, 'z');
	CHECK_INT(b.len, 1008);
	CHECK(swgr_buf_ok(&b));
	swgr_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.p, "");
	swgr_buf_put(&b, "a\0b", 3);
	p = swgr_buf_take(&b, &len);
	CHECK_INT(len, 3);
	CHECK(p != NULL && p[1] == '\0' && p[2] == 'b' && p[3] == '\0');
	CHECK(b.p == NULL && b.len == 0);
	free(p);
	p = swgr_buf_take(&b, &len);
	CHECK(p != NULL && len == 0 && p[0] == '\0');
	free(p);
	swgr_buf_free(&b);
	test_read_file();
	return t_done("test_buf");
}
