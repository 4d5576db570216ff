/* The YAML configuration file: reading, strict parsing and the typed struct swgr_config (spec §12). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "core/buf.h"
#include "config/config.h"
#include "core/err.h"
#include "core/log.h"

#define CFG_LOG_TARGET	"swgr::config"

/* One configuration file being read. */
struct ycfg {
	const char	*path;
	yaml_document_t	*doc;
	struct swgr_err	*err;
};

/* A mapping of the file, with the dotted key and line that name it. */
struct ymap {
	const struct ycfg *c;
	yaml_node_t	*node;		/* NULL: absent */
	char		 name[128];
	int		 line;
};

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

/*
 * Copies uri to dst (dstsz > 0) with passwords hidden: what lies between the
 * first ':' of the user information and the last '@' becomes "****" unless it
 * is only {secret.NAME} placeholders, and so does the value of a "password="
 * parameter.  Meant for messages.
 */
static void
redact_uri(const char *uri, char *dst, size_t dstsz)
{
	struct swgr_buf b = { 0 };
	const char *auth, *at, *colon, *p, *q;

	auth = (p = strstr(uri, "://")) != NULL ? p + 3 : uri;
	at = strrchr(auth, '@');
	colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon != NULL) {
		for (p = colon + 1; p < at && strncmp(p, "{secret.", 8) == 0; p = q + 1)
			if ((q = memchr(p, '}', (size_t)(at - p))) == NULL)
				break;
		if (p != at || p == colon + 1) {
			swgr_buf_put(&b, uri, (size_t)(colon + 1 - uri));
			swgr_buf_puts(&b, "****");
			uri = at;
		}
	}
	p = uri;
	while ((q = strcasestr(p, "password=")) != NULL) {
		swgr_buf_put(&b, p, (size_t)(q - p) + 9);
		swgr_buf_puts(&b, "****");
		q += 9;
		p = q + strcspn(q, "&#");
	}
	swgr_buf_puts(&b, p);
	snprintf(dst, dstsz, "%s", swgr_buf_ok(&b) && b.p != NULL ? b.p : "(uri hidden)");
	swgr_buf_free(&b);
}

/* Fails with "...: line L: <map>.<key>: <message>" (just <key> at the top level). */
static enum swgr_rc
ym_fail(const struct ymap *m, const char *key, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum swgr_rc
ym_fail(const struct ymap *m, const char *key, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return swgr_err_set(m->c->err, SWGR_EINVAL,
	    "parsing YAML configuration from file '%s': line %d: %s%s%s: %s",
	    m->c->path, line, m->name, m->name[0] != '\0' ? "." : "", key, msg);
}

static int
node_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static bool
is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static bool
scalar_is(const yaml_node_t *n, const char *s)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length == strlen(s) &&
	    memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* The value of key in m, or NULL when m is absent or lacks it; *kline (if given) is the key's line. */
static yaml_node_t *
ym_find(const struct ymap *m, const char *key, int *kline)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k;

	if (m->node == NULL)
		return NULL;
	for (pair = m->node->data.mapping.pairs.start; pair < m->node->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(m->c->doc, pair->key);
		if (scalar_is(k, key)) {
			if (kline != NULL)
				*kline = node_line(k);
			return yaml_document_get_node(m->c->doc, pair->value);
		}
	}
	return NULL;
}

/* The line of key in m (of m itself if absent): where a whole-value error points. */
static int
key_line(const struct ymap *m, const char *key)
{
	int line = m->line;

	ym_find(m, key, &line);
	return line;
}

/*
 * Finds key's non-null value in m (*out; NULL when absent or null).  A
 * required key that is absent is an error naming it; one that is null fails
 * with "expected <what>".
 */
static enum swgr_rc
ym_value(const struct ymap *m, const char *key, bool req, const char *what, yaml_node_t **out)
{
	yaml_node_t *n;

	*out = NULL;
	n = ym_find(m, key, NULL);
	if (n != NULL && !is_null(n)) {
		*out = n;
		return SWGR_OK;
	}
	if (!req)
		return SWGR_OK;
	if (n == NULL)
		return swgr_err_set(m->c->err, SWGR_EINVAL,
		    "parsing YAML configuration from file '%s': line %d: %s: missing required key '%s'",
		    m->c->path, m->line, m->name, key);
	return ym_fail(m, key, node_line(n), "expected %s", what);
}

