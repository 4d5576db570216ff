/* The keys of the configuration (spec §12 and our additions): which section holds which key, of which type. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/yaml_int.h"
#include "core/buf.h"
#include "core/cidr.h"
#include "core/endpoint.h"
#include "core/err.h"
#include "core/log.h"

/*
 * Our additions: optional log-file and log-level.  A log-file absent, null
 * or empty ("${LOG_FILE:-}" unset) is stderr: the journal under systemd.
 */
static enum swgr_rc
read_log(const struct swgr_yaml_map *m, struct swgr_log_cfg *l)
{
	const char *what = "one of off, error, warn, info, debug, trace";
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_str(m, "log-file", false, &l->log_file)) != SWGR_OK)
		return rc;
	if (l->log_file != NULL && l->log_file[0] == '\0') {
		free(l->log_file);
		l->log_file = NULL;
	}
	if ((rc = swgr_yaml_scalar(m, "log-level", false, what, &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (!swgr_log_level_parse(s, &l->log_level))
		return swgr_yaml_fail(m, "log-level", swgr_yaml_line(n), "expected %s", what);
	l->has_log_level = true;
	return SWGR_OK;
}

static enum swgr_rc
read_tls(const struct swgr_yaml_map *m, bool *has, struct swgr_tls_cfg *tls)
{
	struct swgr_yaml_map t;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_mapping(m, "tls", false, &t)) != SWGR_OK || t.node == NULL)
		return rc;
	*has = true;
	if ((rc = swgr_yaml_str(&t, "cert-path", true, &tls->cert_path)) != SWGR_OK)
		return rc;
	return swgr_yaml_str(&t, "key-path", true, &tls->key_path);
}

/* backoff: {type: stop} or {type: exponential, optional parameters (defaults of spec §9.8)}. */
static enum swgr_rc
read_backoff(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	const char *what = "stop or exponential";
	struct swgr_yaml_map b;
	yaml_node_t *n;
	const char *type;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_mapping(m, "backoff", true, &b)) != SWGR_OK)
		return rc;
	if ((rc = swgr_yaml_scalar(&b, "type", true, what, &type, &n)) != SWGR_OK)
		return rc;
	if (strcmp(type, "stop") == 0) {
		l->backoff.type = SWGR_BACKOFF_STOP;
		return SWGR_OK;
	}
	if (strcmp(type, "exponential") != 0)
		return swgr_yaml_fail(&b, "type", swgr_yaml_line(n), "expected %s", what);
	l->backoff.type = SWGR_BACKOFF_EXPONENTIAL;
	l->backoff.initial_interval_secs = 0.5;
	l->backoff.randomization_factor = 0.5;
	l->backoff.multiplier = 1.5;
	l->backoff.max_interval_secs = 60;
	if ((rc = swgr_yaml_float(&b, "initial-interval-secs", false, true,
	    &l->backoff.initial_interval_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&b, "randomization-factor", false, true,
	    &l->backoff.randomization_factor, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&b, "multiplier", false, true,
	    &l->backoff.multiplier, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&b, "max-interval-secs", false, true,
	    &l->backoff.max_interval_secs, NULL)) != SWGR_OK)
		return rc;
	return swgr_yaml_float(&b, "max-elapsed-time-secs", false, true,
	    &l->backoff.max_elapsed_time_secs, &l->backoff.has_max_elapsed_time);
}

