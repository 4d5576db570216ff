/* Unit tests of the configuration: env expansion, dotenv secrets, {secret.NAME}, strict YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "config/config.h"
#include "core/log.h"
#include "store/directory.h"
#include "kit.h"
#include "t.h"

static void test_config_too_big(struct swgr_config *cfg, struct swgr_err *err);

static const char *tmpdir;
static char datadir[512];

/* Line (1-based) of the first occurrence of needle in text, 0 if absent. */
static int
line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *q;
	int line = 1;

	if (p == NULL)
		return 0;
	for (q = text; q < p; q++)
		if (*q == '\n')
			line++;
	return line;
}

/* A malloc'd copy of s with the first "from" replaced by "to" (from must occur). */
static char *
subst(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	struct swgr_buf b = { 0 };

	if (p == NULL) {
		fprintf(stderr, "subst: \"%s\" not found\n", from);
		abort();
	}
	swgr_buf_put(&b, s, (size_t)(p - s));
	swgr_buf_puts(&b, to);
	swgr_buf_puts(&b, p + strlen(from));
	return swgr_buf_take(&b, NULL);
}

static char yaml_path[128];

/* Loads yaml from a temporary file. */
static enum swgr_rc
load_text(const char *yaml, struct swgr_config *cfg, struct swgr_err *err)
{
	kit_write(yaml_path, yaml, 0644);
	swgr_err_clear(err);
	return swgr_config_load(yaml_path, cfg, err);
}

/*
 * What an expansion gave, as a static string: out (then freed) when rc is
 * SWGR_OK, else "<error: MSG>", or "<error RC: MSG>" when with_rc.
 */
static const char *
expanded(enum swgr_rc rc, char *out, const struct swgr_err *err, int with_rc)
{
	static char last[1024];

	if (rc != SWGR_OK && with_rc)
		snprintf(last, sizeof(last), "<error %d: %s>", rc, err->msg);
	else if (rc != SWGR_OK)
		snprintf(last, sizeof(last), "<error: %s>", err->msg);
	else {
		snprintf(last, sizeof(last), "%s", out);
		free(out);
	}
	return last;
}

/* Expands text's env vars: the result or "<error: ...>". */
static const char *
xenv(const char *text)
{
	struct swgr_err err;
	char *out = NULL;
	enum swgr_rc rc = swgr_config_expand_env(text, &out, &err);

	return expanded(rc, out, &err, 0);
}

static void
test_expand_env(void)
{
	struct swgr_err err;
	char *out = (char *)"unchanged";

	setenv("SWGR_T_A", "alpha", 1);
	setenv("SWGR_T_EMPTY", "", 1);
	unsetenv("SWGR_T_UNSET");
	unsetenv(":-x");

	CHECK_STR(xenv("no dollars"), "no dollars");
	CHECK_STR(xenv("${SWGR_T_A}"), "alpha");
	CHECK_STR(xenv("x$SWGR_T_A.y"), "xalpha.y");
	CHECK_STR(xenv("$SWGR_T_A$SWGR_T_A"), "alphaalpha");
	CHECK_STR(xenv("${SWGR_T_UNSET:-def ault}"), "def ault");
	CHECK_STR(xenv("${SWGR_T_A:-def}"), "alpha");
	/* Set but empty: the default is not used. */
	CHECK_STR(xenv("[${SWGR_T_EMPTY:-def}]"), "[]");
	CHECK_STR(xenv("[${SWGR_T_UNSET:-}]"), "[]");
	/* The default is literal, not expanded again. */
	CHECK_STR(xenv("${SWGR_T_UNSET:-$SWGR_T_A}"), "$SWGR_T_A");
	CHECK_STR(xenv("${SWGR_T_UNSET:-a:-b}"), "a:-b");
	CHECK_STR(xenv("$$"), "$");
	CHECK_STR(xenv("$$SWGR_T_A"), "$SWGR_T_A");
	CHECK_STR(xenv("a$-b $ c $"), "a$-b $ c $");
	CHECK_STR(xenv("${SWGR_T_A}}"), "alpha}");
	/* "${" with no "}" in the rest of the text stays. */
	CHECK_STR(xenv("cost ${ and $SWGR_T_A"), "cost ${ and alpha");
	/* The first "}" ends the name, even much later. */
	CHECK_STR(xenv("${SWGR_T_UNSET:-x\ny}z"), "x\nyz");

	CHECK_INT(swgr_config_expand_env("a\nb\n$SWGR_T_UNSET x", &out, &err), SWGR_EINVAL);
	CHECK(out == NULL);
	CHECK(kit_contains(err.msg, "'SWGR_T_UNSET'"));
	CHECK(kit_contains(err.msg, "line 3"));
	CHECK(kit_contains(xenv("${SWGR_T_UNSET}"), "'SWGR_T_UNSET' is not set"));
	CHECK(kit_contains(xenv("${SWGR_T_EMPTY}${SWGR_T_UNSET}"), "'SWGR_T_UNSET'"));
	/* ${:-x} names a variable ":-x". */
	CHECK(kit_contains(xenv("${:-x}"), "':-x' is not set"));
	CHECK(kit_contains(xenv("${}"), "'' is not set"));
	/* Unicode alphanumerics belong to the name; an em dash does not. */
	CHECK(kit_contains(xenv("$SWGR_T_\xc3\xa9x"), "'SWGR_T_\xc3\xa9x'"));
	CHECK_STR(xenv("$SWGR_T_A\xe2\x80\x94"), "alpha\xe2\x80\x94");
}

/* Parses dotenv text; returns the value of name as a static copy, "<error>" or "<absent>". */
/* Checks that s holds n secrets and, if it does, their names and values: want[2i], want[2i + 1]. */
static void
check_secrets(const struct swgr_secrets *s, size_t n, const char *const *want)
{
	size_t i;

	CHECK_INT(s->n, n);
	for (i = 0; s->n == n && i < n; i++) {
		CHECK_STR(s->names[i], want[2 * i]);
		CHECK_STR(s->values[i], want[2 * i + 1]);
	}
}

static const char *
xenvfile(const char *text, const char *name)
{
	static char last[1024];
	struct swgr_secrets s;
	struct swgr_err err;
	size_t i;

	if (swgr_secrets_parse(text, &s, &err) != SWGR_OK) {
		snprintf(last, sizeof(last), "<error: %s>", err.msg);
		return last;
	}
	snprintf(last, sizeof(last), "<absent>");
	for (i = 0; i < s.n; i++)
		if (strcmp(s.names[i], name) == 0)
			snprintf(last, sizeof(last), "%s", s.values[i]);
	swgr_secrets_free(&s);
	return last;
}

/* Dotenv texts swgr_secrets_parse refuses: the text, a name in it, what the error contains. */
static const struct {
	const char	*text, *name, *err;
} bad_env[] = {
	{ "J=a b\n", "J", "<error: line 1" },
	{ "1BAD=x\n", "1BAD", "<error" },
	{ "NOEQUALS\n", "NOEQUALS", "<error" },
	{ "export\n", "export", "<error" },
	{ "O=\"unterminated\n", "O", "<error" },
	{ "P='unterminated\n", "P", "<error" },
	{ "Q=\"\\q\"\n", "Q", "<error" },
	{ "R=${OPEN\n", "R", "<error" },
	{ "A=1\nB=2\n\nC=bad value\n", "C", "<error: line 4: " },
	{ "A=\"x\ny\"\nC=\"bad\" value\n", "C", "<error: line 3: " },
	{ "# c\n  # c2 'x\nA=1\n\nB=bad value\n", "B", "<error: line 5: " },
	{ "A='\n# in quotes\n'\nB=bad value\n", "B", "<error: line 4: " },
};

