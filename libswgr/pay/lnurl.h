/* LNURL-pay text: the metadata string, host and scheme of a request, callback URLs, query values, error JSON. */
#ifndef SWGR_LNURL_H
#define SWGR_LNURL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/err.h"
#include "fcgi/fcgi.h"
#include "model/model.h"

#define SWGR_LNURL_HOST_MAX	256	/* longer Host values are refused */

/*
 * Appends the metadata string of spec §8 for m: the compact JSON array of
 * ["text/plain", text], ["text/long-desc", ...], ["image/png;base64" or
 * "image/jpeg;base64", ...], ["text/email" or "text/identifier", local@domain],
 * entries absent when the field is, escaped as serde_json.  The description
 * hash of every invoice is sha256 of exactly these bytes.
 */
void		 swgr_lnurl_metadata(struct swgr_buf *b, const struct swgr_metadata *m);

/* Appends {"status":"ERROR","reason":"<reason>"} (spec §3.1). */
void		 swgr_lnurl_error_json(struct swgr_buf *b, const char *reason);

/*
 * True if the forwarding headers (Forwarded, X-Forwarded-Host,
 * X-Forwarded-Proto) of request e are believed: lc->trust_forwarded_headers,
 * or REMOTE_ADDR in lc->trusted_proxies.  Otherwise any client could set the
 * host and scheme of the URLs an answer carries.
 */
bool		 swgr_lnurl_fwd_trusted(const struct swgr_lnurl_cfg *lc, const struct swgr_env *e);

/*
 * The request host of spec §3.2: when fwd (swgr_lnurl_fwd_trusted), host= of
 * the first element of Forwarded (quotes trimmed), else X-Forwarded-Host;
 * else (and always without fwd) Host.  Returns NULL when there is none; the
 * string is borrowed from e or, for Forwarded, copied into buf.
 */
const char	*swgr_lnurl_host(const struct swgr_env *e, bool fwd, char buf[SWGR_LNURL_HOST_MAX]);

/*
 * True if host (with any :port) is in the allow-list, names compared without
 * regard to case (a bracketed IPv6 literal as a whole, brackets optional on
 * either side).  An entry without a port takes the name with any port; an
 * entry with one ("pay.example:8443", "[::1]:9000") only that port, where a
 * host without a port has the default port of scheme (80 for http, 443 for
 * https; none when scheme is NULL).  An empty list allows every host (the
 * caller warns).
 */
bool		 swgr_lnurl_host_allowed(const char *host, const char *scheme, char *const *allowed,
		    size_t n);

/*
 * The scheme for generated URLs (spec §3.2 step 3, widened): when fwd,
 * proto= of the first element of Forwarded, else X-Forwarded-Proto; then
 * the web server's HTTPS=on or REQUEST_SCHEME, else "https" if tls else
 * "http".  Only "http" and "https" (any case) are taken; another value is
 * skipped.
 */
const char	*swgr_lnurl_scheme(const struct swgr_env *e, bool fwd, bool tls);

/*
 * Appends the origin scheme://host of a normalised URL (the host as
 * swgr_lnurl_url writes it); the same errors.
 */
enum swgr_rc	 swgr_lnurl_origin(struct swgr_buf *b, const char *scheme, const char *host,
		    struct swgr_err *err);

/*
 * Appends the normalised URL scheme://host/offers/<partition>/<id><suffix>
 * as a WHATWG URL serialiser would: host lowercased, the scheme's default
 * port dropped, a port without leading zeros, path bytes of the path
 * percent-encode set (controls, space, " # < > ? ` { } and non-ASCII)
 * escaped.  SWGR_EINVAL for a host that is no URL host (empty, characters
 * such as space / ? @ #, a bad port), with the reason in err.
 */
enum swgr_rc	 swgr_lnurl_url(struct swgr_buf *b, const char *scheme, const char *host,
		    const char *partition, const char *id, const char *suffix,
		    struct swgr_err *err);

/*
 * The amount= query value: exactly one, decimal digits (an optional '+'),
 * 1 .. UINT64_MAX.  SWGR_EINVAL with a reason saying what is wrong:
 * missing, repeated, empty, negative, zero, fractional, too large, not a number.
 */
enum swgr_rc	 swgr_lnurl_amount(const struct swgr_query *q, uint64_t *out, struct swgr_err *err);

/* Code points of s if it is valid UTF-8, else -1. */
long		 swgr_lnurl_utf8_chars(const char *s, size_t len);

/*
 * The comment= query value of an invoice request (LUD-12): *use is set to
 * the comment to keep (the consistent-hash key) or NULL.  Not allowed
 * (limit 0): ignored, *use NULL, SWGR_OK.  Repeated, not UTF-8, or more
 * code points than limit: SWGR_EINVAL with a reason naming the limit.
 */
enum swgr_rc	 swgr_lnurl_comment(const struct swgr_query *q, uint32_t limit,
		    const char **use, struct swgr_err *err);

/*
 * The payerdata= value of a callback (LUD-18), s of len bytes as received,
 * for a pay request that asked for the SWGR_PAYER_* bits asked, of which
 * mandatory must be there: a JSON object of at most SWGR_PAYERDATA_MAX
 * bytes; name a string, identifier and email e-mail addresses, pubkey a
 * secp256k1 public key in hex; members asked for or not are checked alike,
 * other members (auth included) are left as they are.  SWGR_EINVAL with a
 * reason naming the member.
 */
#define SWGR_PAYERDATA_MAX	4096
#define SWGR_PAYER_NAME_MAX	256	/* characters of a name */
enum swgr_rc	 swgr_lnurl_payerdata(const char *s, size_t len, unsigned asked,
		    unsigned mandatory, struct swgr_err *err);

/*
 * The cache headers of a payRequest, bech32 or QR answer (spec §3.4): with
 * an expiry (not NULL), Cache-Control: private (public if public_cache),
 * max-age=<whole seconds left, truncated, >= 0> and Expires in IMF-fixdate;
 * without, the NOCACHE trio.
 */
void		 swgr_lnurl_cache_headers(struct swgr_resp *r, const struct swgr_time *expires,
		    const struct swgr_time *now, bool public_cache);

/*
 * The Vary header of an answer to /offers/...: what its URLs and its host
 * check were made from.  Host, and the forwarding headers too when lc lets
 * any client's be believed (trust-forwarded-headers or trusted-proxies).
 */
void		 swgr_lnurl_vary(struct swgr_resp *r, const struct swgr_lnurl_cfg *lc);

#endif