/* Like ym_value for a scalar: *s is its text, NULL when absent. */
static enum swgr_rc
ym_scalar(const struct ymap *m, const char *key, bool req, const char *what,
    const char **s, yaml_node_t **node)
{
	yaml_node_t *n;
	enum swgr_rc rc;

	*s = NULL;
	if ((rc = ym_value(m, key, req, what, &n)) != SWGR_OK || n == NULL)
		return rc;
	if (n->type != YAML_SCALAR_NODE)
		return ym_fail(m, key, key_line(m, key), "expected %s", what);
	*s = (const char *)n->data.scalar.value;
	if (node != NULL)
		*node = n;
	return SWGR_OK;
}

/* A string value (any scalar but null); *out is malloc'd, NULL when absent. */
static enum swgr_rc
ym_str(const struct ymap *m, const char *key, bool req, char **out)
{
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = ym_scalar(m, key, req, "a string", &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (strlen(s) != n->data.scalar.length)
		return ym_fail(m, key, node_line(n), "expected a string without NUL characters");
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	return SWGR_OK;
}

/*
 * Parses a YAML 1.2 core-schema integer: decimal with an optional sign, 0x
 * hexadecimal or 0o octal.  Returns false for other text or past 64 bits.
 */
static bool
parse_int(const char *s, bool *neg, uint64_t *v)
{
	unsigned base = 10, d;
	size_t n = 0;

	*neg = false;
	*v = 0;
	if (*s == '-' || *s == '+')
		*neg = *s++ == '-';
	else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		base = s[1] == 'x' ? 16 : 8;
		s += 2;
	}
	for (; *s != '\0'; s++, n++) {
		if (isdigit((unsigned char)*s))
			d = (unsigned)(*s - '0');
		else if (isxdigit((unsigned char)*s))
			d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return false;
		if (d >= base || *v > (UINT64_MAX - d) / base)
			return false;
		*v = *v * base + d;
	}
	return n > 0;
}

/* Parses a finite YAML 1.2 core-schema number: an integer or [-+]?(.D|D[.D*])([eE][-+]?D)?. */
static bool
parse_float(const char *s, double *v)
{
	const char *p = s;
	size_t before = 0, after = 0, exp = 0;
	uint64_t u;
	bool neg;

	if (parse_int(s, &neg, &u)) {
		*v = neg ? -(double)u : (double)u;
		return true;
	}
	if (*p == '-' || *p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		before++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			after++;
	if (before == 0 && after == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		for (; isdigit((unsigned char)*p); p++)
			exp++;
		if (exp == 0)
			return false;
	}
	if (*p != '\0')
		return false;
	*v = strtod(s, NULL);
	return isfinite(*v);
}

/* An unsigned integer no larger than max, written as a plain (unquoted) YAML integer. */
static enum swgr_rc
ym_uint(const struct ymap *m, const char *key, bool req, uint64_t max, uint64_t *out, bool *has)
{
	yaml_node_t *n;
	const char *s;
	uint64_t v;
	bool neg;
	enum swgr_rc rc;

	if (has != NULL)
		*has = false;
	if ((rc = ym_scalar(m, key, req, "an unsigned integer", &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !parse_int(s, &neg, &v) ||
	    (neg && v != 0))
		return ym_fail(m, key, node_line(n), "expected an unsigned integer");
	if (v > max)
		return ym_fail(m, key, node_line(n),
		    "expected an unsigned integer no larger than %" PRIu64, max);
	*out = v;
	if (has != NULL)
		*has = true;
	return SWGR_OK;
}

static enum swgr_rc
ym_u32(const struct ymap *m, const char *key, bool req, uint32_t *out, bool *has)
{
	uint64_t v;
	enum swgr_rc rc;
	bool h;

	if ((rc = ym_uint(m, key, req, UINT32_MAX, &v, &h)) == SWGR_OK && h)
		*out = (uint32_t)v;
	if (has != NULL)
		*has = h;
	return rc;
}

static enum swgr_rc
ym_u8(const struct ymap *m, const char *key, uint8_t *out)
{
	uint64_t v;
	enum swgr_rc rc;

	if ((rc = ym_uint(m, key, true, UINT8_MAX, &v, NULL)) == SWGR_OK)
		*out = (uint8_t)v;
	return rc;
}

/* A plain YAML number (integers accepted); nonneg refuses negatives, as durations must. */
static enum swgr_rc
ym_float(const struct ymap *m, const char *key, bool req, bool nonneg, double *out, bool *has)
{
	const char *what = nonneg ? "a non-negative number" : "a number";
	yaml_node_t *n;
	const char *s;
	double v;
	enum swgr_rc rc;

	if (has != NULL)
		*has = false;
	if ((rc = ym_scalar(m, key, req, what, &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !parse_float(s, &v) ||
	    (nonneg && v < 0))
		return ym_fail(m, key, node_line(n), "expected %s", what);
	*out = v;
	if (has != NULL)
		*has = true;
	return SWGR_OK;
}

static enum swgr_rc
ym_bool(const struct ymap *m, const char *key, bool *out)
{
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = ym_scalar(m, key, true, "true or false", &s, &n)) != SWGR_OK)
		return rc;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0))
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0))
		*out = false;
	else
		return ym_fail(m, key, node_line(n), "expected true or false");
	return SWGR_OK;
}