static void
test_dotenv(void)
{
	struct swgr_secrets s;
	struct swgr_err err;
	size_t i;

	setenv("SWGR_T_A", "alpha", 1);
	setenv("SWGRTA", "alpha", 1);
	setenv("SWGR_T_SHADOW", "from-env", 1);
	unsetenv("SWGR_T_UNSET");
	unsetenv("SWGRUNSET");
	unsetenv("LOCAL");

	CHECK_INT(swgr_secrets_parse("A=1\n\n# c\n  # indented comment\nB=two\n", &s, &err), SWGR_OK);
	check_secrets(&s, 2, (const char *[]){ "A", "1", "B", "two" });
	swgr_secrets_free(&s);
	CHECK_INT(s.n, 0);

	CHECK_STR(xenvfile("export C=3\n", "C"), "3");
	CHECK_STR(xenvfile("export   C = 3 \n", "C"), "3");
	CHECK_STR(xenvfile("export=5\n", "export"), "5");
	CHECK_STR(xenvfile("my.key_1=v\n", "my.key_1"), "v");
	CHECK_STR(xenvfile("D='lit $SWGR_T_A \\n \"x\"'\n", "D"), "lit $SWGR_T_A \\n \"x\"");
	CHECK_STR(xenvfile("E=\"a\\nb\\\"c\\\\d\\$e\\'f\"\n", "E"), "a\nb\"c\\d$e'f");
	CHECK_STR(xenvfile("F=\"line1\nline2\"\nG=after\n", "F"), "line1\nline2");
	CHECK_STR(xenvfile("F=\"line1\nline2\"\nG=after\n", "G"), "after");
	CHECK_STR(xenvfile("F='a\n# not a comment\nb'\n", "F"), "a\n# not a comment\nb");
	CHECK_STR(xenvfile("G=$SWGRTA\n", "G"), "alpha");
	CHECK_STR(xenvfile("G=$SWGRTA$SWGRTA\n", "G"), "alphaalpha");
	CHECK_STR(xenvfile("H=${SWGR_T_A}x\n", "H"), "alphax");
	CHECK_STR(xenvfile("H=\"<${SWGR_T_A}>\"\n", "H"), "<alpha>");
	CHECK_STR(xenvfile("H=\"$SWGRTA\"\n", "H"), "alpha");
	CHECK_STR(xenvfile("H=\"$SWGRTA-$SWGRTA\"\n", "H"), "alpha-alpha");
	CHECK_STR(xenvfile("H=pre\\$SWGRTA\n", "H"), "pre$SWGRTA");
	CHECK_STR(xenvfile("H='$SWGRTA'\n", "H"), "$SWGRTA");
	CHECK_STR(xenvfile("I=x${SWGR_T_UNSET}.y$SWGRUNSET\n", "I"), "x.y");
	/* Earlier lines of the file, after the environment (as dotenvy). */
	CHECK_STR(xenvfile("LOCAL=l1\nJ=$LOCAL/${LOCAL}\n", "J"), "l1/l1");
	CHECK_STR(xenvfile("SWGR_T_SHADOW=file\nJ=${SWGR_T_SHADOW}\n", "J"), "from-env");
	/* Without braces a name is alphanumerics only, as dotenvy: '_' ends it. */
	CHECK_STR(xenvfile("MY=m\nV=$MY_X\n", "V"), "m_X");
	CHECK_STR(xenvfile("V=$SWGR_T_A\n", "V"), "_T_A");
	CHECK_STR(xenvfile("MY_X=mx\nV=${MY_X}\n", "V"), "mx");
	CHECK_STR(xenvfile("K=v #comment\n", "K"), "v");
	CHECK_STR(xenvfile("K=v#x\n", "K"), "v#x");
	CHECK_STR(xenvfile("M=\n", "M"), "");
	CHECK_STR(xenvfile("N= # nothing\n", "N"), "");
	CHECK_STR(xenvfile("O=\"a b\" # c\n", "O"), "a b");
	CHECK_STR(xenvfile("P=1\r\nQ=2\r\n", "P"), "1");
	CHECK_STR(xenvfile("\xef\xbb\xbfR=bom\n", "R"), "bom");
	CHECK_STR(xenvfile("S=1\nS=2\n", "S"), "2");
	CHECK_STR(xenvfile("T=last", "T"), "last");

	CHECK_INT(swgr_secrets_parse("S=1\nS=2\n", &s, &err), SWGR_OK);
	CHECK_INT(s.n, 1);
	swgr_secrets_free(&s);

	for (i = 0; i < sizeof(bad_env) / sizeof(bad_env[0]); i++)
		CHECK(kit_contains(xenvfile(bad_env[i].text, bad_env[i].name), bad_env[i].err));
	/* The message names the line, never its text. */
	CHECK(kit_lacks(xenvfile("PASSWORD=hunter2 oops\n", "PASSWORD"), "hunter2"));
}

static void
test_secrets_load(void)
{
	struct swgr_secrets s;
	struct swgr_err err;
	char path[600];

	swgr_err_clear(&err);
	CHECK(swgr_secrets_load("/nonexistent/swgr.env", &s, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "error reading secrets file /nonexistent/swgr.env"));

	snprintf(path, sizeof(path), "%s/bad.env", tmpdir);
	kit_write(path, "GOOD=1\nPASSWORD=hunter2 oops\n", 0644);
	CHECK(swgr_secrets_load(path, &s, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "error parsing secrets file "));
	CHECK(kit_contains(err.msg, path));
	CHECK(kit_contains(err.msg, "line 2"));
	CHECK(kit_lacks(err.msg, "hunter2"));
	CHECK_INT(s.n, 0);

	snprintf(path, sizeof(path), "%s/persistence-secrets.env", datadir);
	CHECK_INT(swgr_secrets_load(path, &s, &err), SWGR_OK);
	check_secrets(&s, 4, (const char *[]){ "MYSQL_USERNAME", "switchgear",
	    "MYSQL_PASSWORD", "s3cr3t-My$QL", "POSTGRES_USERNAME", "switchgear",
	    "POSTGRES_PASSWORD", "pg-pa$$word" });
	swgr_secrets_free(&s);
}

static const char *
xsec(const char *uri)
{
	static char *names[] = { "U", "P", "E" };
	static char *values[] = { "user", "p@ss{}", "" };
	struct swgr_secrets s = { names, values, 3 };
	struct swgr_err err;
	char *out = NULL;
	enum swgr_rc rc = swgr_config_expand_secrets(uri, &s, &out, &err);

	return expanded(rc, out, &err, 1);
}

static void
test_expand_secrets(void)
{
	char err[64];

	snprintf(err, sizeof(err), "<error %d: ", SWGR_EINVAL);
	CHECK_STR(xsec("sqlite:///data/x.db?mode=rwc"), "sqlite:///data/x.db?mode=rwc");
	CHECK_STR(xsec("mysql://{secret.U}:{secret.P}@db:3306/x"), "mysql://user:p@ss{}@db:3306/x");
	CHECK_STR(xsec("a{{b}}c{secret.E}d"), "a{b}cd");
	CHECK_STR(xsec("{{{secret.U}}}"), "{user}");
	CHECK_STR(xsec(""), "");
	CHECK(kit_contains(xsec("x{secret.MISSING}"), err));
	CHECK(kit_contains(xsec("x{secret.U"), err));
	CHECK(kit_contains(xsec("x}y"), err));
	CHECK(kit_contains(xsec("x}"), err));
	CHECK(kit_contains(xsec("{secret.U{x}}"), err));
	CHECK(kit_contains(xsec("{U}"), err));
	CHECK(kit_contains(xsec("{}"), err));
	CHECK(kit_contains(xsec("{secret.U:>8}"), err));
	CHECK(kit_lacks(xsec("{secret.P}{secret.MISSING}"), "p@ss"));
}

/* Points the example files' variables at known values. */
static void
example_env(void)
{
	static const char *unset[] = {
		"LNURL_SERVICE_ADDRESS", "LNURL_SERVICE_ALLOWED_HOSTS", "DISCOVERY_SERVICE_ADDRESS",
		"OFFER_SERVICE_ADDRESS", "OFFER_STORE_DATABASE_URI", "DISCOVERY_STORE_DATABASE_URI",
		"SECRETS_PATH"
	};
	size_t i;

	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		unsetenv(unset[i]);
	setenv("DISCOVERY_SERVICE_AUTH_AUTHORITY_PATH", "/etc/swgr/discovery.pem", 1);
	setenv("OFFER_SERVICE_AUTH_AUTHORITY_PATH", "/etc/swgr/offer.pem", 1);
}

static void
test_persistence(void)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char path[600], logpath[128], *log;

	example_env();
	snprintf(logpath, sizeof(logpath), "%s/persistence.log", tmpdir);
	CHECK_INT(swgr_log_open(logpath, SWGR_LOG_INFO, &err), SWGR_OK);
	snprintf(path, sizeof(path), "%s/persistence.yaml", datadir);
	CHECK_INT(swgr_config_load(path, &cfg, &err), SWGR_OK);
	CHECK_STR(cfg.path, path);

	CHECK(cfg.lnurl.present);
	CHECK_INT(cfg.lnurl.npartitions, 1);
	if (cfg.lnurl.npartitions == 1)
		CHECK_STR(cfg.lnurl.partitions[0], "default");
	CHECK_STR(cfg.lnurl.address, "127.0.0.1:8080");
	CHECK(cfg.lnurl.health_check_frequency_secs == 1.0);
	CHECK(cfg.lnurl.parallel_health_check);
	CHECK_INT(cfg.lnurl.health_check_consecutive_success_to_healthy, 1);
	CHECK_INT(cfg.lnurl.health_check_consecutive_failure_to_unhealthy, 1);
	CHECK(cfg.lnurl.backend_update_frequency_secs == 1.0);
	CHECK_INT(cfg.lnurl.invoice_expiry_secs, 180);
	CHECK(cfg.lnurl.ln_client_timeout_secs == 2.0);
	CHECK(cfg.lnurl.ln_trusted_roots == NULL);
	/* ["${LNURL_SERVICE_ALLOWED_HOSTS:-}"] unset is [""] (spec §12.3). */
	CHECK_INT(cfg.lnurl.nallowed_hosts, 1);
	if (cfg.lnurl.nallowed_hosts == 1)
		CHECK_STR(cfg.lnurl.allowed_hosts[0], "");
	CHECK_INT(cfg.lnurl.backoff.type, SWGR_BACKOFF_EXPONENTIAL);
	CHECK(cfg.lnurl.backoff.initial_interval_secs == 0.5);
	CHECK(cfg.lnurl.backoff.randomization_factor == 0.5);
	CHECK(cfg.lnurl.backoff.multiplier == 1.5);
	CHECK(cfg.lnurl.backoff.max_interval_secs == 60.0);
	CHECK(cfg.lnurl.backoff.has_max_elapsed_time);
	CHECK(cfg.lnurl.backoff.max_elapsed_time_secs == 2.5);
	CHECK_INT(cfg.lnurl.selection, SWGR_SELECT_ROUND_ROBIN);
	CHECK(cfg.lnurl.has_capacity_bias);
	CHECK(cfg.lnurl.selection_capacity_bias == -0.2);
	CHECK(!cfg.lnurl.has_comment_allowed);
	CHECK(!cfg.lnurl.has_tls);
	CHECK_INT(cfg.lnurl.bech32_qr_scale, 8);
	CHECK_INT(cfg.lnurl.bech32_qr_light, 255);
	CHECK_INT(cfg.lnurl.bech32_qr_dark, 0);
	CHECK(cfg.lnurl.log.log_file == NULL);
	CHECK(!cfg.lnurl.log.has_log_level);

	CHECK(cfg.discovery.present);
	CHECK_STR(cfg.discovery.address, "127.0.0.1:8081");
	CHECK_STR(cfg.discovery.auth_authority, "/etc/swgr/discovery.pem");
	CHECK(!cfg.discovery.has_tls);
	CHECK(cfg.offer.present);
	CHECK_STR(cfg.offer.address, "127.0.0.1:8082");
	CHECK_STR(cfg.offer.auth_authority, "/etc/swgr/offer.pem");
	CHECK_INT(cfg.offer.max_page_size, 100);
	/* token-max-lifetime-secs absent: a year, in both sections */
	CHECK_INT(cfg.discovery.token_max_lifetime_secs, 31536000);
	CHECK_INT(cfg.offer.token_max_lifetime_secs, SWGR_TOKEN_MAX_LIFETIME_DEFAULT);

	CHECK_INT(cfg.store_offer.type, SWGR_STORE_DATABASE);
	CHECK_STR(cfg.store_offer.database_uri, "sqlite:///data/offer_store.db?mode=rwc");
	CHECK_INT(cfg.store_offer.max_connections, 5);
	CHECK_INT(cfg.store_discover.type, SWGR_STORE_DATABASE);
	CHECK_STR(cfg.store_discover.database_uri, "sqlite:///data/discovery_store.db?mode=rwc");
	CHECK_INT(cfg.store_discover.max_connections, 5);
	CHECK(cfg.secrets == NULL);
	swgr_config_free(&cfg);
	CHECK(cfg.lnurl.address == NULL);

	/* Variables override the defaults. */
	setenv("LNURL_SERVICE_ADDRESS", "[::1]:9090", 1);
	setenv("LNURL_SERVICE_ALLOWED_HOSTS", "pay.example.com", 1);
	setenv("OFFER_STORE_DATABASE_URI", "postgres://u:pw@db/offers", 1);
	CHECK_INT(swgr_config_load(path, &cfg, &err), SWGR_OK);
	CHECK_STR(cfg.lnurl.address, "[::1]:9090");
	if (cfg.lnurl.nallowed_hosts == 1)
		CHECK_STR(cfg.lnurl.allowed_hosts[0], "pay.example.com");
	CHECK_STR(cfg.store_offer.database_uri, "postgres://u:pw@db/offers");
	swgr_config_free(&cfg);
	example_env();

	swgr_log_close();
	swgr_log_open(NULL, SWGR_LOG_ERROR, &err);
	log = kit_slurp(logpath);
	CHECK(kit_contains(log, " WARN  swgr::config] no secrets file in config, skipping secret loading\n"));
	free(log);
}

