/* The suite's YAML configuration, in Switchgear's format (spec §12) plus our own keys. */
#ifndef SWGR_CONFIG_H
#define SWGR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cidr.h"
#include "core/err.h"
#include "core/log.h"
#include "core/uuid.h"

enum swgr_store_type { SWGR_STORE_NONE = 0, SWGR_STORE_MEMORY, SWGR_STORE_DATABASE, SWGR_STORE_HTTP };

/*
 * Ours: where node status and monitor heartbeats live (store.status): type
 * database or memory; NONE when the key is absent (then see swgr_store_open).
 */
struct swgr_status_cfg {
	enum swgr_store_type type;
	char		*database_uri;		/* database: after {secret.X} expansion */
	uint32_t	 max_connections;	/* database */
};

struct swgr_store_cfg {
	enum swgr_store_type type;
	char		*database_uri;		/* database: after {secret.X} expansion */
	uint32_t	 max_connections;	/* database */
	char		*base_url;		/* http */
	double		 connect_timeout_secs;	/* http */
	double		 total_timeout_secs;	/* http */
	char		*trusted_roots;		/* http, optional */
	char		*authorization;		/* http: path of the token file */
	struct swgr_status_cfg status;		/* a copy of store.status (owned) */
};

/* Our additions to every service section: where its log goes. */
struct swgr_log_cfg {
	char		*log_file;		/* NULL: stderr */
	bool		 has_log_level;
	enum swgr_log_level log_level;
};

struct swgr_tls_cfg {
	char		*cert_path;
	char		*key_path;
};

enum swgr_backoff_type { SWGR_BACKOFF_STOP, SWGR_BACKOFF_EXPONENTIAL };
enum swgr_selection { SWGR_SELECT_ROUND_ROBIN, SWGR_SELECT_RANDOM, SWGR_SELECT_CONSISTENT };

struct swgr_lnurl_cfg {
	bool		 present;
	char	       **partitions;
	size_t		 npartitions;
	char		*address;
	double		 health_check_frequency_secs;
	bool		 parallel_health_check;
	uint32_t	 health_check_consecutive_success_to_healthy;
	uint32_t	 health_check_consecutive_failure_to_unhealthy;
	double		 backend_update_frequency_secs;
	uint64_t	 invoice_expiry_secs;
	double		 ln_client_timeout_secs;
	char		*ln_trusted_roots;	/* optional */
	char	       **allowed_hosts;
	size_t		 nallowed_hosts;
	struct {
		enum swgr_backoff_type type;
		double	 initial_interval_secs;	/* defaults per spec §9.8 */
		double	 randomization_factor;
		double	 multiplier;
		double	 max_interval_secs;
		bool	 has_max_elapsed_time;
		double	 max_elapsed_time_secs;
	} backoff;
	enum swgr_selection selection;
	uint32_t	 consistent_max_iterations;
	bool		 has_capacity_bias;
	double		 selection_capacity_bias;
	bool		 has_comment_allowed;
	uint32_t	 comment_allowed;
	bool		 has_tls;
	struct swgr_tls_cfg tls;
	uint32_t	 bech32_qr_scale;
	uint8_t		 bech32_qr_light;
	uint8_t		 bech32_qr_dark;
	/*
	 * Ours: the longest an invoice request may take, failover and backoff
	 * included (request-deadline-secs, default SWGR_REQUEST_DEADLINE_DEFAULT).
	 */
	double		 request_deadline_secs;
	/*
	 * Ours: the record of every invoice handed out (store/store.h), written
	 * in batches by a thread of its own (invoice-records, default true, with
	 * a database offer store), kept invoice-records-retention-days (default
	 * 90; 0: for ever).
	 */
	bool		 invoice_records;
	double		 invoice_records_retention_days;
	/*
	 * Ours: the per-node circuit breaker (pay/breaker.h): consecutive
	 * invoice failures that open it, 0 to disable
	 * (breaker-failure-threshold), and how long an open one is skipped
	 * before a probe (breaker-cool-down-secs, > 0).
	 */
	uint32_t	 breaker_failure_threshold;
	double		 breaker_cool_down_secs;
	/*
	 * Ours: the bulkheads (core/gate.h, pay/balancer.c).  At most
	 * invoice_concurrency requests inside invoice work at once, waiting for
	 * a place while someone got one within invoice_queue_wait_secs; at most
	 * node_concurrency calls out to one node.  Absent (has_* false): derived
	 * from the worker threads at start; 0: no limit.
	 */
	uint32_t	 invoice_concurrency;
	bool		 has_invoice_concurrency;
	double		 invoice_queue_wait_secs;
	uint32_t	 node_concurrency;
	bool		 has_node_concurrency;
	/*
	 * Ours: how long what was read from the stores (offers with their
	 * metadata, backends, node status) is still used while the store
	 * cannot be reached (store-stale-max-secs); 0: not at all.
	 */
	double		 store_stale_max_secs;
	/*
	 * Ours: whose Forwarded, X-Forwarded-Host and X-Forwarded-Proto are
	 * believed for the host and scheme of generated URLs: every client's
	 * (trust-forwarded-headers: true, Switchgear's way), else a client whose
	 * REMOTE_ADDR is in trusted-proxies (blocks parsed at load); else none,
	 * and the web server's Host and HTTPS decide.  public-cache: the cache
	 * headers of payRequest, bech32 and QR say public, not private.
	 */
	struct swgr_cidr *trusted_proxies;
	size_t		 ntrusted_proxies;
	bool		 trust_forwarded_headers;
	bool		 public_cache;
	struct swgr_log_cfg log;
};

