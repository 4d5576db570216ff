/* Text expansion for the configuration: environment variables, dotenv secrets, {secret.NAME} (spec §12.1). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "config/config.h"
#include "core/err.h"
#include "core/utf8.h"


/*
 * Decodes the UTF-8 character at s, of which n bytes remain (n > 0).
 * Returns its length and stores its code point; a malformed byte counts as
 * one character, U+FFFD.
 */
static size_t
utf8_char(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i;
	uint32_t v;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0) {
		len = 2;
		v = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		len = 3;
		v = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		len = 4;
		v = u[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = (v << 6) | (u[i] & 0x3f);
	}
	*cp = v;
	return len;
}


/* Length of the variable name at s for $NAME: alphanumerics and '_'. */
static size_t
env_name_len(const char *s)
{
	size_t n = 0, len, k;
	uint32_t cp;

	len = strlen(s);
	while (n < len) {
		k = utf8_char(s + n, len - n, &cp);
		if (cp != '_' && !swgr_unicode_alnum(cp))
			break;
		n += k;
	}
	return n;
}

/* The environment's value of the name s[0..n), or NULL when unset. */
static const char *
env_get(const char *s, size_t n)
{
	char name[256];

	if (n == 0 || n >= sizeof(name) || memchr(s, '=', n) != NULL)
		return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	return getenv(name);
}

/* 1-based line number of position p in text. */
static int
line_of(const char *text, const char *p)
{
	int line = 1;

	for (; text < p; text++)
		if (*text == '\n')
			line++;
	return line;
}

/*
 * Expands text the way shellexpand::env does: ${NAME}, $NAME and
 * ${NAME:-default} (default taken literally, only when NAME is unset); $$ is
 * one $; any other $ is kept, as is a "${" with no later "}".  An unset
 * variable without default is an error naming it and its line.
 */
enum swgr_rc
swgr_config_expand_env(const char *text, char **out, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	const char *p = text, *d, *close, *sep, *name, *def, *v;
	size_t nlen;
	enum swgr_rc rc = SWGR_OK;

	*out = NULL;
	while ((d = strchr(p, '$')) != NULL) {
		swgr_buf_put(&b, p, (size_t)(d - p));
		p = d + 1;
		if (*p == '$') {
			swgr_buf_putc(&b, '$');
			p++;
			continue;
		}
		if (*p == '{') {
			if ((close = strchr(p, '}')) == NULL) {
				swgr_buf_puts(&b, "${");
				p++;
				continue;
			}
			name = p + 1;
			nlen = (size_t)(close - name);
			def = NULL;
			/* ":-" right after the brace is part of the name, as in the original. */
			sep = memmem(p, (size_t)(close - p), ":-", 2);
			if (sep != NULL && sep != name) {
				def = sep + 2;
				nlen = (size_t)(sep - name);
			}
			if ((v = env_get(name, nlen)) != NULL)
				swgr_buf_puts(&b, v);
			else if (def != NULL)
				swgr_buf_put(&b, def, (size_t)(close - def));
			else
				goto unset;
			p = close + 1;
			continue;
		}
		if ((nlen = env_name_len(p)) == 0) {
			swgr_buf_putc(&b, '$');
			continue;
		}
		name = p;
		if ((v = env_get(name, nlen)) == NULL)
			goto unset;
		swgr_buf_puts(&b, v);
		p += nlen;
	}
	swgr_buf_puts(&b, p);
	swgr_buf_put(&b, "", 0);	/* terminates a buffer that never grew */
	if ((*out = swgr_buf_take(&b, NULL)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "expanding environment variables: out of memory");
	goto out;
unset:
	rc = swgr_err_set(err, SWGR_EINVAL,
	    "line %d: environment variable '%.*s' is not set (no default given)",
	    line_of(text, d), (int)(nlen > 80 ? 80 : nlen), name);
out:
	swgr_buf_free(&b);
	return rc;
}

void
swgr_secrets_free(struct swgr_secrets *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	free(s->names);
	free(s->values);
	memset(s, 0, sizeof(*s));
}

/* The value of secret name[0..n) or NULL. */
static const char *
secrets_get(const struct swgr_secrets *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->names[i]) == n && memcmp(s->names[i], name, n) == 0)
			return s->values[i];
	return NULL;
}