static void
test_persistence_secrets(void)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char path[600], env[600], logpath[128], want[800], *log;

	example_env();
	snprintf(logpath, sizeof(logpath), "%s/secrets.log", tmpdir);
	CHECK_INT(swgr_log_open(logpath, SWGR_LOG_INFO, &err), SWGR_OK);
	snprintf(path, sizeof(path), "%s/persistence-with-secrets.yaml", datadir);
	snprintf(env, sizeof(env), "%s/persistence-secrets.env", datadir);
	setenv("SECRETS_PATH", env, 1);
	setenv("OFFER_STORE_DATABASE_URI", "mariadb.example:3306/offers", 1);
	setenv("DISCOVERY_STORE_DATABASE_URI", "pg.example/discovery?sslmode=require", 1);
	CHECK_INT(swgr_config_load(path, &cfg, &err), SWGR_OK);
	CHECK_STR(cfg.secrets, env);
	CHECK_STR(cfg.store_offer.database_uri,
	    "mysql://switchgear:s3cr3t-My$QL@mariadb.example:3306/offers");
	CHECK_STR(cfg.store_discover.database_uri,
	    "postgres://switchgear:pg-pa$$word@pg.example/discovery?sslmode=require");
	swgr_config_free(&cfg);

	/* Without the secrets file the placeholders have no value. */
	unsetenv("SECRETS_PATH");
	CHECK(swgr_config_load(path, &cfg, &err) != SWGR_OK);
	CHECK_STR(err.msg, "Error while inserting secrets for discovery database connection uri. "
	    "Invalid uri or missing secrets in: postgres://{secret.POSTGRES_USERNAME}:"
	    "{secret.POSTGRES_PASSWORD}@pg.example/discovery?sslmode=require");
	CHECK(cfg.path == NULL);

	/* A missing secrets file. */
	setenv("SECRETS_PATH", "/nonexistent/secrets.env", 1);
	CHECK(swgr_config_load(path, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "error reading secrets file /nonexistent/secrets.env"));
	example_env();

	swgr_log_close();
	swgr_log_open(NULL, SWGR_LOG_ERROR, &err);
	log = kit_slurp(logpath);
	snprintf(want, sizeof(want), " INFO  swgr::config] secrets loaded successfully from: %s\n", env);
	CHECK(kit_contains(log, want));
	CHECK(kit_lacks(log, "s3cr3t"));
	CHECK(kit_lacks(log, "pg-pa"));
	free(log);
}

/* A complete configuration using the keys the example files leave out. */
static const char full_yaml[] =
	"lnurl-service:\n"
	"  partitions: [a, b, a]\n"
	"  address: 0.0.0.0:443\n"
	"  health-check-frequency-secs: 3\n"
	"  parallel-health-check: false\n"
	"  health-check-consecutive-success-to-healthy: 2\n"
	"  health-check-consecutive-failure-to-unhealthy: 4294967295\n"
	"  backend-update-frequency-secs: 0.25\n"
	"  invoice-expiry-secs: 18446744073709551615\n"
	"  ln-client-timeout-secs: 1e1\n"
	"  ln-trusted-roots: /etc/ssl/nodes.pem\n"
	"  allowed-hosts: []\n"
	"  backoff:\n"
	"    type: exponential\n"
	"    initial-interval-secs: 1\n"
	"    randomization-factor: 0.1\n"
	"    multiplier: 2\n"
	"    max-interval-secs: 30.5\n"
	"  backend-selection:\n"
	"    consistent:\n"
	"      max_iterations: 7\n"
	"  selection-capacity-bias:\n"
	"  comment-allowed: 140\n"
	"  tls:\n"
	"    cert-path: /etc/swgr/cert.pem\n"
	"    key-path: /etc/swgr/key.pem\n"
	"  bech32-qr-scale: 4\n"
	"  bech32-qr-light: 200\n"
	"  bech32-qr-dark: 10\n"
	"  log-file: /var/log/swgr/lnurl.log\n"
	"  log-level: DEBUG\n"
	"  some-future-key: {ignored: true}\n"
	"discovery-service:\n"
	"  address: \"127.0.0.1:1\"\n"
	"  auth-authority: /a.pem\n"
	"  token-max-lifetime-secs: 0\n"
	"  tls: {cert-path: c.pem, key-path: k.pem}\n"
	"  log-level: off\n"
	"offer-service:\n"
	"  address: 127.0.0.1:2\n"
	"  auth-authority: /b.pem\n"
	"  token-max-lifetime-secs: 86400\n"
	"  max-page-size: 0x10\n"
	"  log-file: offer.log\n"
	"store:\n"
	"  discover:\n"
	"    type: http\n"
	"    base-url: https://disc.example/\n"
	"    connect-timeout-secs: 1\n"
	"    total-timeout-secs: 2.5\n"
	"    trusted-roots: /etc/ssl/disc.pem\n"
	"    authorization: /etc/swgr/disc.token\n"
	"  offer:\n"
	"    type: memory\n"
	"telemetry: {unknown: section}\n"
	"secrets:\n";