/* A required list of strings; duplicates are dropped (the original keeps a set). */
static enum swgr_rc
ym_strlist(const struct ymap *m, const char *key, char ***out, size_t *nout)
{
	const char *what = "a list of strings";
	yaml_node_item_t *it;
	yaml_node_t *n, *e;
	size_t i, count;
	char **v;
	enum swgr_rc rc;

	if ((rc = ym_value(m, key, true, what, &n)) != SWGR_OK)
		return rc;
	if (n->type != YAML_SEQUENCE_NODE)
		return ym_fail(m, key, key_line(m, key), "expected %s", what);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if ((v = calloc(count + 1, sizeof(*v))) == NULL)
		return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	*out = v;
	*nout = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(m->c->doc, *it);
		if (e->type != YAML_SCALAR_NODE || is_null(e) ||
		    strlen((const char *)e->data.scalar.value) != e->data.scalar.length)
			return ym_fail(m, key, node_line(e), "expected %s", what);
		for (i = 0; i < *nout; i++)
			if (strcmp(v[i], (const char *)e->data.scalar.value) == 0)
				break;
		if (i < *nout)
			continue;
		if ((v[*nout] = strdup((const char *)e->data.scalar.value)) == NULL)
			return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
		(*nout)++;
	}
	return SWGR_OK;
}

/* The mapping under key (sub->node NULL when absent or null and not req). */
static enum swgr_rc
ym_map(const struct ymap *m, const char *key, bool req, struct ymap *sub)
{
	yaml_node_t *n;
	enum swgr_rc rc;

	memset(sub, 0, sizeof(*sub));
	sub->c = m->c;
	snprintf(sub->name, sizeof(sub->name), "%.80s%s%.40s", m->name, m->name[0] != '\0' ? "." : "", key);
	if ((rc = ym_value(m, key, req, "a mapping", &n)) != SWGR_OK || n == NULL)
		return rc;
	/* The key's own line: a block mapping's first key sits one line below. */
	sub->line = key_line(m, key);
	if (n->type != YAML_MAPPING_NODE)
		return ym_fail(m, key, sub->line, "expected a mapping");
	sub->node = n;
	return SWGR_OK;
}

/* True if s is "IPv4:port" or "[IPv6]:port", as Rust's SocketAddr parses. */
static bool
valid_sockaddr(const char *s)
{
	char host[64], in6[16];
	const char *colon, *h = s;
	size_t hlen;
	uint64_t port;
	bool neg;
	int af = AF_INET;

	if ((colon = strrchr(s, ':')) == NULL)
		return false;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 2 || s[hlen - 1] != ']')
			return false;
		h = s + 1;
		hlen -= 2;
		af = AF_INET6;
	}
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (!isdigit((unsigned char)colon[1]) || !parse_int(colon + 1, &neg, &port) || port > 65535)
		return false;
	return inet_pton(af, host, in6) == 1;
}

static enum swgr_rc
ym_addr(const struct ymap *m, const char *key, char **out)
{
	enum swgr_rc rc;

	if ((rc = ym_str(m, key, true, out)) != SWGR_OK)
		return rc;
	if (!valid_sockaddr(*out))
		return ym_fail(m, key, key_line(m, key),
		    "expected an address ip:port (no host names)");
	return SWGR_OK;
}