/* Sets name to value (taking value), replacing an earlier definition.  Frees value on failure. */
static enum swgr_rc
secrets_set(struct swgr_secrets *s, const char *name, size_t n, char *value)
{
	char **names, **values, *k;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strlen(s->names[i]) == n && memcmp(s->names[i], name, n) == 0) {
			free(s->values[i]);
			s->values[i] = value;
			return SWGR_OK;
		}
	}
	if ((k = strndup(name, n)) == NULL)
		goto oom;
	if ((names = reallocarray(s->names, s->n + 1, sizeof(*names))) == NULL)
		goto oom;
	s->names = names;
	if ((values = reallocarray(s->values, s->n + 1, sizeof(*values))) == NULL)
		goto oom;
	s->values = values;
	s->names[s->n] = k;
	s->values[s->n++] = value;
	return SWGR_OK;
oom:
	free(k);
	free(value);
	return SWGR_ENOMEM;
}

/* Appends the value of $name: the environment first, then earlier secrets, else nothing (as dotenvy). */
static void
dotenv_subst(const struct swgr_secrets *s, struct swgr_buf *out, const char *name, size_t n)
{
	const char *v;

	if ((v = env_get(name, n)) == NULL)
		v = secrets_get(s, name, n);
	if (v != NULL)
		swgr_buf_puts(out, v);
}

enum subst { SUBST_NONE, SUBST_BLOCK, SUBST_BRACED };

/*
 * Parses the value part of one logical line with dotenvy 0.15's rules into
 * out.  Returns false on malformed input.  One deliberate difference: a
 * closing double quote right after an unbraced $NAME closes the quote (dotenvy
 * kept it as text and then failed on the unterminated quote).
 */
static bool
dotenv_value(const struct swgr_secrets *s, const char *in, size_t len, struct swgr_buf *out)
{
	struct swgr_buf name = { 0 };
	bool strong = false, weak = false, escaped = false, end = false, ok = false;
	enum subst mode = SUBST_NONE;
	size_t i, k;
	uint32_t c;

	for (i = 0; i < len; i += k) {
		k = utf8_char(in + i, len - i, &c);
		if (end) {
			if (c == ' ' || c == '\t')
				continue;
			if (c == '#')
				break;
			goto out;
		} else if (escaped) {
			if (c == 'n')
				swgr_buf_putc(out, '\n');
			else if (c == '\\' || c == '\'' || c == '"' || c == '$' || c == ' ')
				swgr_buf_putc(out, (char)c);
			else
				goto out;
			escaped = false;
		} else if (strong) {
			if (c == '\'')
				strong = false;
			else
				swgr_buf_put(out, in + i, k);
		} else if (mode == SUBST_BRACED) {
			if (c == '}') {
				dotenv_subst(s, out, name.p ? name.p : "", name.len);
				swgr_buf_reset(&name);
				mode = SUBST_NONE;
			} else
				swgr_buf_put(&name, in + i, k);
		} else if (mode == SUBST_BLOCK && swgr_unicode_alnum(c)) {
			swgr_buf_put(&name, in + i, k);
		} else if (mode == SUBST_BLOCK && c == '{' && name.len == 0) {
			mode = SUBST_BRACED;
		} else if (mode == SUBST_BLOCK) {
			dotenv_subst(s, out, name.p ? name.p : "", name.len);
			swgr_buf_reset(&name);
			if (c == '$')
				continue;
			mode = SUBST_NONE;
			if (c == '"' && weak)
				weak = false;
			else
				swgr_buf_put(out, in + i, k);
		} else if (c == '$') {
			mode = SUBST_BLOCK;
		} else if (weak) {
			if (c == '"')
				weak = false;
			else if (c == '\\')
				escaped = true;
			else
				swgr_buf_put(out, in + i, k);
		} else if (c == '\'') {
			strong = true;
		} else if (c == '"') {
			weak = true;
		} else if (c == '\\') {
			escaped = true;
		} else if (c == ' ' || c == '\t') {
			end = true;
		} else
			swgr_buf_put(out, in + i, k);
	}
	if (mode == SUBST_BRACED || strong || weak)
		goto out;
	if (mode == SUBST_BLOCK)
		dotenv_subst(s, out, name.p ? name.p : "", name.len);
	ok = true;
out:
	swgr_buf_free(&name);
	return ok;
}

