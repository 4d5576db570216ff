/* QR codes as grayscale PNG images (spec §3.7). */
#ifndef SWGR_QR_H
#define SWGR_QR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/*
 * Encodes text as a QR code (error correction M, smallest version that fits,
 * automatic mode selection) into an 8-bit grayscale PNG: quiet zone of 4
 * modules, each module scale x scale pixels, dark modules gray level dark,
 * light modules and the quiet zone gray level light.  *png is malloc'd.
 * SWGR_EINVAL if the text does not fit in a QR code or scale is 0 or too large.
 */
enum swgr_rc	 swgr_qr_png(const char *text, uint32_t scale, uint8_t light, uint8_t dark,
		    uint8_t **png, size_t *len, struct swgr_err *err);

#endif
