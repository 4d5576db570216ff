/* Reading a backend's implementation JSON and the files it names, for every node kind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/json.h"
#include "ln/ln_int.h"
#include "net/trust.h"

#define LN_FILE_MAX	(1024 * 1024)

const char *
swgr_ln_impl_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

enum swgr_rc
swgr_ln_impl_need(json_object *o, const char *where, const char *key, const char **out,
    struct swgr_err *err)
{
	if ((*out = swgr_ln_impl_str(o, key)) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: missing string '%s%s'",
		    where, key);
	return SWGR_OK;
}

enum swgr_rc
swgr_ln_impl_opt(json_object *o, const char *where, const char *key, const char **out,
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

enum swgr_rc
swgr_ln_impl_auth(json_object *impl, json_object **auth, struct swgr_err *err)
{
	const char *type;

	if (!json_object_object_get_ex(impl, "auth", auth) ||
	    !json_object_is_type(*auth, json_type_object))
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: missing object 'auth'");
	type = swgr_ln_impl_str(*auth, "type");
	if (type == NULL || strcmp(type, "path") != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "implementation: auth.type must be \"path\"");
	return SWGR_OK;
}

/* The operator's own file at path (ln-trusted-roots), appended to b. */
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

/* Checks that the PEM text p (len bytes) holds at least one certificate; *first gets it. */
static enum swgr_rc
check_certs(const char *p, size_t len, const char *what, const char *path, X509 **first,
    struct swgr_err *err)
{
	X509 *x = swgr_trust_pem_first(p, len);

	if (x == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s '%s': no PEM certificate in it", what,
		    path);
	if (first != NULL)
		*first = x;
	else
		X509_free(x);
	return SWGR_OK;
}

enum swgr_rc
swgr_ln_impl_cred(struct swgr_buf *b, const struct swgr_ln_opts *opts, enum swgr_cred_kind kind,
    const char *what, const char *path, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = swgr_cred_read(&opts->cred_dirs, kind, what, path, b, err)) == SWGR_EINVAL)
		rc = err != NULL ? (err->rc = SWGR_EINTERNAL) : SWGR_EINTERNAL;
	return rc;
}

enum swgr_rc
swgr_ln_impl_roots(struct swgr_buf *roots, const struct swgr_ln_opts *opts, const char *what,
    const char *path, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	enum swgr_rc rc;

	rc = opts != NULL ? swgr_ln_impl_cred(&b, opts, SWGR_CRED_PEM, what, path, err) :
	    slurp(&b, what, path, err);
	if (rc == SWGR_OK &&
	    (rc = check_certs(b.p, b.len, what, path, NULL, err)) == SWGR_OK) {
		swgr_buf_put(roots, b.p, b.len);
		swgr_buf_putc(roots, '\n');
		if (!swgr_buf_ok(roots))
			rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	swgr_buf_free(&b);
	return rc;
}

enum swgr_rc
swgr_ln_impl_pair(const struct swgr_buf *cert, const char *certwhat, const char *certpath,
    const struct swgr_buf *key, const char *keywhat, const char *keypath, struct swgr_err *err)
{
	EVP_PKEY *pk;
	X509 *x = NULL;
	BIO *bio;
	enum swgr_rc rc;

	if ((rc = check_certs(cert->p, cert->len, certwhat, certpath, &x, err)) != SWGR_OK)
		return rc;
	if ((bio = BIO_new_mem_buf(key->p, (int)key->len)) == NULL) {
		X509_free(x);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pk == NULL)
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "%s '%s': no PEM private key in it (or it is encrypted)", keywhat, keypath);
	else if (X509_check_private_key(x, pk) != 1)
		rc = swgr_err_set(err, SWGR_EINTERNAL, "%s '%s' does not match the certificate in "
		    "%s '%s'", keywhat, keypath, certwhat, certpath);
	ERR_clear_error();
	EVP_PKEY_free(pk);
	X509_free(x);
	return rc;
}

void
swgr_ln_impl_wipe(struct swgr_buf *b)
{
	if (b->p != NULL)
		OPENSSL_cleanse(b->p, b->cap > b->len ? b->cap : b->len);
	swgr_buf_free(b);
}

int
swgr_ln_impl_equal(const char *a, const char *b)
{
	json_object *ja = NULL, *jb = NULL;
	int eq;

	if (a == NULL || b == NULL)
		return 0;
	eq = swgr_json_parse(a, strlen(a), &ja, NULL) == SWGR_OK &&
	    swgr_json_parse(b, strlen(b), &jb, NULL) == SWGR_OK && ja != NULL && jb != NULL &&
	    json_object_equal(ja, jb);
	json_object_put(ja);
	json_object_put(jb);
	return eq;
}