/* Key characters after the first: ASCII alphanumerics, '_' and '.'. */
static size_t
dotenv_key_len(const char *p, size_t len)
{
	size_t n;

	if (len == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_'))
		return 0;
	for (n = 1; n < len; n++)
		if (!(isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.'))
			break;
	return n;
}

static void
skip_space(const char **p, const char *e)
{
	while (*p < e && isspace((unsigned char)**p))
		(*p)++;
}

/*
 * Parses one logical line [p, e): blank, comment, or [export ]KEY=value.
 * Returns SWGR_EINVAL when malformed.
 */
static enum swgr_rc
dotenv_line(const char *p, const char *e, struct swgr_secrets *s)
{
	struct swgr_buf val = { 0 };
	const char *key;
	size_t klen;
	char *v;

	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	skip_space(&p, e);
	if (p == e || *p == '#')
		return SWGR_OK;
	key = p;
	if ((klen = dotenv_key_len(p, (size_t)(e - p))) == 0)
		return SWGR_EINVAL;
	p += klen;
	skip_space(&p, e);
	if (klen == 6 && memcmp(key, "export", 6) == 0 && (p == e || *p != '=')) {
		key = p;
		if ((klen = dotenv_key_len(p, (size_t)(e - p))) == 0)
			return SWGR_EINVAL;
		p += klen;
		skip_space(&p, e);
	}
	if (p == e || *p != '=')
		return SWGR_EINVAL;
	p++;
	skip_space(&p, e);
	if (p < e && *p != '#' && !dotenv_value(s, p, (size_t)(e - p), &val)) {
		swgr_buf_free(&val);
		return SWGR_EINVAL;
	}
	swgr_buf_put(&val, "", 0);	/* terminates an empty value */
	if ((v = swgr_buf_take(&val, NULL)) == NULL)
		return SWGR_ENOMEM;
	return secrets_set(s, key, klen, v);
}

enum qstate { Q_COMPLETE, Q_ESCAPE, Q_STRONG, Q_STRONG_ESC, Q_WEAK, Q_WEAK_ESC, Q_COMMENT, Q_SPACE };

/*
 * Runs dotenvy's line-joining automaton over the physical line [p, e) from
 * state st.  Returns the new state; for Q_COMMENT, *cut is where the comment
 * starts.
 */
static enum qstate
dotenv_scan(enum qstate st, const char *p, const char *e, const char **cut)
{
	for (; p < e; p++) {
		switch (st) {
		case Q_SPACE:
			if (*p == '#') {
				*cut = p;
				return Q_COMMENT;
			}
			st = *p == '\\' ? Q_ESCAPE : *p == '"' ? Q_WEAK :
			    *p == '\'' ? Q_STRONG : Q_COMPLETE;
			break;
		case Q_ESCAPE:
			st = Q_COMPLETE;
			break;
		case Q_COMPLETE:
			if (*p != '\n' && *p != '\r' && isspace((unsigned char)*p))
				st = Q_SPACE;
			else
				st = *p == '\\' ? Q_ESCAPE : *p == '"' ? Q_WEAK :
				    *p == '\'' ? Q_STRONG : Q_COMPLETE;
			break;
		case Q_WEAK:
			st = *p == '\\' ? Q_WEAK_ESC : *p == '"' ? Q_COMPLETE : Q_WEAK;
			break;
		case Q_WEAK_ESC:
			st = Q_WEAK;
			break;
		case Q_STRONG:
			st = *p == '\\' ? Q_STRONG_ESC : *p == '\'' ? Q_COMPLETE : Q_STRONG;
			break;
		case Q_STRONG_ESC:
			st = Q_STRONG;
			break;
		case Q_COMMENT:
			return st;
		}
	}
	return st;
}

/*
 * Parses dotenv text: '#' comments, blank lines, optional "export ", single
 * quotes literal, double quotes with \n \" \\ \' \$ escapes, quoted values
 * spanning lines, $NAME and ${NAME} in unquoted and double-quoted values
 * (environment first, then earlier lines, as dotenvy).  A later definition of
 * a name replaces the earlier one.  Errors name the line only, never its text.
 */
enum swgr_rc
swgr_secrets_parse(const char *text, struct swgr_secrets *out, struct swgr_err *err)
{
	const char *p = text, *start, *nl, *e, *q, *cut = NULL;
	enum qstate st;
	enum swgr_rc rc;
	int line = 1, first;

	memset(out, 0, sizeof(*out));
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (*p != '\0') {
		start = p;
		first = line;
		st = Q_COMPLETE;
		for (;;) {
			nl = strchr(p, '\n');
			e = nl != NULL ? nl + 1 : p + strlen(p);
			if (nl != NULL)
				line++;
			/* A line starting with '#' is skipped whole, quotes and all. */
			q = p;
			skip_space(&q, e);
			if (p == start && q < e && *q == '#') {
				st = Q_COMMENT;
				cut = start;
				p = e;
				break;
			}
			st = dotenv_scan(st, p, e, &cut);
			p = e;
			if (st == Q_COMPLETE || st == Q_COMMENT || *p == '\0')
				break;
		}
		if (st != Q_COMPLETE && st != Q_COMMENT) {
			rc = SWGR_EINVAL;
			goto fail;
		}
		if (st == Q_COMPLETE)
			cut = p;
		if ((rc = dotenv_line(start, cut, out)) != SWGR_OK)
			goto fail;
	}
	return SWGR_OK;
fail:
	swgr_secrets_free(out);
	if (rc == SWGR_ENOMEM)
		return swgr_err_set(err, rc, "parsing secrets: out of memory");
	return swgr_err_set(err, rc, "line %d: malformed line", first);
}

/*
 * Replaces {secret.NAME} in uri with the secret's value, as strfmt does:
 * "{{" and "}}" are literal braces; a lone "}", a "{" without its "}", a
 * nested "{", a format spec after ':' or a placeholder without a value is
 * SWGR_EINVAL.  The message never contains a secret's value.
 */
enum swgr_rc
swgr_config_expand_secrets(const char *uri, const struct swgr_secrets *s,
    char **out, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	const char *p = uri, *close, *key, *v;
	size_t klen;
	enum swgr_rc rc = SWGR_OK;

	*out = NULL;
	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '{') {
			swgr_buf_putc(&b, '{');
			p += 2;
		} else if (p[0] == '}' && p[1] == '}') {
			swgr_buf_putc(&b, '}');
			p += 2;
		} else if (*p == '}') {
			rc = swgr_err_set(err, SWGR_EINVAL, "unmatched '}' in uri");
			goto out;
		} else if (*p == '{') {
			key = p + 1;
			klen = strcspn(key, "{}");
			close = key + klen;
			if (*close != '}') {
				rc = swgr_err_set(err, SWGR_EINVAL, "unmatched '{' in uri");
				goto out;
			}
			if (klen < 7 || strncmp(key, "secret.", 7) != 0 ||
			    memchr(key, ':', klen) != NULL ||
			    (v = secrets_get(s, key + 7, klen - 7)) == NULL) {
				rc = swgr_err_set(err, SWGR_EINVAL, "no value for placeholder {%.*s}",
				    (int)(klen > 80 ? 80 : klen), key);
				goto out;
			}
			swgr_buf_puts(&b, v);
			p = close + 1;
		} else
			swgr_buf_putc(&b, *p++);
	}
	swgr_buf_put(&b, "", 0);	/* terminates an empty result */
	if ((*out = swgr_buf_take(&b, NULL)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "expanding secrets: out of memory");
out:
	swgr_buf_free(&b);
	return rc;
}
