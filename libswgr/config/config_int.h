/* Private to config/: what config.c calls in the folder's other files. */
#ifndef SWGR_CONFIG_INT_H
#define SWGR_CONFIG_INT_H

#include "config/config.h"
#include "core/err.h"

/*
 * Reads text, the env-expanded contents of the file at path, into cfg
 * (zeroed by the caller): every section present, with its keys checked.  On
 * error cfg may hold part of the file; the caller frees it with
 * swgr_config_free either way.
 */
enum swgr_rc	 swgr_config_keys_read(const char *path, const char *text, struct swgr_config *cfg,
		    struct swgr_err *err);

#endif
