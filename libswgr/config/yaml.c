/* The strict YAML reader of the configuration: one document, typed values, errors with file and line. */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config/yaml_int.h"
#include "core/err.h"

enum swgr_rc
swgr_yaml_fail(const struct swgr_yaml_map *m, const char *key, int line, const char *fmt, ...)
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

int
swgr_yaml_line(const yaml_node_t *n)
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

yaml_node_t *
swgr_yaml_find(const struct swgr_yaml_map *m, const char *key, int *kline)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k;

	if (m->node == NULL)
		return NULL;
	for (pair = m->node->data.mapping.pairs.start; pair < m->node->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(m->c->doc, pair->key);
		if (scalar_is(k, key)) {
			if (m->c->used != NULL)
				m->c->used[k - m->c->doc->nodes.start] = 1;
			if (kline != NULL)
				*kline = swgr_yaml_line(k);
			return yaml_document_get_node(m->c->doc, pair->value);
		}
	}
	return NULL;
}

int
swgr_yaml_key_line(const struct swgr_yaml_map *m, const char *key)
{
	int line = m->line;

	swgr_yaml_find(m, key, &line);
	return line;
}

enum swgr_rc
swgr_yaml_value(const struct swgr_yaml_map *m, const char *key, bool req, const char *what,
    yaml_node_t **out)
{
	yaml_node_t *n;

	*out = NULL;
	n = swgr_yaml_find(m, key, NULL);
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
	return swgr_yaml_fail(m, key, swgr_yaml_line(n), "expected %s", what);
}

enum swgr_rc
swgr_yaml_scalar(const struct swgr_yaml_map *m, const char *key, bool req, const char *what,
    const char **s, yaml_node_t **node)
{
	yaml_node_t *n;
	enum swgr_rc rc;

	*s = NULL;
	if ((rc = swgr_yaml_value(m, key, req, what, &n)) != SWGR_OK || n == NULL)
		return rc;
	if (n->type != YAML_SCALAR_NODE)
		return swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key), "expected %s", what);
	*s = (const char *)n->data.scalar.value;
	if (node != NULL)
		*node = n;
	return SWGR_OK;
}

enum swgr_rc
swgr_yaml_str(const struct swgr_yaml_map *m, const char *key, bool req, char **out)
{
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_scalar(m, key, req, "a string", &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (strlen(s) != n->data.scalar.length)
		return swgr_yaml_fail(m, key, swgr_yaml_line(n), "expected a string without NUL characters");
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

enum swgr_rc
swgr_yaml_uint(const struct swgr_yaml_map *m, const char *key, bool req, uint64_t max,
    uint64_t *out, bool *has)
{
	yaml_node_t *n;
	const char *s;
	uint64_t v;
	bool neg;
	enum swgr_rc rc;

	if (has != NULL)
		*has = false;
	if ((rc = swgr_yaml_scalar(m, key, req, "an unsigned integer", &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !parse_int(s, &neg, &v) ||
	    (neg && v != 0))
		return swgr_yaml_fail(m, key, swgr_yaml_line(n), "expected an unsigned integer");
	if (v > max)
		return swgr_yaml_fail(m, key, swgr_yaml_line(n),
		    "expected an unsigned integer no larger than %" PRIu64, max);
	*out = v;
	if (has != NULL)
		*has = true;
	return SWGR_OK;
}

enum swgr_rc
swgr_yaml_u32(const struct swgr_yaml_map *m, const char *key, bool req, uint32_t *out, bool *has)
{
	uint64_t v;
	enum swgr_rc rc;
	bool h;

	if ((rc = swgr_yaml_uint(m, key, req, UINT32_MAX, &v, &h)) == SWGR_OK && h)
		*out = (uint32_t)v;
	if (has != NULL)
		*has = h;
	return rc;
}

enum swgr_rc
swgr_yaml_u8(const struct swgr_yaml_map *m, const char *key, uint8_t *out)
{
	uint64_t v;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_uint(m, key, true, UINT8_MAX, &v, NULL)) == SWGR_OK)
		*out = (uint8_t)v;
	return rc;
}

enum swgr_rc
swgr_yaml_float(const struct swgr_yaml_map *m, const char *key, bool req, bool nonneg,
    double *out, bool *has)
{
	const char *what = nonneg ? "a non-negative number" : "a number";
	yaml_node_t *n;
	const char *s;
	double v;
	enum swgr_rc rc;

	if (has != NULL)
		*has = false;
	if ((rc = swgr_yaml_scalar(m, key, req, what, &s, &n)) != SWGR_OK || s == NULL)
		return rc;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !parse_float(s, &v) ||
	    (nonneg && v < 0))
		return swgr_yaml_fail(m, key, swgr_yaml_line(n), "expected %s", what);
	*out = v;
	if (has != NULL)
		*has = true;
	return SWGR_OK;
}

enum swgr_rc
swgr_yaml_bool(const struct swgr_yaml_map *m, const char *key, bool *out)
{
	yaml_node_t *n;
	const char *s;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_scalar(m, key, true, "true or false", &s, &n)) != SWGR_OK)
		return rc;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0))
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0))
		*out = false;
	else
		return swgr_yaml_fail(m, key, swgr_yaml_line(n), "expected true or false");
	return SWGR_OK;
}

