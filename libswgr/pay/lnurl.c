/* LNURL-pay text: the metadata string, host and scheme of a request, callback URLs, query values, error JSON. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "core/cidr.h"
#include "core/json.h"
#include "pay/lnurl.h"
#include "core/time.h"
#include "core/base64.h"
#include "core/utf8.h"
#include "core/email.h"
#include "core/pubkey.h"
#include "model/model.h"

/* ---- metadata (spec §8) ---- */

static void
meta_entry(struct swgr_jw *jw, const char *type, const char *value, size_t len)
{
	swgr_jw_arr_open(jw);
	swgr_jw_str(jw, type);
	swgr_jw_strn(jw, value, len);
	swgr_jw_arr_close(jw);
}

void
swgr_lnurl_metadata(struct swgr_buf *b, const struct swgr_metadata *m)
{
	struct swgr_jw jw;
	char *s, *addr = NULL;
	const char *id;

	swgr_jw_init(&jw, b, false);
	swgr_jw_arr_open(&jw);
	meta_entry(&jw, "text/plain", m->text, strlen(m->text));
	if (m->long_text != NULL)
		meta_entry(&jw, "text/long-desc", m->long_text, strlen(m->long_text));
	if (m->image_kind != SWGR_IMAGE_NONE) {
		if ((s = swgr_base64_encode(m->image, m->image_len)) == NULL) {
			b->oom = true;
			return;
		}
		meta_entry(&jw, m->image_kind == SWGR_IMAGE_PNG ? "image/png;base64" :
		    "image/jpeg;base64", s, strlen(s));
		free(s);
	}
	if (m->ident_kind != SWGR_IDENT_NONE && m->identifier != NULL) {
		/* The stored form may be "Name <local@domain>": the entry holds the address. */
		if (swgr_email_parse(m->identifier, strlen(m->identifier), &addr) != SWGR_OK)
			addr = NULL;
		id = addr != NULL ? addr : m->identifier;
		meta_entry(&jw, m->ident_kind == SWGR_IDENT_EMAIL ? "text/email" :
		    "text/identifier", id, strlen(id));
		free(addr);
	}
	swgr_jw_arr_close(&jw);
}

void
swgr_lnurl_error_json(struct swgr_buf *b, const char *reason)
{
	swgr_buf_puts(b, "{\"status\":\"ERROR\",\"reason\":");
	swgr_json_string(b, reason, strlen(reason));
	swgr_buf_putc(b, '}');
}

/* ---- host and scheme (spec §3.2) ---- */

/*
 * The value of key= in the first element (up to ',') of a Forwarded header,
 * quotes trimmed, copied into out.  False if absent or too long.
 */
static bool
forwarded_param(const char *fwd, const char *key, char *out, size_t outlen)
{
	const char *p = fwd, *end, *v;
	size_t klen = strlen(key), n;

	end = p + strcspn(p, ",");
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		n = strcspn(p, ";,");
		if (p + n > end)
			n = end - p;
		if (n > klen && strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
			v = p + klen + 1;
			n -= klen + 1;
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v++;
				n -= 2;
			}
			if (n == 0 || n >= outlen)
				return false;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p += n;
	}
	return false;
}

bool
swgr_lnurl_fwd_trusted(const struct swgr_lnurl_cfg *lc, const struct swgr_env *e)
{
	return lc->trust_forwarded_headers ||
	    swgr_cidr_match(lc->trusted_proxies, lc->ntrusted_proxies, e->v[SWGR_P_REMOTE_ADDR]);
}

const char *
swgr_lnurl_host(const struct swgr_env *e, bool fwd, char buf[SWGR_LNURL_HOST_MAX])
{
	const char *v;

	if (fwd && (v = e->v[SWGR_P_FORWARDED]) != NULL &&
	    forwarded_param(v, "host", buf, SWGR_LNURL_HOST_MAX))
		return buf;
	if (fwd && (v = e->v[SWGR_P_X_FORWARDED_HOST]) != NULL && *v != '\0')
		return v;
	if ((v = e->v[SWGR_P_HOST]) != NULL && *v != '\0')
		return v;
	return NULL;
}

/*
 * Splits host[:port]: the name (brackets of an IPv6 literal removed) and the
 * port text after ':' (NULL if none).  An unbracketed name with more than one
 * ':' is an IPv6 literal without a port when v6bare, else its name ends at
 * the first ':' (as a Host header is read).
 */
