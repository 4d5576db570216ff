/* Loading the configuration: the file, env expansion, the secrets file, the stores' URIs (spec §12.1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/uri.h"

#define CFG_LOG_TARGET	"swgr::config"

/* Configuration and secrets files are small; anything this big is a mistake. */
#define CONFIG_FILE_MAX	(16 << 20)

/*
 * Reads the file at path into a NUL-terminated string (*out, caller frees).
 * A file holding a NUL byte, or over CONFIG_FILE_MAX, is refused.  what names
 * the file in messages.
 */
static enum swgr_rc
read_file(const char *path, const char *what, char **out, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	size_t len;
	int e;

	*out = NULL;
	if ((e = swgr_buf_read_file(&b, path, CONFIG_FILE_MAX)) != 0) {
		swgr_buf_free(&b);
		if (e == EFBIG)
			return swgr_err_set(err, SWGR_EINVAL, "%s %s: larger than %d MiB", what, path,
			    CONFIG_FILE_MAX >> 20);
		if (e == ENOMEM)
			return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, path);
		return swgr_err_set(err, SWGR_EINTERNAL, "%s %s: %s", what, path, strerror(e));
	}
	swgr_buf_put(&b, "", 0);	/* terminates an empty file's buffer */
	if ((*out = swgr_buf_take(&b, &len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, path);
	if (strlen(*out) != len) {
		free(*out);
		*out = NULL;
		return swgr_err_set(err, SWGR_EINVAL, "%s %s: the file holds a NUL byte", what, path);
	}
	return SWGR_OK;
}

enum swgr_rc
swgr_secrets_load(const char *path, struct swgr_secrets *out, struct swgr_err *err)
{
	enum swgr_rc rc;
	char *text;

	memset(out, 0, sizeof(*out));
	if ((rc = read_file(path, "error reading secrets file", &text, err)) != SWGR_OK)
		return rc;
	if ((rc = swgr_secrets_parse(text, out, err)) != SWGR_OK)
		swgr_err_wrap(err, "error parsing secrets file %s", path);
	free(text);
	return rc;
}

void
swgr_config_instance(const struct swgr_config *cfg, char *out, size_t outlen)
{
	if (cfg->monitor.instance != NULL) {
		snprintf(out, outlen, "%s", cfg->monitor.instance);
		return;
	}
	if (gethostname(out, outlen) != 0 || out[0] == '\0')
		snprintf(out, outlen, "localhost");
	out[outlen - 1] = '\0';
}

double
swgr_config_stale_after(const struct swgr_config *cfg)
{
	double d = 3 * cfg->lnurl.health_check_frequency_secs;

	if (cfg->monitor.has_stale_after)
		return cfg->monitor.stale_after_secs;
	return d < 3 ? 3 : d;
}

bool
swgr_config_metrics_dir(const struct swgr_config *cfg, char *out, size_t outlen)
{
	const char *rt = getenv("RUNTIME_DIRECTORY");
	size_t n;
	int w;

	if (cfg != NULL && cfg->metrics.has_dir) {
		if (cfg->metrics.dir == NULL || cfg->metrics.dir[0] == '\0')
			return false;
		w = snprintf(out, outlen, "%s", cfg->metrics.dir);
	} else if (rt != NULL && rt[0] != '\0') {
		n = strcspn(rt, ":");	/* systemd joins several with ':' */
		w = snprintf(out, outlen, "%.*s/metrics", (int)n, rt);
	} else
		w = snprintf(out, outlen, "%s", SWGR_METRICS_DIR_DEFAULT);
	return w > 0 && (size_t)w < outlen;
}

/* Replaces {secret.NAME} in a database store's URI; label is "discovery", "offer" or "status". */
static enum swgr_rc
expand_store_uri(struct swgr_store_cfg *s, const char *label, const struct swgr_secrets *sec,
    struct swgr_err *err)
{
	char shown[300], *uri;
	enum swgr_rc rc;

	if (s->type != SWGR_STORE_DATABASE)
		return SWGR_OK;
	if ((rc = swgr_config_expand_secrets(s->database_uri, sec, &uri, err)) != SWGR_OK) {
		if (rc == SWGR_ENOMEM)
			return rc;
		swgr_uri_redact(s->database_uri, shown, sizeof(shown));
		return swgr_err_set(err, SWGR_EINVAL,
		    "Error while inserting secrets for %s database connection uri. "
		    "Invalid uri or missing secrets in: %s", label, shown);
	}
	free(s->database_uri);
	s->database_uri = uri;
	return SWGR_OK;
}

/* Gives s its own copy of store.status, so that a store opens from its cfg alone. */
static enum swgr_rc
copy_status(const struct swgr_store_cfg *status, struct swgr_store_cfg *s, struct swgr_err *err)
{
	s->status.type = status->type;
	s->status.max_connections = status->max_connections;
	if (status->database_uri != NULL &&
	    (s->status.database_uri = strdup(status->database_uri)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "loading configuration: out of memory");
	return SWGR_OK;
}

enum swgr_rc
swgr_config_load(const char *path, struct swgr_config *cfg, struct swgr_err *err)
{
	struct swgr_secrets sec = { 0 };
	char *text = NULL, *expanded = NULL;
	enum swgr_rc rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((cfg->path = strdup(path)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "loading configuration: out of memory");
		goto out;
	}
	if ((rc = read_file(path, "reading configuration file", &text, err)) != SWGR_OK)
		goto out;
	if ((rc = swgr_config_expand_env(text, &expanded, err)) != SWGR_OK) {
		swgr_err_wrap(err, "expanding configuration file env vars '%s'", path);
		goto out;
	}
	if ((rc = swgr_config_keys_read(path, expanded, cfg, err)) != SWGR_OK)
		goto out;
	if (cfg->secrets != NULL) {
		if ((rc = swgr_secrets_load(cfg->secrets, &sec, err)) != SWGR_OK)
			goto out;
		swgr_log(SWGR_LOG_INFO, CFG_LOG_TARGET, "secrets loaded successfully from: %s",
		    cfg->secrets);
	} else
		swgr_log(SWGR_LOG_WARN, CFG_LOG_TARGET,
		    "no secrets file in config, skipping secret loading");
	if ((rc = expand_store_uri(&cfg->store_discover, "discovery", &sec, err)) != SWGR_OK ||
	    (rc = expand_store_uri(&cfg->store_offer, "offer", &sec, err)) != SWGR_OK ||
	    (rc = expand_store_uri(&cfg->store_status, "status", &sec, err)) != SWGR_OK ||
	    (rc = copy_status(&cfg->store_status, &cfg->store_discover, err)) != SWGR_OK ||
	    (rc = copy_status(&cfg->store_status, &cfg->store_offer, err)) != SWGR_OK)
		goto out;
out:
	swgr_secrets_free(&sec);
	free(expanded);
	free(text);
	if (rc != SWGR_OK)
		swgr_config_free(cfg);
	return rc;
}

static void
free_store(struct swgr_store_cfg *s)
{
	free(s->database_uri);
	free(s->base_url);
	free(s->trusted_roots);
	free(s->authorization);
	free(s->status.database_uri);
}

static void
free_admin(struct swgr_admin_cfg *a)
{
	free(a->address);
	free(a->auth_authority);
	free(a->tls.cert_path);
	free(a->tls.key_path);
	free(a->log.log_file);
}

void
swgr_config_free(struct swgr_config *cfg)
{
	struct swgr_lnurl_cfg *l;

	if (cfg == NULL)
		return;
	l = &cfg->lnurl;
	swgr_strv_free(l->partitions, l->npartitions);
	swgr_strv_free(l->allowed_hosts, l->nallowed_hosts);
	free(l->trusted_proxies);
	free(l->address);
	free(l->ln_trusted_roots);
	free(l->tls.cert_path);
	free(l->tls.key_path);
	free(l->log.log_file);
	free_admin(&cfg->discovery);
	free_admin(&cfg->offer);
	free_store(&cfg->store_discover);
	free_store(&cfg->store_offer);
	free_store(&cfg->store_status);
	free(cfg->secrets);
	free(cfg->metrics.dir);
	free(cfg->monitor.instance);
	free(cfg->monitor.log.log_file);
	swgr_strv_free(cfg->node_access.credential_directories,
	    cfg->node_access.ncredential_directories);
	swgr_strv_free(cfg->node_access.backend_hosts, cfg->node_access.nbackend_hosts);
	free(cfg->address_directory.uri);
	free(cfg->address_directory.bind_dn);
	free(cfg->address_directory.password_file);
	free(cfg->address_directory.base_dn);
	free(cfg->address_directory.username_attribute);
	free(cfg->address_directory.filter);
	free(cfg->address_directory.offer_attribute);
	free(cfg->address_directory.partition);
	swgr_strv_free(cfg->address_directory.domains, cfg->address_directory.ndomains);
	free(cfg->unknown_key);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