/* backend-selection: round-robin, random, or {consistent: {max_iterations: N}}. */
static enum swgr_rc
read_selection(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	const char *key = "backend-selection";
	const char *what = "round-robin, random or {consistent: {max_iterations: N}}";
	struct swgr_yaml_map sel, cons;
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_value(m, key, true, what, &n)) != SWGR_OK)
		return rc;
	if (n->type == YAML_SCALAR_NODE) {
		s = (const char *)n->data.scalar.value;
		if (strcmp(s, "round-robin") == 0)
			l->selection = SWGR_SELECT_ROUND_ROBIN;
		else if (strcmp(s, "random") == 0)
			l->selection = SWGR_SELECT_RANDOM;
		else
			return swgr_yaml_fail(m, key, swgr_yaml_line(n), "expected %s", what);
		return SWGR_OK;
	}
	if ((rc = swgr_yaml_mapping(m, key, true, &sel)) != SWGR_OK)
		return rc;
	if (sel.node->data.mapping.pairs.top - sel.node->data.mapping.pairs.start != 1 ||
	    swgr_yaml_find(&sel, "consistent", NULL) == NULL)
		return swgr_yaml_fail(m, key, sel.line, "expected %s", what);
	if ((rc = swgr_yaml_mapping(&sel, "consistent", true, &cons)) != SWGR_OK)
		return rc;
	l->selection = SWGR_SELECT_CONSISTENT;
	return swgr_yaml_u32(&cons, "max_iterations", true, &l->consistent_max_iterations, NULL);
}

/* breaker-failure-threshold (0 disables) and breaker-cool-down-secs (> 0): ours, optional. */
static enum swgr_rc
read_breaker(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	enum swgr_rc rc;
	bool has_cool_down = false;

	l->breaker_failure_threshold = SWGR_BREAKER_THRESHOLD_DEFAULT;
	l->breaker_cool_down_secs = SWGR_BREAKER_COOL_DOWN_DEFAULT;
	if ((rc = swgr_yaml_u32(m, "breaker-failure-threshold", false,
	    &l->breaker_failure_threshold, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(m, "breaker-cool-down-secs", false, true,
	    &l->breaker_cool_down_secs, &has_cool_down)) != SWGR_OK)
		return rc;
	if (has_cool_down && l->breaker_cool_down_secs <= 0)
		return swgr_yaml_fail(m, "breaker-cool-down-secs",
		    swgr_yaml_key_line(m, "breaker-cool-down-secs"),
		    "expected a positive number of seconds");
	return SWGR_OK;
}

/*
 * invoice-concurrency, node-concurrency (0: no limit; absent: derived from the
 * threads) and invoice-queue-wait-secs (>= 0): ours, optional.
 */
static enum swgr_rc
read_bulkheads(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	enum swgr_rc rc;
	bool has_wait = false;

	if ((rc = swgr_yaml_u32(m, "invoice-concurrency", false, &l->invoice_concurrency,
	    &l->has_invoice_concurrency)) != SWGR_OK ||
	    (rc = swgr_yaml_u32(m, "node-concurrency", false, &l->node_concurrency,
	    &l->has_node_concurrency)) != SWGR_OK ||
	    (rc = swgr_yaml_float(m, "invoice-queue-wait-secs", false, true,
	    &l->invoice_queue_wait_secs, &has_wait)) != SWGR_OK)
		return rc;
	if (!has_wait)
		l->invoice_queue_wait_secs = SWGR_INVOICE_QUEUE_WAIT_DEFAULT;
	else if (l->invoice_queue_wait_secs < 0 || l->invoice_queue_wait_secs > 60)
		return swgr_yaml_fail(m, "invoice-queue-wait-secs",
		    swgr_yaml_key_line(m, "invoice-queue-wait-secs"),
		    "expected 0 to 60 seconds");
	return SWGR_OK;
}

/* store-stale-max-secs (>= 0, 0 turns last-known-good off): ours, optional. */
static enum swgr_rc
read_stale_max(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	l->store_stale_max_secs = SWGR_STORE_STALE_MAX_DEFAULT;
	return swgr_yaml_float(m, "store-stale-max-secs", false, true, &l->store_stale_max_secs,
	    NULL);
}

/*
 * allowed-hosts (required): each entry a host name or IP literal, with an
 * optional :port (a bracketed IPv6 literal's port after the ']'); a port
 * is 1 to 65535 in decimal.
 */
static enum swgr_rc
read_allowed_hosts(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	const char *key = "allowed-hosts", *h, *port, *p;
	unsigned long pv;
	size_t i;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_strlist(m, key, &l->allowed_hosts, &l->nallowed_hosts)) != SWGR_OK)
		return rc;
	for (i = 0; i < l->nallowed_hosts; i++) {
		h = l->allowed_hosts[i];
		port = NULL;
		if (h[0] == '[') {
			if ((p = strchr(h, ']')) == NULL || (p[1] != '\0' && p[1] != ':'))
				return swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key), "'%s': "
				    "expected [IPv6] or [IPv6]:port", h);
			if (p[1] == ':')
				port = p + 2;
		} else if ((p = strchr(h, ':')) != NULL && strchr(p + 1, ':') == NULL)
			port = p + 1;	/* more than one ':': an IPv6 literal without a port */
		if (port == NULL)
			continue;
		for (pv = 0, p = port; *p >= '0' && *p <= '9' && pv <= 65535; p++)
			pv = pv * 10 + (unsigned long)(*p - '0');
		if (*port == '\0' || *p != '\0' || pv == 0 || pv > 65535)
			return swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key), "'%s': the port "
			    "after ':' must be a number from 1 to 65535", h);
	}
	return SWGR_OK;
}