static void
host_split(const char *h, bool v6bare, const char **name, size_t *len, const char **port)
{
	const char *e;

	*port = NULL;
	if (h[0] == '[' && (e = strchr(h, ']')) != NULL) {
		*name = h + 1;
		*len = (size_t)(e - h - 1);
		if (e[1] == ':')
			*port = e + 2;
		return;
	}
	*name = h;
	if ((e = strchr(h, ':')) == NULL || (v6bare && strchr(e + 1, ':') != NULL)) {
		*len = strlen(h);
		return;
	}
	*len = (size_t)(e - h);
	*port = e + 1;
}

/* The port text p as a number, -1 if it is none (empty, not digits, over 65535). */
static long
port_value(const char *p)
{
	long v = 0;

	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if ((v = v * 10 + (*p - '0')) > 65535)
			return -1;
	}
	return v;
}

bool
swgr_lnurl_host_allowed(const char *host, const char *scheme, char *const *allowed, size_t n)
{
	const char *name, *an, *port, *aport;
	size_t len, alen, i;
	long pv = -1;

	if (n == 0)
		return true;
	host_split(host, false, &name, &len, &port);
	if (port != NULL)
		pv = port_value(port);
	else if (scheme != NULL)
		pv = strcmp(scheme, "https") == 0 ? 443 : strcmp(scheme, "http") == 0 ? 80 : -1;
	for (i = 0; i < n; i++) {
		host_split(allowed[i], true, &an, &alen, &aport);
		if (alen != len || strncasecmp(an, name, len) != 0)
			continue;
		if (aport == NULL || (pv >= 0 && port_value(aport) == pv))
			return true;
	}
	return false;
}

static const char *
scheme_of(const char *v, size_t n)
{
	if (n == 5 && strncasecmp(v, "https", 5) == 0)
		return "https";
	if (n == 4 && strncasecmp(v, "http", 4) == 0)
		return "http";
	return NULL;
}

const char *
swgr_lnurl_scheme(const struct swgr_env *e, bool fwd, bool tls)
{
	const char *v, *s;
	char buf[16];

	if (fwd && (v = e->v[SWGR_P_FORWARDED]) != NULL &&
	    forwarded_param(v, "proto", buf, sizeof(buf)) &&
	    (s = scheme_of(buf, strlen(buf))) != NULL)
		return s;
	if (fwd && (v = e->v[SWGR_P_X_FORWARDED_PROTO]) != NULL &&
	    (s = scheme_of(v, strcspn(v, ", \t"))) != NULL)
		return s;
	if ((v = e->v[SWGR_P_HTTPS]) != NULL && strcasecmp(v, "on") == 0)
		return "https";
	if ((v = e->v[SWGR_P_REQUEST_SCHEME]) != NULL &&
	    (s = scheme_of(v, strlen(v))) != NULL)
		return s;
	return tls ? "https" : "http";
}

/* ---- URLs ---- */

/* WHATWG's path percent-encode set, plus '?' and '#' (they would end the path). */
static bool
path_escape(unsigned char ch)
{
	/* Bit ch: controls, space, DEL and above, and "#<>?`{} (the path percent-encode set). */
	static const uint64_t set[4] = { 0xd000000dffffffffULL, 0xa800000100000000ULL,
	    0xffffffffffffffffULL, 0xffffffffffffffffULL };

	return (set[ch >> 6] >> (ch & 63)) & 1;
}

static void
put_path(struct swgr_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p, *run;
	char esc[3] = { '%', 0, 0 };

	for (p = run = (const unsigned char *)s; *p != '\0'; p++) {
		if (!path_escape(*p))
			continue;
		swgr_buf_put(b, run, (size_t)(p - run));
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		swgr_buf_put(b, esc, 3);
		run = p + 1;
	}
	swgr_buf_put(b, run, (size_t)(p - run));
}

/* WHATWG forbidden host code points (and what cannot be in a host here at all). */
static bool
host_char_ok(unsigned char ch)
{
	switch (ch) {
	case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
	case '[': case '\\': case ']': case '^': case '|':
		return false;
	default:
		return ch > 0x20 && ch < 0x7f;
	}
}