#define SWGR_REQUEST_DEADLINE_DEFAULT	10.0	/* seconds; wallets give up near 30 */
#define SWGR_BREAKER_THRESHOLD_DEFAULT	3
#define SWGR_BREAKER_COOL_DOWN_DEFAULT	10.0	/* seconds */
#define SWGR_INVOICE_QUEUE_WAIT_DEFAULT	0.25	/* seconds */
#define SWGR_INVOICE_RETENTION_DEFAULT	90.0	/* days */
#define SWGR_STORE_STALE_MAX_DEFAULT	3600.0	/* seconds: payments go on through an hour's outage */
#define SWGR_TOKEN_MAX_LIFETIME_DEFAULT	31536000	/* seconds (a year) a token's exp may be ahead */

struct swgr_admin_cfg {
	bool		 present;
	char		*address;		/* accepted, no effect under FastCGI */
	char		*auth_authority;	/* path of the SPKI PEM */
	bool		 has_tls;
	struct swgr_tls_cfg tls;
	uint32_t	 max_page_size;		/* offer-service only */
	uint32_t	 token_max_lifetime_secs; /* bound on exp - now; 0: none */
	struct swgr_log_cfg log;
};

/*
 * Our addition: the monitor section, shared by swgr-monitord (which writes
 * this instance's status rows) and swgr-lnurl (which reads them).
 */
struct swgr_monitor_cfg {
	bool		 present;
	char		*instance;		/* NULL: this host's name */
	bool		 has_stale_after;
	double		 stale_after_secs;	/* default: see swgr_config_stale_after */
	struct swgr_log_cfg log;
};

/*
 * Ours: node-access, where node credentials may be read from and which
 * backend hosts may be called (core/credfile.h, core/endpoint.h).
 */
struct swgr_node_access_cfg {
	char	       **credential_directories;	/* absolute; default SWGR_CRED_DIR_DEFAULT */
	size_t		 ncredential_directories;
	char	       **backend_hosts;		/* names, addresses, CIDR blocks; none: any host */
	size_t		 nbackend_hosts;
};

/* $(sysconfdir)/swgr/node-credentials, from configure. */
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define SWGR_CRED_DIR_DEFAULT	SYSCONFDIR "/swgr/node-credentials"

/* Ours: metrics (core/metrics.h): where each process's segment is written. */
struct swgr_metrics_cfg {
	bool		 has_dir;
	char		*dir;			/* "" turns metrics off */
};
#define SWGR_METRICS_DIR_DEFAULT	"/run/swgr/metrics"

/*
 * Ours: store.address-directory, Lightning Addresses from an LDAP directory
 * (store/ldap.h) for the domains it names, asked when the offer store has no
 * address of that name.
 */