/*
 * trusted-proxies (a list of addresses and CIDR blocks, default none),
 * trust-forwarded-headers and public-cache (default false): ours, optional.
 */
static enum swgr_rc
read_forwarding(const struct swgr_yaml_map *m, struct swgr_lnurl_cfg *l)
{
	const char *key = "trusted-proxies";
	struct swgr_err perr = { 0 };
	char **v = NULL;
	size_t n = 0, i;
	enum swgr_rc rc;

	if (swgr_yaml_find(m, "trust-forwarded-headers", NULL) != NULL &&
	    (rc = swgr_yaml_bool(m, "trust-forwarded-headers", &l->trust_forwarded_headers)) != SWGR_OK)
		return rc;
	if (swgr_yaml_find(m, "public-cache", NULL) != NULL &&
	    (rc = swgr_yaml_bool(m, "public-cache", &l->public_cache)) != SWGR_OK)
		return rc;
	if (swgr_yaml_find(m, key, NULL) == NULL)
		return SWGR_OK;
	if ((rc = swgr_yaml_strlist(m, key, &v, &n)) != SWGR_OK)
		goto out;
	if (n > 0 && (l->trusted_proxies = calloc(n, sizeof(*l->trusted_proxies))) == NULL) {
		rc = swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (swgr_cidr_parse(v[i], &l->trusted_proxies[i], &perr) != SWGR_OK) {
			rc = swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key), "%s", perr.msg);
			goto out;
		}
		l->ntrusted_proxies++;
	}
out:
	swgr_strv_free(v, n);
	return rc;
}