static void
test_full(void)
{
	struct swgr_config cfg;
	struct swgr_err err;

	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.lnurl.npartitions, 2);
	if (cfg.lnurl.npartitions == 2) {
		CHECK_STR(cfg.lnurl.partitions[0], "a");
		CHECK_STR(cfg.lnurl.partitions[1], "b");
	}
	CHECK_STR(cfg.lnurl.address, "0.0.0.0:443");
	CHECK(cfg.lnurl.health_check_frequency_secs == 3.0);
	CHECK(!cfg.lnurl.parallel_health_check);
	CHECK_INT(cfg.lnurl.health_check_consecutive_success_to_healthy, 2);
	CHECK(cfg.lnurl.health_check_consecutive_failure_to_unhealthy == 4294967295u);
	CHECK(cfg.lnurl.backend_update_frequency_secs == 0.25);
	CHECK(cfg.lnurl.invoice_expiry_secs == UINT64_MAX);
	CHECK(cfg.lnurl.ln_client_timeout_secs == 10.0);
	CHECK_INT(cfg.lnurl.breaker_failure_threshold, SWGR_BREAKER_THRESHOLD_DEFAULT);
	CHECK(cfg.lnurl.breaker_cool_down_secs == SWGR_BREAKER_COOL_DOWN_DEFAULT);
	CHECK(!cfg.lnurl.has_invoice_concurrency && !cfg.lnurl.has_node_concurrency);
	CHECK(cfg.lnurl.invoice_queue_wait_secs == SWGR_INVOICE_QUEUE_WAIT_DEFAULT);
	CHECK(cfg.lnurl.store_stale_max_secs == SWGR_STORE_STALE_MAX_DEFAULT);
	CHECK(SWGR_STORE_STALE_MAX_DEFAULT == 3600.0);
	CHECK_STR(cfg.lnurl.ln_trusted_roots, "/etc/ssl/nodes.pem");
	CHECK_INT(cfg.lnurl.nallowed_hosts, 0);
	CHECK(cfg.lnurl.backoff.initial_interval_secs == 1.0);
	CHECK(cfg.lnurl.backoff.randomization_factor == 0.1);
	CHECK(cfg.lnurl.backoff.multiplier == 2.0);
	CHECK(cfg.lnurl.backoff.max_interval_secs == 30.5);
	CHECK(!cfg.lnurl.backoff.has_max_elapsed_time);
	CHECK_INT(cfg.lnurl.selection, SWGR_SELECT_CONSISTENT);
	CHECK_INT(cfg.lnurl.consistent_max_iterations, 7);
	CHECK(!cfg.lnurl.has_capacity_bias);
	CHECK(cfg.lnurl.has_comment_allowed);
	CHECK_INT(cfg.lnurl.comment_allowed, 140);
	CHECK(cfg.lnurl.has_tls);
	CHECK_STR(cfg.lnurl.tls.cert_path, "/etc/swgr/cert.pem");
	CHECK_STR(cfg.lnurl.tls.key_path, "/etc/swgr/key.pem");
	CHECK_INT(cfg.lnurl.bech32_qr_scale, 4);
	CHECK_INT(cfg.lnurl.bech32_qr_light, 200);
	CHECK_INT(cfg.lnurl.bech32_qr_dark, 10);
	CHECK_STR(cfg.lnurl.log.log_file, "/var/log/swgr/lnurl.log");
	CHECK(cfg.lnurl.log.has_log_level);
	CHECK_INT(cfg.lnurl.log.log_level, SWGR_LOG_DEBUG);
	CHECK(cfg.discovery.has_tls);
	CHECK_STR(cfg.discovery.tls.key_path, "k.pem");
	CHECK(cfg.discovery.log.has_log_level);
	CHECK_INT(cfg.discovery.log.log_level, SWGR_LOG_OFF);
	CHECK(cfg.discovery.log.log_file == NULL);
	CHECK_INT(cfg.offer.max_page_size, 16);
	CHECK_INT(cfg.discovery.token_max_lifetime_secs, 0);	/* 0: no bound */
	CHECK_INT(cfg.offer.token_max_lifetime_secs, 86400);
	CHECK_STR(cfg.offer.log.log_file, "offer.log");
	CHECK(!cfg.offer.log.has_log_level);
	CHECK_INT(cfg.store_discover.type, SWGR_STORE_HTTP);
	CHECK_STR(cfg.store_discover.base_url, "https://disc.example/");
	CHECK(cfg.store_discover.connect_timeout_secs == 1.0);
	CHECK(cfg.store_discover.total_timeout_secs == 2.5);
	CHECK_STR(cfg.store_discover.trusted_roots, "/etc/ssl/disc.pem");
	CHECK_STR(cfg.store_discover.authorization, "/etc/swgr/disc.token");
	CHECK_INT(cfg.store_offer.type, SWGR_STORE_MEMORY);
	CHECK(cfg.secrets == NULL);
	swgr_config_free(&cfg);

	/* store.status (ours): absent by default; a database, copied to both stores. */
	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.store_status.type, SWGR_STORE_NONE);
	CHECK_INT(cfg.store_discover.status.type, SWGR_STORE_NONE);
	swgr_config_free(&cfg);
	{
		char *a = subst(full_yaml, "  offer:\n    type: memory\n", "  offer:\n    type: memory\n"
		    "  status:\n    type: database\n    database-uri: sqlite:///s.db?mode=rwc\n"
		    "    max-connections: 3\n");

		CHECK_INT(load_text(a, &cfg, &err), SWGR_OK);
		CHECK_INT(cfg.store_status.type, SWGR_STORE_DATABASE);
		CHECK_INT(cfg.store_discover.status.type, SWGR_STORE_DATABASE);
		CHECK_STR(cfg.store_discover.status.database_uri, "sqlite:///s.db?mode=rwc");
		CHECK_INT(cfg.store_discover.status.max_connections, 3);
		CHECK_STR(cfg.store_offer.status.database_uri, "sqlite:///s.db?mode=rwc");
		swgr_config_free(&cfg);
		free(a);
	}

	/* Stop backoff, random selection. */
	{
		char *a = subst(full_yaml, "    type: exponential\n", "    type: stop\n");
		char *b = subst(a, "  backend-selection:\n    consistent:\n      max_iterations: 7\n",
		    "  backend-selection: random\n");

		CHECK_INT(load_text(b, &cfg, &err), SWGR_OK);
		CHECK_INT(cfg.lnurl.backoff.type, SWGR_BACKOFF_STOP);
		CHECK_INT(cfg.lnurl.selection, SWGR_SELECT_RANDOM);
		swgr_config_free(&cfg);
		free(a);
		free(b);
	}

	/* Empty file, null sections: all absent. */
	CHECK_INT(load_text("", &cfg, &err), SWGR_OK);
	CHECK(!cfg.lnurl.present && !cfg.discovery.present && !cfg.offer.present);
	CHECK_INT(cfg.store_offer.type, SWGR_STORE_NONE);
	swgr_config_free(&cfg);
	CHECK_INT(load_text("# only a comment\nlnurl-service:\nstore: ~\n", &cfg, &err), SWGR_OK);
	CHECK(!cfg.lnurl.present);
	CHECK_INT(cfg.store_discover.type, SWGR_STORE_NONE);
	swgr_config_free(&cfg);
}

/*
 * Replaces from with to in full_yaml, loads it, and checks the error says
 * "line <line of marker>: <msg>" (marker: text locating the line in the
 * changed file, NULL for to itself).
 */
static void
check_err(const char *from, const char *to, const char *marker, const char *msg, size_t row)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char *yaml = subst(full_yaml, from, to), want[512];
	int line;

	line = line_of(yaml, marker != NULL ? marker : to);
	snprintf(want, sizeof(want), "parsing YAML configuration from file '%s': line %d: %s",
	    yaml_path, line, msg);
	CHECK(load_text(yaml, &cfg, &err) != SWGR_OK);
	if (strcmp(err.msg, want) != 0)
		fprintf(stderr, "test_config.c: bad_yaml[%zu]: for \"%s\":\n", row, to);
	CHECK_STR(err.msg, want);
	CHECK(cfg.path == NULL && cfg.lnurl.address == NULL);
	free(yaml);
}