enum swgr_rc
swgr_yaml_strlist(const struct swgr_yaml_map *m, const char *key, char ***out, size_t *nout)
{
	const char *what = "a list of strings";
	yaml_node_item_t *it;
	yaml_node_t *n, *e;
	size_t i, count;
	char **v;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_value(m, key, true, what, &n)) != SWGR_OK)
		return rc;
	if (n->type != YAML_SEQUENCE_NODE)
		return swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key), "expected %s", what);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if ((v = calloc(count + 1, sizeof(*v))) == NULL)
		return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	*out = v;
	*nout = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(m->c->doc, *it);
		if (e->type != YAML_SCALAR_NODE || is_null(e) ||
		    strlen((const char *)e->data.scalar.value) != e->data.scalar.length)
			return swgr_yaml_fail(m, key, swgr_yaml_line(e), "expected %s", what);
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

enum swgr_rc
swgr_yaml_mapping(const struct swgr_yaml_map *m, const char *key, bool req,
    struct swgr_yaml_map *sub)
{
	yaml_node_t *n;
	enum swgr_rc rc;

	memset(sub, 0, sizeof(*sub));
	sub->c = m->c;
	snprintf(sub->name, sizeof(sub->name), "%.80s%s%.40s", m->name, m->name[0] != '\0' ? "." : "",
	    key);
	if ((rc = swgr_yaml_value(m, key, req, "a mapping", &n)) != SWGR_OK || n == NULL)
		return rc;
	/* The key's own line: a block mapping's first key sits one line below. */
	sub->line = swgr_yaml_key_line(m, key);
	if (n->type != YAML_MAPPING_NODE)
		return swgr_yaml_fail(m, key, sub->line, "expected a mapping");
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

enum swgr_rc
swgr_yaml_addr(const struct swgr_yaml_map *m, const char *key, char **out)
{
	enum swgr_rc rc;

	if ((rc = swgr_yaml_str(m, key, true, out)) != SWGR_OK)
		return rc;
	if (!valid_sockaddr(*out))
		return swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key),
		    "expected an address ip:port (no host names)");
	return SWGR_OK;
}

/*
 * Refuses a duplicate key in any mapping reachable from node n, naming the
 * dotted path and the line of the second occurrence.  seen[] marks visited
 * nodes so aliases cannot loop.
 */
static enum swgr_rc
check_dups(const struct swgr_yaml_doc *c, yaml_node_t *n, const char *path, char *seen)
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
				    c->path, swgr_yaml_line(k), path, path[0] != '\0' ? ": " : "",
				    (const char *)k->data.scalar.value);
		}
		snprintf(sub, sizeof(sub), "%.120s%s%.64s", path, path[0] != '\0' ? "." : "",
		    (const char *)k->data.scalar.value);
		if ((rc = check_dups(c, yaml_document_get_node(c->doc, p->value), sub, seen)) != SWGR_OK)
			return rc;
	}
	return SWGR_OK;
}
/*
 * The first key of a mapping reachable from n (through keys that were read)
 * that the reader never looked for: its message in *out (malloc'd), else
 * *out stays NULL.  seen[] as in check_dups.
 */