/* Our additions: optional log-file and log-level. */
static enum swgr_rc
read_log(const struct ymap *m, struct swgr_log_cfg *l)
{
	const char *what = "one of off, error, warn, info, debug, trace";
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = ym_str(m, "log-file", false, &l->log_file)) != SWGR_OK)
		return rc;
	if ((rc = ym_scalar(m, "log-level", false, what, &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (!swgr_log_level_parse(s, &l->log_level))
		return ym_fail(m, "log-level", node_line(n), "expected %s", what);
	l->has_log_level = true;
	return SWGR_OK;
}

static enum swgr_rc
read_tls(const struct ymap *m, bool *has, struct swgr_tls_cfg *tls)
{
	struct ymap t;
	enum swgr_rc rc;

	if ((rc = ym_map(m, "tls", false, &t)) != SWGR_OK || t.node == NULL)
		return rc;
	*has = true;
	if ((rc = ym_str(&t, "cert-path", true, &tls->cert_path)) != SWGR_OK)
		return rc;
	return ym_str(&t, "key-path", true, &tls->key_path);
}

/* backoff: {type: stop} or {type: exponential, optional parameters (defaults of spec §9.8)}. */
static enum swgr_rc
read_backoff(const struct ymap *m, struct swgr_lnurl_cfg *l)
{
	const char *what = "stop or exponential";
	struct ymap b;
	yaml_node_t *n;
	const char *type;
	enum swgr_rc rc;

	if ((rc = ym_map(m, "backoff", true, &b)) != SWGR_OK)
		return rc;
	if ((rc = ym_scalar(&b, "type", true, what, &type, &n)) != SWGR_OK)
		return rc;
	if (strcmp(type, "stop") == 0) {
		l->backoff.type = SWGR_BACKOFF_STOP;
		return SWGR_OK;
	}
	if (strcmp(type, "exponential") != 0)
		return ym_fail(&b, "type", node_line(n), "expected %s", what);
	l->backoff.type = SWGR_BACKOFF_EXPONENTIAL;
	l->backoff.initial_interval_secs = 0.5;
	l->backoff.randomization_factor = 0.5;
	l->backoff.multiplier = 1.5;
	l->backoff.max_interval_secs = 60;
	if ((rc = ym_float(&b, "initial-interval-secs", false, true,
	    &l->backoff.initial_interval_secs, NULL)) != SWGR_OK ||
	    (rc = ym_float(&b, "randomization-factor", false, true,
	    &l->backoff.randomization_factor, NULL)) != SWGR_OK ||
	    (rc = ym_float(&b, "multiplier", false, true,
	    &l->backoff.multiplier, NULL)) != SWGR_OK ||
	    (rc = ym_float(&b, "max-interval-secs", false, true,
	    &l->backoff.max_interval_secs, NULL)) != SWGR_OK)
		return rc;
	return ym_float(&b, "max-elapsed-time-secs", false, true,
	    &l->backoff.max_elapsed_time_secs, &l->backoff.has_max_elapsed_time);
}

/* backend-selection: round-robin, random, or {consistent: {max_iterations: N}}. */
static enum swgr_rc
read_selection(const struct ymap *m, struct swgr_lnurl_cfg *l)
{
	const char *key = "backend-selection";
	const char *what = "round-robin, random or {consistent: {max_iterations: N}}";
	struct ymap sel, cons;
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = ym_value(m, key, true, what, &n)) != SWGR_OK)
		return rc;
	if (n->type == YAML_SCALAR_NODE) {
		s = (const char *)n->data.scalar.value;
		if (strcmp(s, "round-robin") == 0)
			l->selection = SWGR_SELECT_ROUND_ROBIN;
		else if (strcmp(s, "random") == 0)
			l->selection = SWGR_SELECT_RANDOM;
		else
			return ym_fail(m, key, node_line(n), "expected %s", what);
		return SWGR_OK;
	}
	if ((rc = ym_map(m, key, true, &sel)) != SWGR_OK)
		return rc;
	if (sel.node->data.mapping.pairs.top - sel.node->data.mapping.pairs.start != 1 ||
	    ym_find(&sel, "consistent", NULL) == NULL)
		return ym_fail(m, key, sel.line, "expected %s", what);
	if ((rc = ym_map(&sel, "consistent", true, &cons)) != SWGR_OK)
		return rc;
	l->selection = SWGR_SELECT_CONSISTENT;
	return ym_u32(&cons, "max_iterations", true, &l->consistent_max_iterations, NULL);
}

