/* Lightning node clients: building a client from a backend's implementation JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ln_int.h"
#include "valid.h"

#define LN_FILE_MAX	(1024 * 1024)

/* Appends the whole file at path to b; errors name the file and the cause. */
static enum swgr_rc
slurp(struct swgr_buf *b, const char *what, const char *path, struct swgr_err *err)
{
	char chunk[8192];
	size_t n, total = 0;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "cannot read %s '%s': %s", what, path,
		    strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		total += n;
		if (total > LN_FILE_MAX) {
			fclose(f);
			return swgr_err_set(err, SWGR_EINTERNAL, "%s '%s' is too large", what, path);
		}
		swgr_buf_put(b, chunk, n);
	}
	fclose(f);
	if (!swgr_buf_ok(b))
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}

/* The system trust store, as OpenSSL would find it (SSL_CERT_FILE honoured). */
static void
system_roots(struct swgr_buf *b)
{
	const char *p = getenv("SSL_CERT_FILE");
	struct swgr_err ignored;

	if (p == NULL || *p == '\0')
		p = "/etc/ssl/certs/ca-certificates.crt";
	if (slurp(b, "trust store", p, &ignored) == SWGR_OK)
		swgr_buf_putc(b, '\n');
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

/*
 * Builds the channel of c from the parsed implementation object: TLS
 * material by kind, the macaroon for LND.
 */
static enum swgr_rc
build(struct swgr_ln_client *c, json_object *impl, int lnd, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	struct swgr_buf roots = { 0 }, cert = { 0 }, key = { 0 }, mac = { 0 };
	struct swgr_grpc_tls tls = { NULL, NULL, NULL, NULL };
	json_object *auth, *amp;
	const char *url, *atype, *cacert, *p;
	enum swgr_rc rc;

	url = jstr(impl, "url");
	if ((rc = need(url, "url", err)) != SWGR_OK)
		return rc;
	tls.domain = jstr(impl, "domain");
	if (!json_object_object_get_ex(impl, "auth", &auth) ||
	    !json_object_is_type(auth, json_type_object))
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: missing object 'auth'");
	atype = jstr(auth, "type");
	if (atype == NULL || strcmp(atype, "path") != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: auth.type must be \"path\"");

	system_roots(&roots);
	if (opts->trusted_roots != NULL &&
	    (rc = slurp(&roots, "ln-trusted-roots", opts->trusted_roots, err)) != SWGR_OK)
		goto out;
	cacert = jstr(auth, lnd ? "tlsCertPath" : "caCertPath");
	if (cacert != NULL && (rc = slurp(&roots, lnd ? "tlsCertPath" : "caCertPath", cacert,
	    err)) != SWGR_OK)
		goto out;
	if (lnd) {
		if (!json_object_object_get_ex(impl, "ampInvoice", &amp) ||
		    !json_object_is_type(amp, json_type_boolean)) {
			rc = swgr_err_set(err, SWGR_EINTERNAL,
			    "implementation: missing boolean 'ampInvoice'");
			goto out;
		}
		c->amp = json_object_get_boolean(amp);
		p = jstr(auth, "macaroonPath");
		if ((rc = need(p, "auth.macaroonPath", err)) != SWGR_OK ||
		    (rc = slurp(&mac, "macaroonPath", p, err)) != SWGR_OK)
			goto out;
		if ((c->macaroon_hex = malloc(mac.len * 2 + 1)) == NULL) {
			rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
			goto out;
		}
		swgr_hex_encode((const uint8_t *)mac.p, mac.len, c->macaroon_hex);
	} else {
		p = jstr(auth, "clientCertPath");
		if ((rc = need(p, "auth.clientCertPath", err)) != SWGR_OK ||
		    (rc = slurp(&cert, "clientCertPath", p, err)) != SWGR_OK)
			goto out;
		p = jstr(auth, "clientKeyPath");
		if ((rc = need(p, "auth.clientKeyPath", err)) != SWGR_OK ||
		    (rc = slurp(&key, "clientKeyPath", p, err)) != SWGR_OK)
			goto out;
		tls.cert = cert.p;
		tls.key = key.p;
	}
	tls.roots = roots.len > 0 ? roots.p : NULL;
	rc = swgr_grpc_chan_new(url, strncmp(url, "https:", 6) == 0 ? &tls : NULL, &c->chan, err);
out:
	swgr_buf_free(&roots);
	swgr_buf_free(&cert);
	if (key.p != NULL)
		memset(key.p, 0, key.len);	/* a private key: do not leave it in freed memory */
	swgr_buf_free(&key);
	if (mac.p != NULL)
		memset(mac.p, 0, mac.len);
	swgr_buf_free(&mac);
	return rc;
}

enum swgr_rc
swgr_ln_client_new(const char *name, const char *implementation,
    const struct swgr_ln_opts *opts, struct swgr_ln_client **out, struct swgr_err *err)
{
	struct swgr_ln_client *c;
	json_object *impl;
	const char *type;
	enum swgr_rc rc;
	int lnd;

	*out = NULL;
	if ((impl = json_tokener_parse(implementation)) == NULL ||
	    !json_object_is_type(impl, json_type_object)) {
		json_object_put(impl);
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "backend %s: implementation is not a JSON object", name);
	}
	type = jstr(impl, "type");
	if (type != NULL && strcmp(type, "clnGrpc") == 0)
		lnd = 0;
	else if (type != NULL && strcmp(type, "lndGrpc") == 0)
		lnd = 1;
	else {
		json_object_put(impl);
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "backend %s: implementation.type must be \"clnGrpc\" or \"lndGrpc\"", name);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->name = strdup(name)) == NULL) {
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
	free(c->macaroon_hex);
	free(c->name);
	free(c);
}

const char *
swgr_ln_client_kind(const struct swgr_ln_client *c)
{
	return c->ops->kind;
}

enum swgr_rc
swgr_ln_call(struct swgr_ln_client *c, const char *method, const uint8_t *req, size_t reqlen,
    uint8_t **resp, size_t *resplen, struct swgr_err *err)
{
	struct swgr_grpc_md md = { "macaroon", c->macaroon_hex };
	enum swgr_rc rc;
	int status;

	rc = swgr_grpc_unary(c->chan, method, &md, c->macaroon_hex != NULL ? 1 : 0, req, reqlen,
	    c->timeout_secs, resp, resplen, &status, err);
	if (rc != SWGR_OK)
		swgr_err_wrap(err, "backend %s (%s)", c->name, c->ops->kind);
	return rc;
}

enum swgr_rc
swgr_ln_invoice(struct swgr_ln_client *c, uint64_t amount_msat, const char *description,
    size_t desclen, uint64_t expiry_secs, char **bolt11, struct swgr_err *err)
{
	return c->ops->invoice(c, amount_msat, description, desclen, expiry_secs, bolt11, err);
}

enum swgr_rc
swgr_ln_inbound(struct swgr_ln_client *c, uint64_t *msat, struct swgr_err *err)
{
	return c->ops->inbound(c, msat, err);
}