enum swgr_rc
swgr_lnurl_origin(struct swgr_buf *b, const char *scheme, const char *host, struct swgr_err *err)
{
	const char *name, *port = NULL, *p;
	size_t nlen, i;
	unsigned long pv = 0;
	bool v6 = false;

	if (host[0] == '[') {
		if ((p = strchr(host, ']')) == NULL)
			goto bad;
		name = host;
		nlen = p - host + 1;
		v6 = true;
		for (i = 1; i + 1 < nlen; i++)
			if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
				goto bad;
	} else {
		name = host;
		nlen = strcspn(host, ":");
		for (i = 0; i < nlen; i++)
			if (!host_char_ok((unsigned char)host[i]))
				goto bad;
	}
	if (nlen == 0 || (v6 && nlen < 3))
		goto bad;
	if (name[nlen] == ':') {
		port = name + nlen + 1;
		for (p = port; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p))
				goto bad;
			pv = pv * 10 + (unsigned long)(*p - '0');
			if (pv > 65535)
				goto bad;
		}
		if (*port == '\0')
			port = NULL;
	} else if (name[nlen] != '\0')
		goto bad;
	swgr_buf_puts(b, scheme);
	swgr_buf_puts(b, "://");
	for (i = 0; i < nlen; i++)
		swgr_buf_putc(b, (char)tolower((unsigned char)name[i]));
	if (port != NULL && !(strcmp(scheme, "http") == 0 && pv == 80) &&
	    !(strcmp(scheme, "https") == 0 && pv == 443)) {
		swgr_buf_putc(b, ':');
		swgr_buf_put_u64(b, pv);
	}
	return SWGR_OK;
bad:
	return swgr_err_set(err, SWGR_EINVAL, "host '%s' is not a valid URL host", host);
}

enum swgr_rc
swgr_lnurl_url(struct swgr_buf *b, const char *scheme, const char *host,
    const char *partition, const char *id, const char *suffix, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = swgr_lnurl_origin(b, scheme, host, err)) != SWGR_OK)
		return rc;
	swgr_buf_puts(b, "/offers/");
	put_path(b, partition);
	swgr_buf_putc(b, '/');
	put_path(b, id);
	swgr_buf_puts(b, suffix);
	return SWGR_OK;
}

/* ---- query values ---- */

enum swgr_rc
swgr_lnurl_amount(const struct swgr_query *q, uint64_t *out, struct swgr_err *err)
{
	const char *v, *p;
	uint64_t n = 0;
	size_t cnt;

	if ((cnt = swgr_query_count(q, "amount", &v)) == 0)
		return swgr_err_set(err, SWGR_EINVAL, "missing amount");
	if (cnt > 1)
		return swgr_err_set(err, SWGR_EINVAL, "amount given %zu times", cnt);
	if (*v == '\0')
		return swgr_err_set(err, SWGR_EINVAL, "amount is empty");
	p = v;
	if (*p == '-')
		return swgr_err_set(err, SWGR_EINVAL, "amount must not be negative");
	if (*p == '+')
		p++;
	if (*p == '\0')
		goto nan;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return swgr_err_set(err, SWGR_EINVAL, "amount is too large (at most %"
			    PRIu64 " msat)", UINT64_MAX);
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.' || *p == 'e' || *p == 'E')
		return swgr_err_set(err, SWGR_EINVAL, "amount must be a whole number of "
		    "millisatoshis");
	if (*p != '\0')
		goto nan;
	if (n == 0)	/* a node asked for 0 msat writes an amountless invoice */
		return swgr_err_set(err, SWGR_EINVAL, "amount must be at least 1 millisatoshi");
	*out = n;
	return SWGR_OK;
nan:
	return swgr_err_set(err, SWGR_EINVAL, "amount is not a number");
}

long
swgr_lnurl_utf8_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	size_t i;

	if (!swgr_utf8_valid(s, len))
		return -1;
	for (i = 0; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			n++;
	return n;
}

enum swgr_rc
swgr_lnurl_comment(const struct swgr_query *q, uint32_t limit, const char **use,
    struct swgr_err *err)
{
	const char *v;
	size_t cnt;
	long chars;

	*use = NULL;
	if ((cnt = swgr_query_count(q, "comment", &v)) == 0 || limit == 0)
		return SWGR_OK;
	if (cnt > 1)
		return swgr_err_set(err, SWGR_EINVAL, "comment given %zu times", cnt);
	if ((chars = swgr_lnurl_utf8_chars(v, strlen(v))) < 0)
		return swgr_err_set(err, SWGR_EINVAL, "comment is not valid UTF-8");
	if ((unsigned long)chars > limit)
		return swgr_err_set(err, SWGR_EINVAL, "comment is %ld characters long, over the "
		    "limit of %" PRIu32, chars, limit);
	*use = v;
	return SWGR_OK;
}

