/* Private to config/: what config.c calls in the folder's other files. */
#ifndef SWGR_CONFIG_INT_H
#define SWGR_CONFIG_INT_H

#include "config/config.h"
#include "config/yaml_int.h"
#include "core/err.h"

/*
 * Reads text, the env-expanded contents of the file at path, into cfg
 * (zeroed by the caller): every section present, with its keys checked.  On
 * error cfg may hold part of the file; the caller frees it with
 * swgr_config_free either way.
 */
enum swgr_rc	 swgr_config_keys_read(const char *path, const char *text, struct swgr_config *cfg,
		    struct swgr_err *err);

/* store.address-directory (ours, optional): type ldap and its keys (struct swgr_ldap_cfg). */
enum swgr_rc	 swgr_config_read_directory(const struct swgr_yaml_map *store,
		    struct swgr_ldap_cfg *d);

#endif
