/* QR codes as grayscale PNG images. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "core/buf.h"
#include "pay/qr.h"

#define QR_QUIET	4
#define QR_MAX_SIDE	8192	/* pixels; bounds the memory a configured scale can ask for */

static void
png_write_buf(png_structp png, png_bytep data, png_size_t len)
{
	swgr_buf_put(png_get_io_ptr(png), data, len);
}

static void
png_flush_none(png_structp png)
{
	(void)png;
}

/*
 * Writes the image rows; libpng reports errors by longjmp, so this function
 * holds the setjmp and no caller state crosses it.  Returns false on error.
 */
static bool
write_image(png_structp png, png_infop info, const QRcode *qr, uint32_t scale, uint8_t light,
    uint8_t dark, uint8_t *row, size_t side)
{
	size_t x, y, px, mx, my, w = (size_t)qr->width;
	int on;

	if (setjmp(png_jmpbuf(png)))
		return false;
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < side; y++) {
		my = y / scale;
		for (x = 0; x < side; x += scale) {
			mx = x / scale;
			on = mx >= QR_QUIET && my >= QR_QUIET && mx < QR_QUIET + w &&
			    my < QR_QUIET + w && (qr->data[(my - QR_QUIET) * w + (mx - QR_QUIET)] & 1);
			for (px = 0; px < scale; px++)
				row[x + px] = on ? dark : light;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	return true;
}

enum swgr_rc
swgr_qr_png(const char *text, uint32_t scale, uint8_t light, uint8_t dark, uint8_t **out,
    size_t *len, struct swgr_err *err)
{
	QRcode *qr;
	png_structp png = NULL;
	png_infop info = NULL;
	struct swgr_buf b = { 0 };
	uint8_t *row = NULL;
	size_t side;
	enum swgr_rc rc = SWGR_OK;

	*out = NULL;
	*len = 0;
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "cannot encode a QR code: %s",
		    errno == ERANGE ? "text too long" : strerror(errno));
	side = ((size_t)qr->width + 2 * QR_QUIET) * scale;
	if (scale == 0 || side > QR_MAX_SIDE) {
		QRcode_free(qr);
		return swgr_err_set(err, SWGR_EINVAL, "QR image side of %zu pixels out of range",
		    side);
	}
	if ((row = malloc(side)) == NULL ||
	    (png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL)) == NULL ||
	    (info = png_create_info_struct(png)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	png_set_write_fn(png, &b, png_write_buf, png_flush_none);
	if (!write_image(png, info, qr, scale, light, dark, row, side))
		rc = swgr_err_set(err, SWGR_EINTERNAL, "PNG encoding failed");
	else if (!swgr_buf_ok(&b))
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	else
		*out = (uint8_t *)swgr_buf_take(&b, len);
out:
	png_destroy_write_struct(png != NULL ? &png : NULL, info != NULL ? &info : NULL);
	swgr_buf_free(&b);
	free(row);
	QRcode_free(qr);
	return rc;
}