/* One identity of a payerdata object, i its SWGR_PAYER_* bit number, checked. */
static enum swgr_rc
payer_member(struct json_object *v, unsigned i, struct swgr_err *err)
{
	const char *name = swgr_payer_kind_name(i), *s;
	struct swgr_pubkey pk;
	char *addr = NULL;
	size_t len;
	long chars;

	if (!json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_EINVAL, "payerdata.%s: expected a string", name);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	switch (1u << i) {
	case SWGR_PAYER_NAME:
		if ((chars = swgr_lnurl_utf8_chars(s, len)) < 1 || chars > SWGR_PAYER_NAME_MAX ||
		    memchr(s, '\0', len) != NULL)
			return swgr_err_set(err, SWGR_EINVAL, "payerdata.name: expected 1 to %d "
			    "characters", SWGR_PAYER_NAME_MAX);
		return SWGR_OK;
	case SWGR_PAYER_PUBKEY:
		if (len != 66 || swgr_pubkey_parse(s, len, &pk) != SWGR_OK)
			return swgr_err_set(err, SWGR_EINVAL, "payerdata.pubkey: expected a "
			    "compressed secp256k1 public key in hex (66 digits)");
		return SWGR_OK;
	default:	/* identifier, email: an internet identifier, an e-mail address */
		if (memchr(s, '\0', len) != NULL || swgr_email_parse(s, len, &addr) != SWGR_OK)
			return swgr_err_set(err, SWGR_EINVAL, "payerdata.%s: expected an address "
			    "as user@domain", name);
		free(addr);
		return SWGR_OK;
	}
}

enum swgr_rc
swgr_lnurl_payerdata(const char *s, size_t len, unsigned asked, unsigned mandatory,
    struct swgr_err *err)
{
	struct json_object *o = NULL, *v;
	struct swgr_err perr = { 0 };
	enum swgr_rc rc = SWGR_OK;
	unsigned i;

	if (len > SWGR_PAYERDATA_MAX)
		return swgr_err_set(err, SWGR_EINVAL, "payerdata is %zu bytes long, over the limit "
		    "of %d", len, SWGR_PAYERDATA_MAX);
	if (swgr_json_parse(s, len, &o, &perr) != SWGR_OK || !json_object_is_type(o,
	    json_type_object)) {
		json_object_put(o);
		return swgr_err_set(err, SWGR_EINVAL, "payerdata: expected a JSON object%s%s",
		    perr.msg[0] != '\0' ? ": " : "", perr.msg);
	}
	for (i = 0; i < SWGR_PAYER_KINDS && rc == SWGR_OK; i++) {
		if (!json_object_object_get_ex(o, swgr_payer_kind_name(i), &v) || v == NULL) {
			if (mandatory & asked & (1u << i))
				rc = swgr_err_set(err, SWGR_EINVAL, "payerdata.%s: missing, and this "
				    "pay request asks for it", swgr_payer_kind_name(i));
			continue;
		}
		rc = payer_member(v, i, err);
	}
	json_object_put(o);
	return rc;
}

/* ---- headers ---- */

void
swgr_lnurl_cache_headers(struct swgr_resp *r, const struct swgr_time *expires,
    const struct swgr_time *now, bool public_cache)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	/* The Expires value of a thread's last offer, formatted once. */
	static _Thread_local int64_t memo_sec = INT64_MIN;
	static _Thread_local char memo[40];
	char v[64], digits[SWGR_U64_DEC_MAX], *d;
	const char *pre;
	int64_t left;
	struct tm tm;
	time_t t;

	if (expires == NULL) {
		swgr_resp_nocache(r);
		return;
	}
	left = expires->sec - now->sec;
	if (expires->nsec < now->nsec)
		left--;
	d = swgr_u64_dec(digits, left > 0 ? (uint64_t)left : 0);
	pre = public_cache ? "public, max-age=" : "private, max-age=";
	memcpy(v, pre, strlen(pre));
	memcpy(v + strlen(pre), d, (size_t)(digits + sizeof(digits) - d));	/* with its NUL */
	swgr_resp_header(r, "Cache-Control", v);
	if (memo_sec != expires->sec) {
		t = (time_t)expires->sec;
		if (gmtime_r(&t, &tm) == NULL) {
			r->bad = true;
			return;
		}
		snprintf(memo, sizeof(memo), "%s, %02d %s %04d %02d:%02d:%02d GMT",
		    days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		memo_sec = expires->sec;
	}
	swgr_resp_header(r, "Expires", memo);
}

void
swgr_lnurl_vary(struct swgr_resp *r, const struct swgr_lnurl_cfg *lc)
{
	if (lc->trust_forwarded_headers || lc->ntrusted_proxies > 0)
		swgr_resp_header(r, "Vary", "Host, Forwarded, X-Forwarded-Host, X-Forwarded-Proto");
	else
		swgr_resp_header(r, "Vary", "Host");
}