struct swgr_ldap_cfg {
	bool		 present;
	char		*uri;			/* ldap:// or ldaps:// (a space-separated list) */
	char		*bind_dn;		/* NULL: anonymous */
	char		*password_file;		/* with bind_dn */
	char		*base_dn;
	char		*username_attribute;	/* default "uid" */
	char		*filter;		/* with "{username}"; default (<attr>={username}) */
	char		*offer_attribute;	/* NULL: every user pays default_offer */
	bool		 has_default_offer;
	struct swgr_uuid default_offer;
	char		*partition;		/* default "default" */
	char	       **domains;		/* canonical (core/lnaddr.h) */
	size_t		 ndomains;
	double		 refresh_secs;		/* how long a lookup is kept; default 60 */
	double		 timeout_secs;		/* connect, bind and search; default 5 */
	double		 stale_max_secs;	/* a lookup stands in while unreachable; default 3600 */
};
#define SWGR_LDAP_REFRESH_DEFAULT	60.0
#define SWGR_LDAP_TIMEOUT_DEFAULT	5.0

struct swgr_config {
	char		*path;
	struct swgr_lnurl_cfg lnurl;
	struct swgr_admin_cfg discovery;
	struct swgr_admin_cfg offer;
	struct swgr_store_cfg store_discover;	/* type NONE when absent */
	struct swgr_store_cfg store_offer;
	struct swgr_store_cfg store_status;	/* ours: store.status, type NONE when absent */
	char		*secrets;		/* path, optional */
	struct swgr_monitor_cfg monitor;
	struct swgr_node_access_cfg node_access;
	/*
	 * The first key of the file that no reader looked for (a typo, or a key
	 * the settings around it leave unused), as "parsing YAML configuration
	 * from file '<path>': line L: <dotted key>: unknown key"; NULL: none.
	 * Start-up ignores it (spec §12.1, with a warning); -n refuses it.
	 */
	char		*unknown_key;
	struct swgr_metrics_cfg metrics;
	struct swgr_ldap_cfg address_directory;
};

/*
 * Loads path per spec §12.1: env-var expansion over the whole text, strict
 * YAML (duplicate keys are errors), secrets file, {secret.NAME} expansion in
 * database URIs.  Sections are read when present; a present section must have
 * every required key.  Errors name the file, the line and the key, e.g.
 * "parsing YAML configuration from file 'x.yaml': line 7: offer-service.max-page-size: expected an unsigned integer".
 * On success the caller owns *cfg (swgr_config_free).  Logs the INFO/WARN
 * lines of §12.1 about secrets through swgr_log.
 */
enum swgr_rc	 swgr_config_load(const char *path, struct swgr_config *cfg, struct swgr_err *err);
void		 swgr_config_free(struct swgr_config *cfg);

/* This instance's name: monitor.instance, else the host name. */
void		 swgr_config_instance(const struct swgr_config *cfg, char *out, size_t outlen);
/*
 * How old this instance's monitor heartbeat may be before its status rows
 * are not trusted: monitor.stale-after-secs, else three health-check
 * periods, at least 3 s.
 */
double		 swgr_config_stale_after(const struct swgr_config *cfg);
/*
 * The directory of the metrics segments into out: metrics.dir, else
 * $RUNTIME_DIRECTORY/metrics (its first path) when set, else
 * SWGR_METRICS_DIR_DEFAULT.  False when metrics are off (dir: "") or the
 * path does not fit.
 */
bool		 swgr_config_metrics_dir(const struct swgr_config *cfg, char *out, size_t outlen);

/*
 * The building blocks, exposed for tests:
 * env expansion of text (spec §12.1 step 2) into a malloc'd string;
 * dotenv parsing into parallel arrays; {secret.NAME} expansion.
 */
enum swgr_rc	 swgr_config_expand_env(const char *text, char **out, struct swgr_err *err);
struct swgr_secrets {
	char	       **names;
	char	       **values;
	size_t		 n;
};
enum swgr_rc	 swgr_secrets_load(const char *path, struct swgr_secrets *out, struct swgr_err *err);
enum swgr_rc	 swgr_secrets_parse(const char *text, struct swgr_secrets *out, struct swgr_err *err);
void		 swgr_secrets_free(struct swgr_secrets *s);
enum swgr_rc	 swgr_config_expand_secrets(const char *uri, const struct swgr_secrets *s,
		    char **out, struct swgr_err *err);

#endif