static enum swgr_rc
read_lnurl(const struct swgr_yaml_map *root, struct swgr_lnurl_cfg *l)
{
	struct swgr_yaml_map m;
	enum swgr_rc rc;
	bool has_deadline = false;

	if ((rc = swgr_yaml_mapping(root, "lnurl-service", false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	l->present = true;
	if ((rc = swgr_yaml_strlist(&m, "partitions", &l->partitions, &l->npartitions)) != SWGR_OK ||
	    (rc = swgr_yaml_addr(&m, "address", &l->address)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "health-check-frequency-secs", true, true,
	    &l->health_check_frequency_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_bool(&m, "parallel-health-check", &l->parallel_health_check)) != SWGR_OK ||
	    (rc = swgr_yaml_u32(&m, "health-check-consecutive-success-to-healthy", true,
	    &l->health_check_consecutive_success_to_healthy, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_u32(&m, "health-check-consecutive-failure-to-unhealthy", true,
	    &l->health_check_consecutive_failure_to_unhealthy, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "backend-update-frequency-secs", true, true,
	    &l->backend_update_frequency_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_uint(&m, "invoice-expiry-secs", true, UINT64_MAX,
	    &l->invoice_expiry_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "ln-client-timeout-secs", true, true,
	    &l->ln_client_timeout_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_str(&m, "ln-trusted-roots", false, &l->ln_trusted_roots)) != SWGR_OK ||
	    (rc = read_allowed_hosts(&m, l)) != SWGR_OK ||
	    (rc = read_backoff(&m, l)) != SWGR_OK ||
	    (rc = read_selection(&m, l)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "selection-capacity-bias", false, false,
	    &l->selection_capacity_bias, &l->has_capacity_bias)) != SWGR_OK ||
	    (rc = swgr_yaml_u32(&m, "comment-allowed", false, &l->comment_allowed,
	    &l->has_comment_allowed)) != SWGR_OK ||
	    (rc = read_tls(&m, &l->has_tls, &l->tls)) != SWGR_OK ||
	    (rc = swgr_yaml_u32(&m, "bech32-qr-scale", true, &l->bech32_qr_scale, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_u8(&m, "bech32-qr-light", &l->bech32_qr_light)) != SWGR_OK ||
	    (rc = swgr_yaml_u8(&m, "bech32-qr-dark", &l->bech32_qr_dark)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "request-deadline-secs", false, true, &l->request_deadline_secs,
	    &has_deadline)) != SWGR_OK)
		return rc;
	if (!has_deadline)
		l->request_deadline_secs = SWGR_REQUEST_DEADLINE_DEFAULT;
	else if (l->request_deadline_secs <= 0)
		return swgr_yaml_fail(&m, "request-deadline-secs", swgr_yaml_key_line(&m, "request-deadline-secs"),
		    "expected a positive number of seconds");
	if ((rc = read_breaker(&m, l)) != SWGR_OK || (rc = read_bulkheads(&m, l)) != SWGR_OK ||
	    (rc = read_stale_max(&m, l)) != SWGR_OK || (rc = read_forwarding(&m, l)) != SWGR_OK)
		return rc;
	l->invoice_records = true;
	l->invoice_records_retention_days = SWGR_INVOICE_RETENTION_DEFAULT;
	if ((swgr_yaml_find(&m, "invoice-records", NULL) != NULL &&
	    (rc = swgr_yaml_bool(&m, "invoice-records", &l->invoice_records)) != SWGR_OK) ||
	    (rc = swgr_yaml_float(&m, "invoice-records-retention-days", false, true,
	    &l->invoice_records_retention_days, NULL)) != SWGR_OK)
		return rc;
	if (l->invoice_records_retention_days > 36600)
		return swgr_yaml_fail(&m, "invoice-records-retention-days", swgr_yaml_key_line(&m,
		    "invoice-records-retention-days"), "expected 0 (for ever) to 36600 days");
	return read_log(&m, &l->log);
}

/* discovery-service and offer-service (the latter also has max-page-size); token-max-lifetime-secs defaults to a year. */
static enum swgr_rc
read_admin(const struct swgr_yaml_map *root, const char *key, bool offer, struct swgr_admin_cfg *a)
{
	struct swgr_yaml_map m;
	enum swgr_rc rc;
	bool has_lifetime = false;

	if ((rc = swgr_yaml_mapping(root, key, false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	a->present = true;
	if ((rc = swgr_yaml_addr(&m, "address", &a->address)) != SWGR_OK ||
	    (rc = swgr_yaml_str(&m, "auth-authority", true, &a->auth_authority)) != SWGR_OK ||
	    (rc = swgr_yaml_u32(&m, "token-max-lifetime-secs", false, &a->token_max_lifetime_secs,
	    &has_lifetime)) != SWGR_OK ||
	    (rc = read_tls(&m, &a->has_tls, &a->tls)) != SWGR_OK ||
	    (offer && (rc = swgr_yaml_u32(&m, "max-page-size", true, &a->max_page_size, NULL)) != SWGR_OK))
		return rc;
	if (!has_lifetime)
		a->token_max_lifetime_secs = SWGR_TOKEN_MAX_LIFETIME_DEFAULT;
	return read_log(&m, &a->log);
}

/* monitor: our own section (instance, stale-after-secs, log). */
static enum swgr_rc
read_monitor(const struct swgr_yaml_map *root, struct swgr_monitor_cfg *mo)
{
	struct swgr_yaml_map m;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_mapping(root, "monitor", false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	mo->present = true;
	if ((rc = swgr_yaml_str(&m, "instance", false, &mo->instance)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "stale-after-secs", false, true, &mo->stale_after_secs,
	    &mo->has_stale_after)) != SWGR_OK)
		return rc;
	if (mo->instance != NULL && (mo->instance[0] == '\0' || strlen(mo->instance) > 255))
		return swgr_yaml_fail(&m, "instance", swgr_yaml_key_line(&m, "instance"),
		    "expected a name of 1 to 255 bytes");
	return read_log(&m, &mo->log);
}

/* store.<key>: type memory, database or http with its keys. */
static enum swgr_rc
read_store(const struct swgr_yaml_map *store, const char *key, struct swgr_store_cfg *s)
{
	const char *what = "memory, database or http";
	struct swgr_yaml_map m;
	yaml_node_t *n;
	const char *type;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_mapping(store, key, false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	if ((rc = swgr_yaml_scalar(&m, "type", true, what, &type, &n)) != SWGR_OK)
		return rc;
	if (strcmp(type, "memory") == 0) {
		s->type = SWGR_STORE_MEMORY;
		return SWGR_OK;
	}
	if (strcmp(type, "database") == 0) {
		s->type = SWGR_STORE_DATABASE;
		if ((rc = swgr_yaml_str(&m, "database-uri", true, &s->database_uri)) != SWGR_OK)
			return rc;
		return swgr_yaml_u32(&m, "max-connections", true, &s->max_connections, NULL);
	}
	if (strcmp(type, "http") != 0)
		return swgr_yaml_fail(&m, "type", swgr_yaml_line(n), "expected %s", what);
	s->type = SWGR_STORE_HTTP;
	if ((rc = swgr_yaml_str(&m, "base-url", true, &s->base_url)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "connect-timeout-secs", true, true,
	    &s->connect_timeout_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_float(&m, "total-timeout-secs", true, true,
	    &s->total_timeout_secs, NULL)) != SWGR_OK ||
	    (rc = swgr_yaml_str(&m, "trusted-roots", false, &s->trusted_roots)) != SWGR_OK)
		return rc;
	return swgr_yaml_str(&m, "authorization", true, &s->authorization);
}

/*
 * store.status (ours): where node status and monitor heartbeats live, a
 * database or the memory store; a remote service cannot hold them.
 */
static enum swgr_rc
read_status_store(const struct swgr_yaml_map *store, struct swgr_store_cfg *s)
{
	struct swgr_yaml_map m;
	enum swgr_rc rc;

	if ((rc = read_store(store, "status", s)) != SWGR_OK || s->type != SWGR_STORE_HTTP)
		return rc;
	if ((rc = swgr_yaml_mapping(store, "status", false, &m)) != SWGR_OK)
		return rc;
	return swgr_yaml_fail(&m, "type", swgr_yaml_key_line(&m, "type"),
	    "node status is kept on this host: expected memory or database, not http");
}

/*
 * node-access (ours, optional): credential-directories (absolute paths,
 * default SWGR_CRED_DIR_DEFAULT) and backend-hosts (names, addresses, CIDR
 * blocks; absent or empty: any host).
 */
static enum swgr_rc
read_node_access(const struct swgr_yaml_map *root, struct swgr_node_access_cfg *na)
{
	const char *dirs = "credential-directories", *hosts = "backend-hosts";
	struct swgr_yaml_map m = { 0 };
	enum swgr_rc rc;
	size_t i;

	if ((rc = swgr_yaml_mapping(root, "node-access", false, &m)) != SWGR_OK)
		return rc;
	if (m.node != NULL && swgr_yaml_find(&m, dirs, NULL) != NULL) {
		if ((rc = swgr_yaml_strlist(&m, dirs, &na->credential_directories,
		    &na->ncredential_directories)) != SWGR_OK)
			return rc;
		for (i = 0; i < na->ncredential_directories; i++)
			if (na->credential_directories[i][0] != '/')
				return swgr_yaml_fail(&m, dirs, swgr_yaml_key_line(&m, dirs),
				    "'%s' is not an absolute path", na->credential_directories[i]);
	} else {
		if ((na->credential_directories = calloc(2, sizeof(char *))) == NULL ||
		    (na->credential_directories[0] = strdup(SWGR_CRED_DIR_DEFAULT)) == NULL)
			return swgr_err_set(root->c->err, SWGR_ENOMEM,
			    "reading configuration: out of memory");
		na->ncredential_directories = 1;
	}
	if (m.node == NULL || swgr_yaml_find(&m, hosts, NULL) == NULL)
		return SWGR_OK;
	if ((rc = swgr_yaml_strlist(&m, hosts, &na->backend_hosts, &na->nbackend_hosts)) != SWGR_OK)
		return rc;
	for (i = 0; i < na->nbackend_hosts; i++)
		if (!swgr_endpoint_host_entry_ok(na->backend_hosts[i]))
			return swgr_yaml_fail(&m, hosts, swgr_yaml_key_line(&m, hosts),
			    "'%s' is neither a host name, an IP address nor a CIDR block",
			    na->backend_hosts[i]);
	return SWGR_OK;
}

/* metrics (ours, optional): dir, an absolute path or "" (metrics off). */
static enum swgr_rc
read_metrics(const struct swgr_yaml_map *root, struct swgr_metrics_cfg *mc)
{
	struct swgr_yaml_map m;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_mapping(root, "metrics", false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	if ((rc = swgr_yaml_str(&m, "dir", false, &mc->dir)) != SWGR_OK || mc->dir == NULL)
		return rc;
	mc->has_dir = true;
	if (mc->dir[0] != '\0' && mc->dir[0] != '/')
		return swgr_yaml_fail(&m, "dir", swgr_yaml_key_line(&m, "dir"),
		    "'%s' is not an absolute path (\"\" turns metrics off)", mc->dir);
	return SWGR_OK;
}

/* Fills the struct swgr_config at arg from the document's top-level mapping. */
static enum swgr_rc
read_document(const struct swgr_yaml_map *root, void *arg)
{
	struct swgr_config *cfg = arg;
	struct swgr_yaml_map store;
	enum swgr_rc rc;

	if ((rc = read_lnurl(root, &cfg->lnurl)) != SWGR_OK ||
	    (rc = read_admin(root, "discovery-service", false, &cfg->discovery)) != SWGR_OK ||
	    (rc = read_admin(root, "offer-service", true, &cfg->offer)) != SWGR_OK ||
	    (rc = swgr_yaml_mapping(root, "store", false, &store)) != SWGR_OK ||
	    (rc = read_store(&store, "discover", &cfg->store_discover)) != SWGR_OK ||
	    (rc = read_store(&store, "offer", &cfg->store_offer)) != SWGR_OK ||
	    (rc = read_status_store(&store, &cfg->store_status)) != SWGR_OK ||
	    (rc = swgr_config_read_directory(&store, &cfg->address_directory)) != SWGR_OK ||
	    (rc = read_monitor(root, &cfg->monitor)) != SWGR_OK ||
	    (rc = read_node_access(root, &cfg->node_access)) != SWGR_OK ||
	    (rc = read_metrics(root, &cfg->metrics)) != SWGR_OK)
		return rc;
	return swgr_yaml_str(root, "secrets", false, &cfg->secrets);
}

enum swgr_rc
swgr_config_keys_read(const char *path, const char *text, struct swgr_config *cfg,
    struct swgr_err *err)
{
	return swgr_yaml_parse(path, text, read_document, cfg, &cfg->unknown_key, err);
}