static enum swgr_rc
find_unused(const struct swgr_yaml_doc *c, yaml_node_t *n, const char *path, char *seen,
    char **out)
{
	yaml_node_pair_t *p;
	yaml_node_t *k;
	struct swgr_err e = { 0 };
	char sub[192];
	enum swgr_rc rc;
	size_t idx = (size_t)(n - c->doc->nodes.start);

	if (seen[idx] || n->type != YAML_MAPPING_NODE)
		return SWGR_OK;
	seen[idx] = 1;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && *out == NULL; p++) {
		k = yaml_document_get_node(c->doc, p->key);
		if (k->type != YAML_SCALAR_NODE)
			continue;
		snprintf(sub, sizeof(sub), "%.120s%s%.64s", path, path[0] != '\0' ? "." : "",
		    (const char *)k->data.scalar.value);
		if (!c->used[k - c->doc->nodes.start]) {
			swgr_err_set(&e, SWGR_EINVAL, "parsing YAML configuration from file '%s': "
			    "line %d: %s: unknown key", c->path, swgr_yaml_line(k), sub);
			if ((*out = strdup(e.msg)) == NULL)
				return swgr_err_set(c->err, SWGR_ENOMEM, "reading configuration: "
				    "out of memory");
			return SWGR_OK;
		}
		if ((rc = find_unused(c, yaml_document_get_node(c->doc, p->value), sub, seen,
		    out)) != SWGR_OK)
			return rc;
	}
	return SWGR_OK;
}

/* Checks the top node of c's document and hands it to read as the root mapping. */
static enum swgr_rc
read_root(struct swgr_yaml_doc *c,
    enum swgr_rc (*read)(const struct swgr_yaml_map *, void *), void *arg, char **unknown)
{
	struct swgr_yaml_map root = { .c = c, .line = 1 };
	yaml_node_t *top;
	char *seen;
	size_t nnodes;
	enum swgr_rc rc;

	if ((top = yaml_document_get_root_node(c->doc)) == NULL)
		return SWGR_OK;		/* an empty file: every section absent */
	if (top->type != YAML_MAPPING_NODE)
		return swgr_err_set(c->err, SWGR_EINVAL,
		    "parsing YAML configuration from file '%s': line %d: expected a mapping at the top level",
		    c->path, swgr_yaml_line(top));
	nnodes = (size_t)(c->doc->nodes.top - c->doc->nodes.start);
	if ((seen = calloc(nnodes, 1)) == NULL)
		return swgr_err_set(c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	rc = check_dups(c, top, "", seen);
	if (rc == SWGR_OK && unknown != NULL && (c->used = calloc(nnodes, 1)) == NULL)
		rc = swgr_err_set(c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	if (rc == SWGR_OK) {
		root.node = top;
		rc = read(&root, arg);
	}
	if (rc == SWGR_OK && unknown != NULL) {
		memset(seen, 0, nnodes);
		rc = find_unused(c, top, "", seen, unknown);
	}
	free(c->used);
	c->used = NULL;
	free(seen);
	return rc;
}

enum swgr_rc
swgr_yaml_parse(const char *path, const char *text,
    enum swgr_rc (*read)(const struct swgr_yaml_map *root, void *arg), void *arg,
    char **unknown, struct swgr_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct swgr_yaml_doc c = { .path = path, .doc = &doc, .err = err };
	enum swgr_rc rc;
	bool more;

	if (unknown != NULL)
		*unknown = NULL;
	if (!yaml_parser_initialize(&parser))
		return swgr_err_set(err, SWGR_ENOMEM, "parsing YAML: out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc))
		goto syntax;
	rc = read_root(&c, read, arg, unknown);
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
		rc = swgr_err_set(err, SWGR_ENOMEM,
		    "parsing YAML configuration from file '%s': out of memory", path);
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
	if (rc != SWGR_OK && unknown != NULL) {
		free(*unknown);
		*unknown = NULL;
	}
	yaml_parser_delete(&parser);
	return rc;
}