/* Changes to full_yaml that it refuses: from, to, marker (as for check_err) and the message. */
static const struct bad_yaml {
	const char	*from, *to, *marker, *msg;
} bad_yaml[] = {
	/* Wrong types. */
	{ "token-max-lifetime-secs: 86400", "token-max-lifetime-secs: -1", NULL,
	    "offer-service.token-max-lifetime-secs: expected an unsigned integer" },
	{ "token-max-lifetime-secs: 0", "token-max-lifetime-secs: 1y", NULL,
	    "discovery-service.token-max-lifetime-secs: expected an unsigned integer" },
	{ "token-max-lifetime-secs: 86400", "token-max-lifetime-secs: 4294967296", NULL,
	    "offer-service.token-max-lifetime-secs: expected an unsigned integer no larger than 4294967295" },
	{ "max-page-size: 0x10", "max-page-size: -1", NULL,
	    "offer-service.max-page-size: expected an unsigned integer" },
	{ "max-page-size: 0x10", "max-page-size: 1.5", NULL,
	    "offer-service.max-page-size: expected an unsigned integer" },
	{ "max-page-size: 0x10", "max-page-size: \"5\"", NULL,
	    "offer-service.max-page-size: expected an unsigned integer" },
	{ "max-page-size: 0x10", "max-page-size: [5]", NULL,
	    "offer-service.max-page-size: expected an unsigned integer" },
	{ "max-page-size: 0x10", "max-page-size: 4294967296", NULL,
	    "offer-service.max-page-size: expected an unsigned integer no larger than 4294967295" },
	{ "invoice-expiry-secs: 18446744073709551615", "invoice-expiry-secs: 18446744073709551616",
	    NULL, "lnurl-service.invoice-expiry-secs: expected an unsigned integer" },
	{ "bech32-qr-light: 200", "bech32-qr-light: 256", NULL,
	    "lnurl-service.bech32-qr-light: expected an unsigned integer no larger than 255" },
	{ "bech32-qr-dark: 10", "bech32-qr-dark: -3", NULL,
	    "lnurl-service.bech32-qr-dark: expected an unsigned integer" },
	{ "health-check-frequency-secs: 3", "health-check-frequency-secs: fast", NULL,
	    "lnurl-service.health-check-frequency-secs: expected a non-negative number" },
	{ "health-check-frequency-secs: 3", "health-check-frequency-secs: -1", NULL,
	    "lnurl-service.health-check-frequency-secs: expected a non-negative number" },
	{ "health-check-frequency-secs: 3", "health-check-frequency-secs: .inf", NULL,
	    "lnurl-service.health-check-frequency-secs: expected a non-negative number" },
	{ "selection-capacity-bias:\n", "selection-capacity-bias: 1e\n", "selection-capacity-bias",
	    "lnurl-service.selection-capacity-bias: expected a number" },
	{ "parallel-health-check: false", "parallel-health-check: yes", NULL,
	    "lnurl-service.parallel-health-check: expected true or false" },
	{ "parallel-health-check: false", "parallel-health-check: \"true\"", NULL,
	    "lnurl-service.parallel-health-check: expected true or false" },
	{ "partitions: [a, b, a]", "partitions: a", NULL,
	    "lnurl-service.partitions: expected a list of strings" },
	{ "partitions: [a, b, a]", "partitions:\n    - a\n    - [b]", "- [b]",
	    "lnurl-service.partitions: expected a list of strings" },
	{ "  ln-trusted-roots: /etc/ssl/nodes.pem", "  ln-trusted-roots: {a: b}", NULL,
	    "lnurl-service.ln-trusted-roots: expected a string" },
	{ "address: 0.0.0.0:443", "address: localhost:443", NULL,
	    "lnurl-service.address: expected an address ip:port (no host names)" },
	{ "address: 0.0.0.0:443", "address: 1.2.3.4:65536", NULL,
	    "lnurl-service.address: expected an address ip:port (no host names)" },
	{ "address: 127.0.0.1:2", "address: \"::1:2\"", NULL,
	    "offer-service.address: expected an address ip:port (no host names)" },
	{ "    type: exponential", "    type: linear", NULL,
	    "lnurl-service.backoff.type: expected stop or exponential" },
	{ "    multiplier: 2", "    multiplier: two", NULL,
	    "lnurl-service.backoff.multiplier: expected a non-negative number" },
	{ "    consistent:\n      max_iterations: 7", "    consistent:\n      max_iterations: x",
	    "max_iterations", "lnurl-service.backend-selection.consistent.max_iterations: "
	    "expected an unsigned integer" },
	{ "  backend-selection:\n    consistent:\n      max_iterations: 7\n",
	    "  backend-selection: weighted\n", NULL, "lnurl-service.backend-selection: "
	    "expected round-robin, random or {consistent: {max_iterations: N}}" },
	{ "    consistent:\n", "    random: 1\n    consistent:\n", "  backend-selection:",
	    "lnurl-service.backend-selection: "
	    "expected round-robin, random or {consistent: {max_iterations: N}}" },
	{ "  log-level: DEBUG", "  log-level: verbose", NULL,
	    "lnurl-service.log-level: expected one of off, error, warn, info, debug, trace" },
	{ "    type: memory", "    type: redis", NULL,
	    "store.offer.type: expected memory, database or http" },
	{ "  offer:\n    type: memory\n", "  offer:\n    type: memory\n  status:\n"
	    "    type: http\n    base-url: x\n    connect-timeout-secs: 1\n"
	    "    total-timeout-secs: 1\n    authorization: t\n", "    type: http\n    base-url: x",
	    "store.status.type: node status is kept on this host: expected memory or database, "
	    "not http" },
	{ "    type: memory", "    type: database\n    database-uri: x\n    max-connections: -5",
	    "max-connections", "store.offer.max-connections: expected an unsigned integer" },
	{ "  tls: {cert-path: c.pem, key-path: k.pem}", "  tls: c.pem", NULL,
	    "discovery-service.tls: expected a mapping" },
	{ "  offer:\n    type: memory\n", "  offer: [memory]\n", NULL,
	    "store.offer: expected a mapping" },
	{ "  offer:\n    type: memory\n", "  offer:\n    - memory\n", "  offer:",
	    "store.offer: expected a mapping" },
	{ "  allowed-hosts: []\n", "  allowed-hosts:\n    a: b\n", "  allowed-hosts:",
	    "lnurl-service.allowed-hosts: expected a list of strings" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  breaker-failure-threshold: -1\n",
	    "breaker-failure-threshold", "lnurl-service.breaker-failure-threshold: "
	    "expected an unsigned integer" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  breaker-cool-down-secs: 0\n",
	    "breaker-cool-down-secs", "lnurl-service.breaker-cool-down-secs: "
	    "expected a positive number of seconds" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  breaker-cool-down-secs: -2\n",
	    "breaker-cool-down-secs", "lnurl-service.breaker-cool-down-secs: "
	    "expected a non-negative number" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  invoice-concurrency: many\n",
	    "invoice-concurrency", "lnurl-service.invoice-concurrency: "
	    "expected an unsigned integer" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  node-concurrency: -3\n",
	    "node-concurrency", "lnurl-service.node-concurrency: "
	    "expected an unsigned integer" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  invoice-queue-wait-secs: 61\n",
	    "invoice-queue-wait-secs", "lnurl-service.invoice-queue-wait-secs: "
	    "expected 0 to 60 seconds" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  invoice-queue-wait-secs: -1\n",
	    "invoice-queue-wait-secs", "lnurl-service.invoice-queue-wait-secs: "
	    "expected a non-negative number" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  store-stale-max-secs: -1\n",
	    "store-stale-max-secs", "lnurl-service.store-stale-max-secs: "
	    "expected a non-negative number" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  store-stale-max-secs: soon\n",
	    "store-stale-max-secs", "lnurl-service.store-stale-max-secs: "
	    "expected a non-negative number" },

	/* Missing required keys: the line of the section's key. */
	{ "  invoice-expiry-secs: 18446744073709551615\n", "", "lnurl-service:",
	    "lnurl-service: missing required key 'invoice-expiry-secs'" },
	{ "  max-page-size: 0x10\n", "", "offer-service:",
	    "offer-service: missing required key 'max-page-size'" },
	{ "    key-path: /etc/swgr/key.pem\n", "", "  tls:",
	    "lnurl-service.tls: missing required key 'key-path'" },
	{ "    type: exponential\n", "", "  backoff:",
	    "lnurl-service.backoff: missing required key 'type'" },
	{ "    authorization: /etc/swgr/disc.token\n", "", "  discover:",
	    "store.discover: missing required key 'authorization'" },
	{ "    type: memory\n", "    kind: memory\n", "  offer:",
	    "store.offer: missing required key 'type'" },
	/* A required key given as null. */
	{ "  auth-authority: /b.pem", "  auth-authority: ~", NULL,
	    "offer-service.auth-authority: expected a string" },
	{ "  bech32-qr-scale: 4", "  bech32-qr-scale:", NULL,
	    "lnurl-service.bech32-qr-scale: expected an unsigned integer" },

	/* Duplicate keys, anywhere. */
	{ "  comment-allowed: 140\n", "  comment-allowed: 140\n  comment-allowed: 141\n",
	    "comment-allowed: 141", "lnurl-service: duplicate key 'comment-allowed'" },
	{ "telemetry: {unknown: section}", "telemetry: {a: 1, a: 2}", NULL,
	    "telemetry: duplicate key 'a'" },
	{ "      max_iterations: 7\n", "      max_iterations: 7\n      max_iterations: 8\n",
	    "max_iterations: 8", "lnurl-service.backend-selection.consistent: "
	    "duplicate key 'max_iterations'" },
	{ "secrets:\n", "secrets:\nstore: {}\n", "store: {}", "duplicate key 'store'" },
};

/*
 * The forwarding keys: trusted-proxies (addresses and CIDR blocks, parsed at
 * load, a bad entry refused), trust-forwarded-headers and public-cache
 * (default false); allowed-hosts entries with a port.
 */
static const struct bad_yaml bad_forwarding[] = {
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  trusted-proxies: [10.0.0.0/33]\n",
	    "trusted-proxies", "lnurl-service.trusted-proxies: '10.0.0.0/33': prefix length 33 "
	    "is over 32" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  trusted-proxies: [127.0.0.1, "
	    "proxy.example]\n", "trusted-proxies", "lnurl-service.trusted-proxies: "
	    "'proxy.example' is not an IP address or CIDR block: 'proxy.example' is no IPv4 or "
	    "IPv6 address" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  trusted-proxies: [\"10.0.0.1/8\"]\n",
	    "trusted-proxies", "lnurl-service.trusted-proxies: '10.0.0.1/8': the address has bits "
	    "set past the /8 prefix (write the block's first address, or the address alone)" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  trusted-proxies: 127.0.0.1\n",
	    "trusted-proxies", "lnurl-service.trusted-proxies: expected a list of strings" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  trust-forwarded-headers: yes\n",
	    "trust-forwarded-headers", "lnurl-service.trust-forwarded-headers: "
	    "expected true or false" },
	{ "  bech32-qr-scale: 4\n", "  bech32-qr-scale: 4\n  public-cache: \"true\"\n",
	    "public-cache", "lnurl-service.public-cache: expected true or false" },
	{ "  allowed-hosts: []\n", "  allowed-hosts: [\"pay.example:\"]\n", NULL,
	    "lnurl-service.allowed-hosts: 'pay.example:': the port after ':' must be a number "
	    "from 1 to 65535" },
	{ "  allowed-hosts: []\n", "  allowed-hosts: [\"pay.example:65536\"]\n", NULL,
	    "lnurl-service.allowed-hosts: 'pay.example:65536': the port after ':' must be a "
	    "number from 1 to 65535" },
	{ "  allowed-hosts: []\n", "  allowed-hosts: [a.example, \"pay.example:https\"]\n", NULL,
	    "lnurl-service.allowed-hosts: 'pay.example:https': the port after ':' must be a "
	    "number from 1 to 65535" },
	{ "  allowed-hosts: []\n", "  allowed-hosts: [\"[::1]9000\"]\n", NULL,
	    "lnurl-service.allowed-hosts: '[::1]9000': expected [IPv6] or [IPv6]:port" },
};

static void
test_forwarding(void)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char yaml[sizeof(full_yaml) + 256], *p;
	size_t at, i;

	for (i = 0; i < sizeof(bad_forwarding) / sizeof(bad_forwarding[0]); i++)
		check_err(bad_forwarding[i].from, bad_forwarding[i].to, bad_forwarding[i].marker,
		    bad_forwarding[i].msg, i);

	/* the defaults: nobody's forwarding headers, no public caching */
	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	CHECK(cfg.lnurl.ntrusted_proxies == 0 && cfg.lnurl.trusted_proxies == NULL);
	CHECK(!cfg.lnurl.trust_forwarded_headers && !cfg.lnurl.public_cache);
	swgr_config_free(&cfg);

	p = strstr(full_yaml, "  log-level: DEBUG\n");
	CHECK(p != NULL);
	at = p != NULL ? (size_t)(p - full_yaml) : 0;
	snprintf(yaml, sizeof(yaml), "%.*s  trusted-proxies: [127.0.0.1, \"10.0.0.0/8\", "
	    "\"::1\", \"fd00::/8\", 127.0.0.1]\n  trust-forwarded-headers: true\n"
	    "  public-cache: true\n%s", (int)at, full_yaml, full_yaml + at);
	CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.lnurl.ntrusted_proxies, 4);		/* the duplicate dropped */
	CHECK(swgr_cidr_match(cfg.lnurl.trusted_proxies, cfg.lnurl.ntrusted_proxies, "10.9.8.7"));
	CHECK(swgr_cidr_match(cfg.lnurl.trusted_proxies, cfg.lnurl.ntrusted_proxies, "fd12::1"));
	CHECK(!swgr_cidr_match(cfg.lnurl.trusted_proxies, cfg.lnurl.ntrusted_proxies, "127.0.0.2"));
	CHECK(cfg.lnurl.trust_forwarded_headers && cfg.lnurl.public_cache);
	swgr_config_free(&cfg);

	/* an empty list is none; false is the default said out loud */
	snprintf(yaml, sizeof(yaml), "%.*s  trusted-proxies: []\n  trust-forwarded-headers: false\n"
	    "  public-cache: false\n%s", (int)at, full_yaml, full_yaml + at);
	CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
	CHECK(cfg.lnurl.ntrusted_proxies == 0);
	CHECK(!cfg.lnurl.trust_forwarded_headers && !cfg.lnurl.public_cache);
	swgr_config_free(&cfg);

	/* allowed-hosts with ports, IPv6 literals with and without */
	p = subst(full_yaml, "  allowed-hosts: []\n", "  allowed-hosts: [\"pay.example:8443\", "
	    "\"[::1]:9000\", \"[::2]\", \"fe80::1\", a.example]\n");
	CHECK_INT(load_text(p, &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.lnurl.nallowed_hosts, 5);
	if (cfg.lnurl.nallowed_hosts == 5)
		CHECK_STR(cfg.lnurl.allowed_hosts[0], "pay.example:8443");
	swgr_config_free(&cfg);
	free(p);
}

