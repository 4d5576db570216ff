/* Unit tests of the growable buffer. */
#include <stdlib.h>

#include "buf.h"
#include "t.h"

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
	return t_done("test_buf");
}
