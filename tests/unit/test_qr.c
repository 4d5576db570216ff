/* Unit tests of the QR PNG encoder: image geometry, gray levels, and a decoder reading it back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pay/qr.h"
#include "t.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes path with zbarimg; returns its output (without the "QR-Code:" prefix) or NULL. */
static char *
zbar(const char *path)
{
	char cmd[512], line[4096];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw %s 2>/dev/null", path);
	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	if (fgets(line, sizeof(line), p) == NULL) {
		pclose(p);
		return NULL;
	}
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

/* Writes the image png (then freed) to path and checks that zbarimg reads text in it. */
static void
check_decodes(const char *path, uint8_t *png, size_t len, const char *text)
{
	char *got;
	FILE *f;

	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(png, 1, len, f);
		fclose(f);
	}
	got = zbar(path);
	CHECK_STR(got, text);
	free(got);
	free(png);
}

int
main(void)
{
	const char *text = "LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS";
	uint8_t *png;
	size_t len;
	char path[] = "/tmp/swgr-test-qr-XXXXXX";
	int fd;

	CHECK(swgr_qr_png(text, 8, 255, 0, &png, &len, NULL) == SWGR_OK);
	CHECK(len > 33 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	/* IHDR: width = height = (modules + 8) * scale, 8-bit grayscale */
	CHECK(be32(png + 16) == be32(png + 20));
	CHECK(be32(png + 16) % 8 == 0);
	CHECK(((be32(png + 16) / 8) - 8 - 21) % 4 == 0);	/* versions are 21 + 4k modules */
	CHECK_INT(png[24], 8);
	CHECK_INT(png[25], 0);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	check_decodes(path, png, len, text);
	/* other gray levels and scale still decode */
	CHECK(swgr_qr_png(text, 3, 230, 40, &png, &len, NULL) == SWGR_OK);
	check_decodes(path, png, len, text);
	unlink(path);
	/* refusals */
	CHECK(swgr_qr_png(text, 0, 255, 0, &png, &len, NULL) == SWGR_EINVAL);
	CHECK(swgr_qr_png(text, 1000, 255, 0, &png, &len, NULL) == SWGR_EINVAL);
	{
		char *big = malloc(8000);

		memset(big, 'A', 7999);
		big[7999] = '\0';
		CHECK(swgr_qr_png(big, 1, 255, 0, &png, &len, NULL) == SWGR_EINVAL);
		free(big);
	}
	return t_done("test_qr");
}