/* store.address-directory: the defaults, each key's check, and the filter's escaping. */
static const char dir_yaml[] =
	"  address-directory:\n"
	"    type: ldap\n"
	"    uri: ldap://127.0.0.1:389\n"
	"    base-dn: ou=people,dc=example,dc=com\n"
	"    default-offer: 00000000-0000-4000-8000-000000000001\n"
	"    domains: [Pay.Example.COM, pay.example.com, b.example]\n"
	"telemetry:";
static const struct bad_yaml bad_directory[] = {
	{ "    type: ldap\n", "    type: ad\n", NULL,
	    "store.address-directory.type: expected ldap" },
	{ "    uri: ldap://127.0.0.1:389\n", "    uri: http://127.0.0.1:389\n", NULL,
	    "store.address-directory.uri: 'http://127.0.0.1:389': expected an ldap:// or "
	    "ldaps:// URI" },
	{ "    uri: ldap://127.0.0.1:389\n", "    uri: \"ldaps://a.example ldap://b.example\"\n",
	    NULL, "store.address-directory.uri: mixes ldap:// and ldaps://: a bind meant for TLS "
	    "could go in clear" },
	{ "    uri: ldap://127.0.0.1:389\n", "    uri: \" \"\n", NULL,
	    "store.address-directory.uri: expected an ldap:// or ldaps:// URI" },
	{ "    uri: ldap://127.0.0.1:389\n", "    uri: ldap://a\n    password-file: /x\n",
	    "    password-file:", "store.address-directory.password-file: needs bind-dn (a password "
	    "with an empty DN is no bind LDAP knows)" },
	{ "    base-dn: ou=people,dc=example,dc=com\n", "    base-dn: ou=p\n    bind-dn: cn=x\n",
	    "  address-directory:\n", "store.address-directory: missing required key "
	    "'password-file'" },
	{ "    base-dn: ou=people,dc=example,dc=com\n", "    base-dn: x\n    filter: uid={username}\n",
	    "    filter:", "store.address-directory.filter: expected an LDAP filter in parentheses "
	    "with {username} where the username goes, as (uid={username})" },
	{ "    base-dn: ou=people,dc=example,dc=com\n", "    base-dn: x\n    filter: (uid=*)\n",
	    "    filter:", "store.address-directory.filter: expected an LDAP filter in parentheses "
	    "with {username} where the username goes, as (uid={username})" },
	{ "    base-dn: ou=people,dc=example,dc=com\n",
	    "    base-dn: x\n    username-attribute: \"uid)(x\"\n", "    username-attribute:",
	    "store.address-directory.username-attribute: 'uid)(x' is not an attribute name "
	    "(a letter, then letters, digits, '-')" },
	{ "    default-offer: 00000000-0000-4000-8000-000000000001\n", "    default-offer: 12\n", NULL,
	    "store.address-directory.default-offer: expected the id (a UUID) of an offer" },
	{ "    default-offer: 00000000-0000-4000-8000-000000000001\n", "", "    type: ldap\n",
	    "store.address-directory.default-offer: required without offer-attribute (the offer "
	    "every address pays)" },
	{ "    domains: [Pay.Example.COM, pay.example.com, b.example]\n", "    domains: []\n", NULL,
	    "store.address-directory.domains: expected the domains whose addresses the directory "
	    "holds" },
	{ "    domains: [Pay.Example.COM, pay.example.com, b.example]\n",
	    "    domains: [\"shop!.example\"]\n", NULL, "store.address-directory.domains: "
	    "'shop!.example': " },
	{ "    domains: [Pay.Example.COM, pay.example.com, b.example]\n",
	    "    domains: [a.example]\n    refresh-secs: 0\n", "    refresh-secs:",
	    "store.address-directory.refresh-secs: expected a positive number of seconds" },
	{ "    domains: [Pay.Example.COM, pay.example.com, b.example]\n",
	    "    domains: [a.example]\n    timeout-secs: 0\n", "    timeout-secs:",
	    "store.address-directory.timeout-secs: expected 0.001 to 300 seconds" },
	{ "    domains: [Pay.Example.COM, pay.example.com, b.example]\n",
	    "    domains: [a.example]\n    timeout-secs: 301\n", "    timeout-secs:",
	    "store.address-directory.timeout-secs: expected 0.001 to 300 seconds" },
};