static enum swgr_rc
read_lnurl(const struct ymap *root, struct swgr_lnurl_cfg *l)
{
	struct ymap m;
	enum swgr_rc rc;
	bool has_deadline = false;

	if ((rc = ym_map(root, "lnurl-service", false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	l->present = true;
	if ((rc = ym_strlist(&m, "partitions", &l->partitions, &l->npartitions)) != SWGR_OK ||
	    (rc = ym_addr(&m, "address", &l->address)) != SWGR_OK ||
	    (rc = ym_float(&m, "health-check-frequency-secs", true, true,
	    &l->health_check_frequency_secs, NULL)) != SWGR_OK ||
	    (rc = ym_bool(&m, "parallel-health-check", &l->parallel_health_check)) != SWGR_OK ||
	    (rc = ym_u32(&m, "health-check-consecutive-success-to-healthy", true,
	    &l->health_check_consecutive_success_to_healthy, NULL)) != SWGR_OK ||
	    (rc = ym_u32(&m, "health-check-consecutive-failure-to-unhealthy", true,
	    &l->health_check_consecutive_failure_to_unhealthy, NULL)) != SWGR_OK ||
	    (rc = ym_float(&m, "backend-update-frequency-secs", true, true,
	    &l->backend_update_frequency_secs, NULL)) != SWGR_OK ||
	    (rc = ym_uint(&m, "invoice-expiry-secs", true, UINT64_MAX,
	    &l->invoice_expiry_secs, NULL)) != SWGR_OK ||
	    (rc = ym_float(&m, "ln-client-timeout-secs", true, true,
	    &l->ln_client_timeout_secs, NULL)) != SWGR_OK ||
	    (rc = ym_str(&m, "ln-trusted-roots", false, &l->ln_trusted_roots)) != SWGR_OK ||
	    (rc = ym_strlist(&m, "allowed-hosts", &l->allowed_hosts, &l->nallowed_hosts)) != SWGR_OK ||
	    (rc = read_backoff(&m, l)) != SWGR_OK ||
	    (rc = read_selection(&m, l)) != SWGR_OK ||
	    (rc = ym_float(&m, "selection-capacity-bias", false, false,
	    &l->selection_capacity_bias, &l->has_capacity_bias)) != SWGR_OK ||
	    (rc = ym_u32(&m, "comment-allowed", false, &l->comment_allowed,
	    &l->has_comment_allowed)) != SWGR_OK ||
	    (rc = read_tls(&m, &l->has_tls, &l->tls)) != SWGR_OK ||
	    (rc = ym_u32(&m, "bech32-qr-scale", true, &l->bech32_qr_scale, NULL)) != SWGR_OK ||
	    (rc = ym_u8(&m, "bech32-qr-light", &l->bech32_qr_light)) != SWGR_OK ||
	    (rc = ym_u8(&m, "bech32-qr-dark", &l->bech32_qr_dark)) != SWGR_OK ||
	    (rc = ym_float(&m, "request-deadline-secs", false, true, &l->request_deadline_secs,
	    &has_deadline)) != SWGR_OK)
		return rc;
	if (!has_deadline)
		l->request_deadline_secs = SWGR_REQUEST_DEADLINE_DEFAULT;
	else if (l->request_deadline_secs <= 0)
		return ym_fail(&m, "request-deadline-secs", key_line(&m, "request-deadline-secs"),
		    "expected a positive number of seconds");
	return read_log(&m, &l->log);
}

/* discovery-service and offer-service (the latter also has max-page-size). */
static enum swgr_rc
read_admin(const struct ymap *root, const char *key, bool offer, struct swgr_admin_cfg *a)
{
	struct ymap m;
	enum swgr_rc rc;

	if ((rc = ym_map(root, key, false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	a->present = true;
	if ((rc = ym_addr(&m, "address", &a->address)) != SWGR_OK ||
	    (rc = ym_str(&m, "auth-authority", true, &a->auth_authority)) != SWGR_OK ||
	    (rc = read_tls(&m, &a->has_tls, &a->tls)) != SWGR_OK ||
	    (offer && (rc = ym_u32(&m, "max-page-size", true, &a->max_page_size, NULL)) != SWGR_OK))
		return rc;
	return read_log(&m, &a->log);
}

/* monitor: our own section (instance, stale-after-secs, log). */
static enum swgr_rc
read_monitor(const struct ymap *root, struct swgr_monitor_cfg *mo)
{
	struct ymap m;
	enum swgr_rc rc;

	if ((rc = ym_map(root, "monitor", false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	mo->present = true;
	if ((rc = ym_str(&m, "instance", false, &mo->instance)) != SWGR_OK ||
	    (rc = ym_float(&m, "stale-after-secs", false, true, &mo->stale_after_secs,
	    &mo->has_stale_after)) != SWGR_OK)
		return rc;
	if (mo->instance != NULL && (mo->instance[0] == '\0' || strlen(mo->instance) > 255))
		return ym_fail(&m, "instance", key_line(&m, "instance"),
		    "expected a name of 1 to 255 bytes");
	return read_log(&m, &mo->log);
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

/* store.<key>: type memory, database or http with its keys. */
static enum swgr_rc
read_store(const struct ymap *store, const char *key, struct swgr_store_cfg *s)
{
	const char *what = "memory, database or http";
	struct ymap m;
	yaml_node_t *n;
	const char *type;
	enum swgr_rc rc;

	if ((rc = ym_map(store, key, false, &m)) != SWGR_OK || m.node == NULL)
		return rc;
	if ((rc = ym_scalar(&m, "type", true, what, &type, &n)) != SWGR_OK)
		return rc;
	if (strcmp(type, "memory") == 0) {
		s->type = SWGR_STORE_MEMORY;
		return SWGR_OK;
	}
	if (strcmp(type, "database") == 0) {
		s->type = SWGR_STORE_DATABASE;
		if ((rc = ym_str(&m, "database-uri", true, &s->database_uri)) != SWGR_OK)
			return rc;
		return ym_u32(&m, "max-connections", true, &s->max_connections, NULL);
	}
	if (strcmp(type, "http") != 0)
		return ym_fail(&m, "type", node_line(n), "expected %s", what);
	s->type = SWGR_STORE_HTTP;
	if ((rc = ym_str(&m, "base-url", true, &s->base_url)) != SWGR_OK ||
	    (rc = ym_float(&m, "connect-timeout-secs", true, true,
	    &s->connect_timeout_secs, NULL)) != SWGR_OK ||
	    (rc = ym_float(&m, "total-timeout-secs", true, true,
	    &s->total_timeout_secs, NULL)) != SWGR_OK ||
	    (rc = ym_str(&m, "trusted-roots", false, &s->trusted_roots)) != SWGR_OK)
		return rc;
	return ym_str(&m, "authorization", true, &s->authorization);
}

/*
 * Refuses a duplicate key in any mapping reachable from node n, naming the
 * dotted path and the line of the second occurrence.  seen[] marks visited
 * nodes so aliases cannot loop.
 */
static enum swgr_rc
check_dups(const struct ycfg *c, yaml_node_t *n, const char *path, char *seen)
{
	yaml_node_pair_t *p, *q;
	yaml_node_item_t *it;
	yaml_node_t *k, *kq;
	char sub[192];
	enum swgr_rc rc;
	size_t idx = (size_t)(n - c->doc->nodes.start);

	if (seen[idx])
		return SWGR_OK;
	seen[idx] = 1;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			if ((rc = check_dups(c, yaml_document_get_node(c->doc, *it), path, seen)) != SWGR_OK)
				return rc;
		return SWGR_OK;
	}
	if (n->type != YAML_MAPPING_NODE)
		return SWGR_OK;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(c->doc, p->key);
		if (k->type != YAML_SCALAR_NODE)
			continue;
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			kq = yaml_document_get_node(c->doc, q->key);
			if (kq->type == YAML_SCALAR_NODE && kq->data.scalar.length == k->data.scalar.length &&
			    memcmp(kq->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0)
				return swgr_err_set(c->err, SWGR_EINVAL,
				    "parsing YAML configuration from file '%s': line %d: %s%sduplicate key '%.64s'",
				    c->path, node_line(k), path, path[0] != '\0' ? ": " : "",
				    (const char *)k->data.scalar.value);
		}
		snprintf(sub, sizeof(sub), "%.120s%s%.64s", path, path[0] != '\0' ? "." : "",
		    (const char *)k->data.scalar.value);
		if ((rc = check_dups(c, yaml_document_get_node(c->doc, p->value), sub, seen)) != SWGR_OK)
			return rc;
	}
	return SWGR_OK;
}

/* Fills cfg from the parsed document. */
static enum swgr_rc
read_document(const struct ycfg *c, struct swgr_config *cfg)
{
	struct ymap root = { .c = c, .line = 1 }, store;
	yaml_node_t *top;
	char *seen;
	enum swgr_rc rc;

	if ((top = yaml_document_get_root_node(c->doc)) == NULL)
		return SWGR_OK;		/* an empty file: every section absent */
	if (top->type != YAML_MAPPING_NODE)
		return swgr_err_set(c->err, SWGR_EINVAL,
		    "parsing YAML configuration from file '%s': line %d: expected a mapping at the top level",
		    c->path, node_line(top));
	if ((seen = calloc((size_t)(c->doc->nodes.top - c->doc->nodes.start), 1)) == NULL)
		return swgr_err_set(c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	rc = check_dups(c, top, "", seen);
	free(seen);
	if (rc != SWGR_OK)
		return rc;
	root.node = top;
	if ((rc = read_lnurl(&root, &cfg->lnurl)) != SWGR_OK ||
	    (rc = read_admin(&root, "discovery-service", false, &cfg->discovery)) != SWGR_OK ||
	    (rc = read_admin(&root, "offer-service", true, &cfg->offer)) != SWGR_OK ||
	    (rc = ym_map(&root, "store", false, &store)) != SWGR_OK ||
	    (rc = read_store(&store, "discover", &cfg->store_discover)) != SWGR_OK ||
	    (rc = read_store(&store, "offer", &cfg->store_offer)) != SWGR_OK ||
	    (rc = read_monitor(&root, &cfg->monitor)) != SWGR_OK)
		return rc;
	return ym_str(&root, "secrets", false, &cfg->secrets);
}

/* Parses text as one YAML document into cfg; errors name path and line. */
static enum swgr_rc
parse_yaml(const char *path, const char *text, struct swgr_config *cfg, struct swgr_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct ycfg c = { .path = path, .doc = &doc, .err = err };
	enum swgr_rc rc;
	bool more;

	if (!yaml_parser_initialize(&parser))
		return swgr_err_set(err, SWGR_ENOMEM, "parsing YAML: out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc))
		goto syntax;
	rc = read_document(&c, cfg);
	yaml_document_delete(&doc);
	if (rc != SWGR_OK)
		goto out;
	if (!yaml_parser_load(&parser, &extra))
		goto syntax;
	more = yaml_document_get_root_node(&extra) != NULL;
	if (more)
		rc = swgr_err_set(err, SWGR_EINVAL,
		    "parsing YAML configuration from file '%s': line %d: expected a single YAML document",
		    path, (int)extra.start_mark.line + 1);
	yaml_document_delete(&extra);
	goto out;
syntax:
	if (parser.error == YAML_MEMORY_ERROR)
		rc = swgr_err_set(err, SWGR_ENOMEM, "parsing YAML configuration from file '%s': out of memory", path);
	else if (parser.context != NULL)
		rc = swgr_err_set(err, SWGR_EINVAL,
		    "parsing YAML configuration from file '%s': line %d: %s (%s at line %d)",
		    path, (int)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "syntax error",
		    parser.context, (int)parser.context_mark.line + 1);
	else
		rc = swgr_err_set(err, SWGR_EINVAL,
		    "parsing YAML configuration from file '%s': line %d: %s",
		    path, (int)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "syntax error");
out:
	yaml_parser_delete(&parser);
	return rc;
}

/* Replaces {secret.NAME} in a database store's URI; label is "discovery" or "offer". */
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
		redact_uri(s->database_uri, shown, sizeof(shown));
		return swgr_err_set(err, SWGR_EINVAL,
		    "Error while inserting secrets for %s database connection uri. "
		    "Invalid uri or missing secrets in: %s", label, shown);
	}
	free(s->database_uri);
	s->database_uri = uri;
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
	if ((rc = parse_yaml(path, expanded, cfg, err)) != SWGR_OK)
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
	    (rc = expand_store_uri(&cfg->store_offer, "offer", &sec, err)) != SWGR_OK)
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
	free(l->address);
	free(l->ln_trusted_roots);
	free(l->tls.cert_path);
	free(l->tls.key_path);
	free(l->log.log_file);
	free_admin(&cfg->discovery);
	free_admin(&cfg->offer);
	free_store(&cfg->store_discover);
	free_store(&cfg->store_offer);
	free(cfg->secrets);
	free(cfg->monitor.instance);
	free(cfg->monitor.log.log_file);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
