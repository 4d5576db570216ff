/* Lightning node clients: building a client from a backend's implementation JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "ln/ln_int.h"
#include "core/hex.h"

#define LN_FILE_MAX	(1024 * 1024)

/* Appends the whole file at path to b; errors name the file and the cause. */
static enum swgr_rc
slurp(struct swgr_buf *b, const char *what, const char *path, struct swgr_err *err)
{
	size_t before = b->len;
	int e;

	if ((e = swgr_buf_read_file(b, path, LN_FILE_MAX)) == EFBIG)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s '%s' is too large", what, path);
	if (e == ENOMEM)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	if (e != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "cannot read %s '%s': %s", what, path,
		    strerror(e));
	if (b->len == before)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s '%s' is empty", what, path);
	return SWGR_OK;
}

/* Checks that the PEM text p (len bytes) holds at least one certificate. */
static enum swgr_rc
check_certs(const char *p, size_t len, const char *what, const char *path, X509 **first,
    struct swgr_err *err)
{
	BIO *bio;
	X509 *x;

	if ((bio = BIO_new_mem_buf(p, (int)len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (x == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s '%s': no PEM certificate in it", what,
		    path);
	if (first != NULL)
		*first = x;
	else
		X509_free(x);
	return SWGR_OK;
}

/* Checks the client key pair: a PEM key that belongs to the PEM certificate. */
static enum swgr_rc
check_pair(const struct swgr_buf *cert, const char *certpath, const struct swgr_buf *key,
    const char *keypath, struct swgr_err *err)
{
	EVP_PKEY *pk;
	X509 *x = NULL;
	BIO *bio;
	enum swgr_rc rc;

	if ((rc = check_certs(cert->p, cert->len, "clientCertPath", certpath, &x, err)) != SWGR_OK)
		return rc;
	if ((bio = BIO_new_mem_buf(key->p, (int)key->len)) == NULL) {
		X509_free(x);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pk == NULL)
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "clientKeyPath '%s': no PEM private key in it (or it is encrypted)", keypath);
	else if (X509_check_private_key(x, pk) != 1)
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "clientKeyPath '%s' does not match the certificate in clientCertPath '%s'",
		    keypath, certpath);
	ERR_clear_error();
	EVP_PKEY_free(pk);
	X509_free(x);
	return rc;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static enum swgr_rc
need(const char *v, const char *key, struct swgr_err *err)
{
	if (v == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: missing string '%s'", key);
	return SWGR_OK;
}

/* An optional string member: absent or null gives NULL; another type is an error. */
static enum swgr_rc
optional(json_object *o, const char *key, const char *where, const char **out,
    struct swgr_err *err)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return SWGR_OK;
	if (!json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "implementation: '%s%s' must be a string or null", where, key);
	*out = json_object_get_string(v);
	return SWGR_OK;
}

/* Appends the certificates of a roots file to roots, checking there is at least one. */
static enum swgr_rc
add_roots(struct swgr_buf *roots, const char *what, const char *path, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	enum swgr_rc rc;

	if ((rc = slurp(&b, what, path, err)) == SWGR_OK &&
	    (rc = check_certs(b.p, b.len, what, path, NULL, err)) == SWGR_OK) {
		swgr_buf_put(roots, b.p, b.len);
		swgr_buf_putc(roots, '\n');
	}
	swgr_buf_free(&b);
	return rc;
}

static void
wipe(struct swgr_buf *b)
{
	if (b->p != NULL)
		memset(b->p, 0, b->len);	/* a secret: do not leave it in freed memory */
	swgr_buf_free(b);
}

/*
 * Builds the channel of c from the parsed implementation object: TLS
 * material by kind, the macaroon for LND.  Every file is read and checked
 * now, so that a broken definition fails here rather than on each call.
 */
static enum swgr_rc
build(struct swgr_ln_client *c, json_object *impl, int lnd, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	struct swgr_buf roots = { 0 }, cert = { 0 }, key = { 0 }, mac = { 0 };
	struct swgr_grpc_tls tls = { NULL, NULL, NULL, NULL, 1 };
	json_object *auth, *amp;
	const char *url, *atype, *cacert, *p, *certpath;
	const char *cakey = lnd ? "tlsCertPath" : "caCertPath";
	enum swgr_rc rc;

	url = jstr(impl, "url");
	if ((rc = need(url, "url", err)) != SWGR_OK ||
	    (rc = optional(impl, "domain", "", &tls.domain, err)) != SWGR_OK)
		return rc;
	if (!json_object_object_get_ex(impl, "auth", &auth) ||
	    !json_object_is_type(auth, json_type_object))
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: missing object 'auth'");
	atype = jstr(auth, "type");
	if (atype == NULL || strcmp(atype, "path") != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: auth.type must be \"path\"");
	if ((rc = optional(auth, cakey, "auth.", &cacert, err)) != SWGR_OK)
		return rc;
	if (lnd) {
		if (!json_object_object_get_ex(impl, "ampInvoice", &amp) ||
		    !json_object_is_type(amp, json_type_boolean))
			return swgr_err_set(err, SWGR_EINTERNAL,
			    "implementation: missing boolean 'ampInvoice'");
		c->amp = json_object_get_boolean(amp);
		if ((rc = need(jstr(auth, "macaroonPath"), "auth.macaroonPath", err)) != SWGR_OK)
			return rc;
	} else if ((rc = need(jstr(auth, "clientCertPath"), "auth.clientCertPath", err)) != SWGR_OK ||
	    (rc = need(jstr(auth, "clientKeyPath"), "auth.clientKeyPath", err)) != SWGR_OK)
		return rc;

	if (opts->trusted_roots != NULL &&
	    (rc = add_roots(&roots, "ln-trusted-roots", opts->trusted_roots, err)) != SWGR_OK)
		goto out;
	if (cacert != NULL && (rc = add_roots(&roots, cakey, cacert, err)) != SWGR_OK)
		goto out;
	if (lnd) {
		p = jstr(auth, "macaroonPath");
		if ((rc = slurp(&mac, "macaroonPath", p, err)) != SWGR_OK)
			goto out;
		if ((c->macaroon_hex = malloc(mac.len * 2 + 1)) == NULL) {
			rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
			goto out;
		}
		swgr_hex_encode((const uint8_t *)mac.p, mac.len, c->macaroon_hex);
	} else {
		certpath = jstr(auth, "clientCertPath");
		p = jstr(auth, "clientKeyPath");
		if ((rc = slurp(&cert, "clientCertPath", certpath, err)) != SWGR_OK ||
		    (rc = slurp(&key, "clientKeyPath", p, err)) != SWGR_OK ||
		    (rc = check_pair(&cert, certpath, &key, p, err)) != SWGR_OK)
			goto out;
		tls.cert = cert.p;
		tls.key = key.p;
	}
	if (!swgr_buf_ok(&roots)) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	tls.roots = roots.len > 0 ? roots.p : NULL;
	rc = swgr_grpc_chan_new(url, strncmp(url, "https:", 6) == 0 ? &tls : NULL, &c->chan, err);
out:
	swgr_buf_free(&roots);
	swgr_buf_free(&cert);
	wipe(&key);
	wipe(&mac);
	return rc;
}

enum swgr_rc
swgr_ln_client_new(const char *name, const char *implementation,
    const struct swgr_ln_opts *opts, struct swgr_ln_client **out, struct swgr_err *err)
{
	static const struct swgr_ln_opts defaults = { 0, NULL };
	struct swgr_ln_client *c;
	json_object *impl;
	const char *type;
	enum swgr_rc rc;
	int lnd;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (implementation == NULL || (impl = json_tokener_parse(implementation)) == NULL ||
	    !json_object_is_type(impl, json_type_object)) {
		json_object_put(implementation != NULL ? impl : NULL);
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "backend %s: implementation is not a JSON object", name);
	}
	type = jstr(impl, "type");
	if (type != NULL && strcmp(type, "clnGrpc") == 0)
		lnd = 0;
	else if (type != NULL && strcmp(type, "lndGrpc") == 0)
		lnd = 1;
	else {
		swgr_err_set(err, SWGR_EINTERNAL, "backend %s: implementation.type must be "
		    "\"clnGrpc\" or \"lndGrpc\", not %s%s%s", name, type ? "\"" : "",
		    type ? type : "missing", type ? "\"" : "");
		json_object_put(impl);
		return SWGR_EINTERNAL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->name = strdup(name)) == NULL ||
	    (c->impl = strdup(implementation)) == NULL) {
		if (c != NULL)
			free(c->name);
		free(c);
		json_object_put(impl);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	c->ops = lnd ? &swgr_ln_lnd_ops : &swgr_ln_cln_ops;
	c->timeout_secs = opts->timeout_secs > 0 ? opts->timeout_secs : 2.0;
	rc = build(c, impl, lnd, opts, err);
	json_object_put(impl);
	if (rc != SWGR_OK) {
		swgr_err_wrap(err, "backend %s", name);
		swgr_ln_client_free(c);
		return rc;
	}
	*out = c;
	return SWGR_OK;
}

void
swgr_ln_client_free(struct swgr_ln_client *c)
{
	if (c == NULL)
		return;
	swgr_grpc_chan_free(c->chan);
	if (c->macaroon_hex != NULL)
		memset(c->macaroon_hex, 0, strlen(c->macaroon_hex));
	free(c->macaroon_hex);
	free(c->impl);
	free(c->name);
	free(c);
}

const char *
swgr_ln_client_kind(const struct swgr_ln_client *c)
{
	return c->ops->kind;
}

const char *
swgr_ln_client_name(const struct swgr_ln_client *c)
{
	return c->name;
}

const char *
swgr_ln_client_impl(const struct swgr_ln_client *c)
{
	return c->impl;
}

int
swgr_ln_impl_equal(const char *a, const char *b)
{
	json_object *ja, *jb;
	int eq;

	if (a == NULL || b == NULL)
		return 0;
	ja = json_tokener_parse(a);
	jb = json_tokener_parse(b);
	eq = ja != NULL && jb != NULL && json_object_equal(ja, jb);
	json_object_put(ja);
	json_object_put(jb);
	return eq;
}

enum swgr_rc
swgr_ln_call(struct swgr_ln_client *c, const char *method, const uint8_t *req, size_t reqlen,
    uint8_t **resp, size_t *resplen, struct swgr_err *err)
{
	return swgr_ln_call_within(c, c->timeout_secs, method, req, reqlen, resp, resplen, err);
}

enum swgr_rc
swgr_ln_call_within(struct swgr_ln_client *c, double timeout_secs, const char *method,
    const uint8_t *req, size_t reqlen, uint8_t **resp, size_t *resplen, struct swgr_err *err)
{
	struct swgr_grpc_md md = { "macaroon", c->macaroon_hex };
	enum swgr_rc rc;
	int status;

	rc = swgr_grpc_unary(c->chan, method, &md, c->macaroon_hex != NULL ? 1 : 0, req, reqlen,
	    timeout_secs, resp, resplen, &status, err);
	if (rc != SWGR_OK)
		swgr_err_wrap(err, "backend %s (%s)", c->name, c->ops->kind);
	return rc;
}

enum swgr_rc
swgr_ln_invoice(struct swgr_ln_client *c, uint64_t amount_msat, const char *description,
    size_t desclen, uint64_t expiry_secs, char **bolt11, struct swgr_err *err)
{
	return swgr_ln_invoice_within(c, c->timeout_secs, amount_msat, description, desclen,
	    expiry_secs, bolt11, err);
}

enum swgr_rc
swgr_ln_invoice_within(struct swgr_ln_client *c, double max_secs, uint64_t amount_msat,
    const char *description, size_t desclen, uint64_t expiry_secs, char **bolt11,
    struct swgr_err *err)
{
	return c->ops->invoice(c, max_secs < c->timeout_secs ? max_secs : c->timeout_secs,
	    amount_msat, description, desclen, expiry_secs, bolt11, err);
}

enum swgr_rc
swgr_ln_inbound(struct swgr_ln_client *c, uint64_t *msat, struct swgr_err *err)
{
	return c->ops->inbound(c, msat, err);
}