static void
test_directory(void)
{
	const struct swgr_ldap_cfg *d;
	struct swgr_config cfg;
	struct swgr_err err;
	struct swgr_buf b = { 0 };
	char *base = subst(full_yaml, "telemetry:", dir_yaml), *y, want[512];
	struct bad_yaml row;
	size_t i;

	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	CHECK(!cfg.address_directory.present);
	swgr_config_free(&cfg);
	CHECK_INT(load_text(base, &cfg, &err), SWGR_OK);
	d = &cfg.address_directory;
	CHECK(d->present && d->has_default_offer && d->bind_dn == NULL && d->password_file == NULL);
	CHECK_STR(d->username_attribute, "uid");
	CHECK_STR(d->filter, "(uid={username})");
	CHECK_STR(d->partition, "default");
	CHECK(d->offer_attribute == NULL);
	CHECK(d->refresh_secs == SWGR_LDAP_REFRESH_DEFAULT && d->timeout_secs == SWGR_LDAP_TIMEOUT_DEFAULT);
	CHECK(d->stale_max_secs == SWGR_STORE_STALE_MAX_DEFAULT);
	CHECK_INT(d->ndomains, 3);			/* canonical; a duplicate left as read */
	if (d->ndomains == 3)
		CHECK_STR(d->domains[0], "pay.example.com");
	swgr_config_free(&cfg);

	/* every key said */
	y = subst(base, "    uri: ldap://127.0.0.1:389\n", "    uri: \"ldaps://a:636, ldaps://b\"\n");
	CHECK_INT(load_text(y, &cfg, &err), SWGR_OK);	/* a list of one scheme */
	swgr_config_free(&cfg);
	free(y);
	y = subst(base, "    type: ldap\n", "    type: ldap\n    bind-dn: cn=swgr,dc=example\n"
	    "    password-file: /etc/swgr/ldap.password\n    username-attribute: mail-Name2\n"
	    "    filter: (&(objectClass=inetOrgPerson)(mail-Name2={username}))\n"
	    "    offer-attribute: employeeNumber\n    partition: shop\n    refresh-secs: 2.5\n"
	    "    timeout-secs: 0.5\n    stale-max-secs: 0\n");
	CHECK_INT(load_text(y, &cfg, &err), SWGR_OK);
	CHECK_STR(d->bind_dn, "cn=swgr,dc=example");
	CHECK_STR(d->password_file, "/etc/swgr/ldap.password");
	CHECK_STR(d->filter, "(&(objectClass=inetOrgPerson)(mail-Name2={username}))");
	CHECK_STR(d->offer_attribute, "employeeNumber");
	CHECK_STR(d->partition, "shop");
	CHECK(d->refresh_secs == 2.5 && d->timeout_secs == 0.5 && d->stale_max_secs == 0);
	swgr_config_free(&cfg);
	free(y);

	/* offer-attribute without default-offer is enough */
	y = subst(base, "    default-offer: 00000000-0000-4000-8000-000000000001\n",
	    "    offer-attribute: description\n");
	CHECK_INT(load_text(y, &cfg, &err), SWGR_OK);
	CHECK(!d->has_default_offer);
	swgr_config_free(&cfg);
	free(y);

	for (i = 0; i < sizeof(bad_directory) / sizeof(bad_directory[0]); i++) {
		row = bad_directory[i];
		y = subst(base, row.from, row.to);
		CHECK(load_text(y, &cfg, &err) != SWGR_OK);
		snprintf(want, sizeof(want), "line %d: %s", line_of(y, row.marker != NULL ?
		    row.marker : row.to[0] != '\0' ? row.to : "    type: ldap\n"), row.msg);
		if (!kit_contains(err.msg, want))
			fprintf(stderr, "test_config.c: bad_directory[%zu]: %s\n", i, err.msg);
		CHECK(kit_contains(err.msg, want));
		free(y);
	}
	free(base);

	/* invoice records: on, kept 90 days, unless said otherwise */
	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	CHECK(cfg.lnurl.invoice_records);
	CHECK(cfg.lnurl.invoice_records_retention_days == SWGR_INVOICE_RETENTION_DEFAULT);
	swgr_config_free(&cfg);
	y = subst(full_yaml, "  log-level: DEBUG\n", "  log-level: DEBUG\n  invoice-records: false\n"
	    "  invoice-records-retention-days: 0.5\n");
	CHECK_INT(load_text(y, &cfg, &err), SWGR_OK);
	CHECK(!cfg.lnurl.invoice_records && cfg.lnurl.invoice_records_retention_days == 0.5);
	swgr_config_free(&cfg);
	free(y);
	y = subst(full_yaml, "  log-level: DEBUG\n", "  log-level: DEBUG\n"
	    "  invoice-records-retention-days: -1\n");
	CHECK(load_text(y, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "lnurl-service.invoice-records-retention-days"));
	free(y);
	y = subst(full_yaml, "  log-level: DEBUG\n", "  log-level: DEBUG\n"
	    "  invoice-records-retention-days: 1e9\n");
	CHECK(load_text(y, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "expected 0 (for ever) to 36600 days"));
	free(y);

	/* the username's filter characters escaped (RFC 4515), every {username} replaced */
	swgr_directory_filter(&b, "(|(uid={username})(mail={username}@x))", "a*b(c)d\\e");
	CHECK(swgr_buf_ok(&b));
	CHECK_STR(b.p, "(|(uid=a\\2ab\\28c\\29d\\5ce)(mail=a\\2ab\\28c\\29d\\5ce@x))");
	swgr_buf_free(&b);
	swgr_directory_filter(&b, "(uid=alice)", "bob");
	CHECK_STR(b.p, "(uid=alice)");
	swgr_buf_free(&b);
}

static void
test_errors(void)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char want[512];
	size_t i;

	for (i = 0; i < sizeof(bad_yaml) / sizeof(bad_yaml[0]); i++)
		check_err(bad_yaml[i].from, bad_yaml[i].to, bad_yaml[i].marker, bad_yaml[i].msg, i);

	/* Syntax errors name the line. */
	CHECK(load_text("lnurl-service:\n  a: 1\n b: 2\n", &cfg, &err) != SWGR_OK);
	snprintf(want, sizeof(want), "parsing YAML configuration from file '%s': line 3: ", yaml_path);
	CHECK(kit_contains(err.msg, want));
	CHECK(load_text("a: [1, 2\nb: 3\n\n", &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "parsing YAML configuration from file"));
	CHECK(kit_contains(err.msg, "line 2"));
	CHECK(load_text("- a\n- b\n", &cfg, &err) != SWGR_OK);
	snprintf(want, sizeof(want), "parsing YAML configuration from file '%s': line 1: "
	    "expected a mapping at the top level", yaml_path);
	CHECK_STR(err.msg, want);
	CHECK(load_text("a: 1\n---\nb: 2\n", &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "expected a single YAML document"));

	/* Environment expansion happens first, over the whole text. */
	unsetenv("SWGR_T_NOPE");
	CHECK(load_text("# $SWGR_T_NOPE in a comment\n", &cfg, &err) != SWGR_OK);
	snprintf(want, sizeof(want), "expanding configuration file env vars '%s': line 1: "
	    "environment variable 'SWGR_T_NOPE' is not set", yaml_path);
	CHECK(kit_contains(err.msg, want));

	CHECK(swgr_config_load("/nonexistent/config.yaml", &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "reading configuration file /nonexistent/config.yaml: "
	    "No such file or directory"));
	CHECK(swgr_config_load("/tmp", &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "reading configuration file /tmp: Is a directory"));
	test_config_too_big(&cfg, &err);
}

/* A file of over 16 MiB is refused before it is parsed. */
static void
test_config_too_big(struct swgr_config *cfg, struct swgr_err *err)
{
	char path[] = "/tmp/swgr-test-config-big.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) < 0) {
		CHECK(0);
		return;
	}
	CHECK(ftruncate(fd, (16 << 20) + 1) == 0);	/* NUL bytes, but the size is what fails */
	close(fd);
	CHECK(swgr_config_load(path, cfg, err) != SWGR_OK);
	CHECK(kit_contains(err->msg, "larger than 16 MiB"));
	unlink(path);
}

/* Our monitor section: instance name, staleness window, its log. */
static void
test_monitor(void)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char inst[300], host[300];

	CHECK_INT(load_text("monitor:\n  instance: eu-1\n  stale-after-secs: 4.5\n"
	    "  log-file: /tmp/m.log\n  log-level: debug\n", &cfg, &err), SWGR_OK);
	CHECK(cfg.monitor.present);
	swgr_config_instance(&cfg, inst, sizeof(inst));
	CHECK_STR(inst, "eu-1");
	CHECK(swgr_config_stale_after(&cfg) == 4.5);
	CHECK_STR(cfg.monitor.log.log_file, "/tmp/m.log");
	CHECK(cfg.monitor.log.has_log_level && cfg.monitor.log.log_level == SWGR_LOG_DEBUG);
	swgr_config_free(&cfg);

	/* an empty or null log-file is stderr (the journal under systemd), as an absent one */
	CHECK_INT(load_text("monitor:\n  log-file: \"\"\n", &cfg, &err), SWGR_OK);
	CHECK(cfg.monitor.present && cfg.monitor.log.log_file == NULL);
	swgr_config_free(&cfg);
	CHECK_INT(load_text("monitor:\n  log-file: ~\n", &cfg, &err), SWGR_OK);
	CHECK(cfg.monitor.present && cfg.monitor.log.log_file == NULL);
	swgr_config_free(&cfg);

	/* absent: the host name, and three health periods (at least 3 s) */
	CHECK_INT(load_text("lnurl-service: ~\n", &cfg, &err), SWGR_OK);
	CHECK(!cfg.monitor.present);
	swgr_config_instance(&cfg, inst, sizeof(inst));
	gethostname(host, sizeof(host));
	CHECK_STR(inst, host);
	CHECK(swgr_config_stale_after(&cfg) == 3);
	cfg.lnurl.health_check_frequency_secs = 2;
	CHECK(swgr_config_stale_after(&cfg) == 6);
	swgr_config_free(&cfg);

	CHECK_INT(load_text("monitor:\n  instance: \"\"\n", &cfg, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "monitor.instance") != NULL && strstr(err.msg, "line 2") != NULL);
	/* request-deadline-secs: ours, optional, default 10 s, positive */
	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	CHECK(cfg.lnurl.request_deadline_secs == SWGR_REQUEST_DEADLINE_DEFAULT);
	swgr_config_free(&cfg);
	{
		char yaml[sizeof(full_yaml) + 128], *p;
		size_t at;

		p = strstr(full_yaml, "  log-level: DEBUG\n");
		CHECK(p != NULL);
		at = p != NULL ? (size_t)(p - full_yaml) : 0;
		snprintf(yaml, sizeof(yaml), "%.*s  request-deadline-secs: 4.5\n%s", (int)at,
		    full_yaml, full_yaml + at);
		CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
		CHECK(cfg.lnurl.request_deadline_secs == 4.5);
		swgr_config_free(&cfg);
		/* the breaker's keys: 0 (disabled) and a cool-down of any positive length */
		snprintf(yaml, sizeof(yaml), "%.*s  breaker-failure-threshold: 0\n"
		    "  breaker-cool-down-secs: 0.25\n%s", (int)at, full_yaml, full_yaml + at);
		CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
		CHECK_INT(cfg.lnurl.breaker_failure_threshold, 0);
		CHECK(cfg.lnurl.breaker_cool_down_secs == 0.25);
		swgr_config_free(&cfg);
		/* the bulkheads' keys: 0 is "no limit", given and so not derived */
		snprintf(yaml, sizeof(yaml), "%.*s  invoice-concurrency: 0\n"
		    "  node-concurrency: 7\n  invoice-queue-wait-secs: 0\n%s", (int)at, full_yaml,
		    full_yaml + at);
		CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
		CHECK(cfg.lnurl.has_invoice_concurrency && cfg.lnurl.invoice_concurrency == 0);
		CHECK(cfg.lnurl.has_node_concurrency && cfg.lnurl.node_concurrency == 7);
		CHECK(cfg.lnurl.invoice_queue_wait_secs == 0);
		swgr_config_free(&cfg);
		/* store-stale-max-secs: 0 (last-known-good off) and any other length */
		snprintf(yaml, sizeof(yaml), "%.*s  store-stale-max-secs: 0\n%s", (int)at,
		    full_yaml, full_yaml + at);
		CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
		CHECK(cfg.lnurl.store_stale_max_secs == 0.0);
		swgr_config_free(&cfg);
		snprintf(yaml, sizeof(yaml), "%.*s  store-stale-max-secs: 90.5\n%s", (int)at,
		    full_yaml, full_yaml + at);
		CHECK_INT(load_text(yaml, &cfg, &err), SWGR_OK);
		CHECK(cfg.lnurl.store_stale_max_secs == 90.5);
		swgr_config_free(&cfg);
		snprintf(yaml, sizeof(yaml), "%.*s  request-deadline-secs: 0\n%s", (int)at,
		    full_yaml, full_yaml + at);
		CHECK_INT(load_text(yaml, &cfg, &err), SWGR_EINVAL);
		CHECK(strstr(err.msg, "lnurl-service.request-deadline-secs") != NULL);
	}
	CHECK_INT(load_text("monitor:\n  stale-after-secs: -1\n", &cfg, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "monitor.stale-after-secs") != NULL);
}

static void
test_no_passwords(void)
{
	static const char yaml[] =
	    "store:\n"
	    "  offer:\n"
	    "    type: database\n"
	    "    database-uri: \"postgres://admin:hunter2@db/x?sslmode=require&password=hunter3&a={secret.NOPE}\"\n"
	    "    max-connections: 1\n";
	struct swgr_config cfg;
	struct swgr_err err;
	char *y;

	CHECK(load_text(yaml, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "Error while inserting secrets for offer database connection uri. "
	    "Invalid uri or missing secrets in: postgres://admin:****@db/x?sslmode=require&password=****&a="));
	CHECK(kit_lacks(err.msg, "hunter2"));
	CHECK(kit_lacks(err.msg, "hunter3"));

	/* The password may hold '@' and '/'. */
	y = subst(yaml, "admin:hunter2@db", "admin:hun/ter@2@db");
	CHECK(load_text(y, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "postgres://admin:****@db/x"));
	CHECK(kit_lacks(err.msg, "ter@2"));
	free(y);

	/* A password that is itself a placeholder is shown: it names, not reveals. */
	y = subst(yaml, "admin:hunter2@db", "{secret.U}:{secret.P}@db");
	CHECK(load_text(y, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "postgres://{secret.U}:{secret.P}@db/x"));
	free(y);

	/* Nor do type errors echo values. */
	y = subst(yaml, "max-connections: 1", "max-connections: hunter4");
	CHECK(load_text(y, &cfg, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "store.offer.max-connections: expected an unsigned integer"));
	CHECK(kit_lacks(err.msg, "hunter4"));
	free(y);
}

/* Keys no reader looks for: the first one named with its line (start-up ignores them, -n refuses them). */
static void
test_unknown_keys(void)
{
	struct swgr_config cfg;
	struct swgr_err err;
	char *x, *y, want[128];

	/* the full file's two keys of the future, the first named; without them none */
	CHECK_INT(load_text(full_yaml, &cfg, &err), SWGR_OK);
	snprintf(want, sizeof(want), ": line %d: lnurl-service.some-future-key: unknown key",
	    line_of(full_yaml, "some-future-key"));
	CHECK(cfg.unknown_key != NULL && kit_contains(cfg.unknown_key, want));
	swgr_config_free(&cfg);
	y = subst(full_yaml, "  some-future-key: {ignored: true}\n", "");
	CHECK_INT(load_text(y, &cfg, &err), SWGR_OK);
	CHECK(cfg.unknown_key != NULL && kit_contains(cfg.unknown_key, "telemetry: unknown key"));
	swgr_config_free(&cfg);
	x = subst(y, "telemetry: {unknown: section}\n", "");
	CHECK_INT(load_text(x, &cfg, &err), SWGR_OK);
	CHECK(cfg.unknown_key == NULL);
	swgr_config_free(&cfg);
	free(x);
	free(y);

	y = subst(full_yaml, "lnurl-service:\n", "lnurl-service:\n  partitons: [x]\n");
	CHECK_INT(load_text(y, &cfg, &err), SWGR_OK);
	CHECK(cfg.unknown_key != NULL && kit_contains(cfg.unknown_key,
	    ": line 2: lnurl-service.partitons: unknown key"));
	swgr_config_free(&cfg);
	free(y);

	/* the first of two; a section of its own; the key of a nested mapping */
	CHECK_INT(load_text("colour: blue\nmonitor:\n  instance: a\n  hue: red\n", &cfg, &err),
	    SWGR_OK);
	CHECK(cfg.unknown_key != NULL && kit_contains(cfg.unknown_key, "line 1: colour: unknown key"));
	swgr_config_free(&cfg);
	CHECK_INT(load_text("monitor:\n  instance: a\n  hue: red\n", &cfg, &err), SWGR_OK);
	CHECK(cfg.unknown_key != NULL && kit_contains(cfg.unknown_key, "line 3: monitor.hue: unknown key"));
	swgr_config_free(&cfg);

	/* a key the settings around it leave unread: a memory store's database-uri */
	CHECK_INT(load_text("store:\n  offer:\n    type: memory\n    database-uri: x\n", &cfg, &err),
	    SWGR_OK);
	CHECK(cfg.unknown_key != NULL &&
	    kit_contains(cfg.unknown_key, "line 4: store.offer.database-uri: unknown key"));
	swgr_config_free(&cfg);

	/* an alias reaches the same mapping twice: read once, no loop */
	CHECK_INT(load_text("monitor: &m\n  instance: a\nnode-access:\n  backend-hosts: [a]\n"
	    "x: *m\n", &cfg, &err), SWGR_OK);
	CHECK(cfg.unknown_key != NULL && kit_contains(cfg.unknown_key, "line 5: x: unknown key"));
	swgr_config_free(&cfg);

	/* an error of the file wins, and leaves nothing behind */
	CHECK_INT(load_text("colour: blue\nmonitor:\n  instance: ''\n", &cfg, &err), SWGR_EINVAL);
	CHECK(cfg.unknown_key == NULL);
}

/* node-access: the credential directories (default under sysconfdir), the backend hosts. */
static void
test_node_access(void)
{
	struct swgr_config cfg;
	struct swgr_err err;

	/* absent: the default directory, any host */
	CHECK_INT(load_text("lnurl-service: ~\n", &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.node_access.ncredential_directories, 1);
	CHECK_STR(cfg.node_access.credential_directories[0], SWGR_CRED_DIR_DEFAULT);
	CHECK(strstr(SWGR_CRED_DIR_DEFAULT, "/swgr/node-credentials") != NULL);
	CHECK_INT(cfg.node_access.nbackend_hosts, 0);
	swgr_config_free(&cfg);
	CHECK_INT(load_text("node-access: {}\n", &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.node_access.ncredential_directories, 1);
	swgr_config_free(&cfg);

	CHECK_INT(load_text("node-access:\n  credential-directories: [/srv/creds, /etc/lnd]\n"
	    "  backend-hosts: [lnd.example.com, 10.0.0.0/8, \"fd00::/8\", 192.168.1.7]\n", &cfg,
	    &err), SWGR_OK);
	CHECK_INT(cfg.node_access.ncredential_directories, 2);
	CHECK_STR(cfg.node_access.credential_directories[0], "/srv/creds");
	CHECK_STR(cfg.node_access.credential_directories[1], "/etc/lnd");
	CHECK_INT(cfg.node_access.nbackend_hosts, 4);
	CHECK_STR(cfg.node_access.backend_hosts[2], "fd00::/8");
	swgr_config_free(&cfg);

	/* an empty list: no credential may be read at all */
	CHECK_INT(load_text("node-access:\n  credential-directories: []\n", &cfg, &err), SWGR_OK);
	CHECK_INT(cfg.node_access.ncredential_directories, 0);
	swgr_config_free(&cfg);

	CHECK_INT(load_text("node-access:\n  credential-directories: [relative/dir]\n", &cfg,
	    &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "node-access.credential-directories") != NULL);
	CHECK(strstr(err.msg, "not an absolute path") != NULL);
	CHECK_INT(load_text("node-access:\n  credential-directories: /etc/x\n", &cfg, &err),
	    SWGR_EINVAL);
	CHECK(strstr(err.msg, "expected a list of strings") != NULL);
	CHECK_INT(load_text("node-access:\n  backend-hosts: [\"unix:/run/x\"]\n", &cfg, &err),
	    SWGR_EINVAL);
	CHECK(strstr(err.msg, "node-access.backend-hosts") != NULL);
	CHECK(strstr(err.msg, "neither a host name") != NULL);
	CHECK_INT(load_text("node-access:\n  backend-hosts: [10.0.0.0/40]\n", &cfg, &err),
	    SWGR_EINVAL);
}

int
main(void)
{
	snprintf(datadir, sizeof(datadir), "%s/tests/data", kit_srcdir(__FILE__));
	tmpdir = kit_tmpdir("config");
	snprintf(yaml_path, sizeof(yaml_path), "%s/t.yaml", tmpdir);

	test_expand_env();
	test_dotenv();
	test_secrets_load();
	test_expand_secrets();
	test_persistence();
	test_persistence_secrets();
	test_full();
	test_errors();
	test_forwarding();
	test_directory();
	test_no_passwords();
	test_monitor();
	test_node_access();
	test_unknown_keys();

	swgr_log_close();
	return t_done("test_config");
}
