/* Lightning node clients: a client of the kind a backend's implementation JSON names, its calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/endpoint.h"
#include "core/json.h"
#include "ln/ln_int.h"

/* "\"clnGrpc\", \"lndGrpc\" or ...": the types of the kind table, for a message. */
static void
type_list(char *out, size_t len)
{
	const struct swgr_ln_kind *k;
	size_t i, n, used = 0;

	out[0] = '\0';
	for (n = 0; swgr_ln_kind_at(n) != NULL; n++)
		;
	for (i = 0; (k = swgr_ln_kind_at(i)) != NULL && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s\"%s\"",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", k->type);
}

/* The url of swgr_ln_impl_vet on the parsed object impl of kind.  SWGR_EINVAL. */
static enum swgr_rc
vet_url(const struct swgr_ln_kind *kind, json_object *impl, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	struct swgr_endpoint ep;
	struct swgr_err e = { 0 };
	const char *url;

	if ((url = swgr_ln_impl_str(impl, "url")) == NULL)
		return SWGR_OK;		/* the kind's open says it is missing: nothing is called */
	if (swgr_endpoint_parse(url, &ep, &e) != SWGR_OK ||
	    swgr_endpoint_allowed(&ep, opts->backend_hosts, opts->nbackend_hosts, &e) != SWGR_OK)
		return swgr_err_set(err, SWGR_EINVAL, "implementation: %s", e.msg);
	if (kind->bearer && !ep.tls && !swgr_endpoint_loopback(&ep))
		return swgr_err_set(err, SWGR_EINVAL, "implementation: url '%.200s': plaintext "
		    "http to a host other than loopback would send the %s credentials (macaroon "
		    "or password) in clear: use https", url, kind->label);
	return SWGR_OK;
}

/*
 * Every auth.*Path member of impl by its text (swgr_cred_path_check); the
 * files themselves are checked where they are read.  SWGR_EINVAL.
 */
static enum swgr_rc
vet_paths(json_object *impl, const struct swgr_ln_opts *opts, struct swgr_err *err)
{
	struct swgr_err e = { 0 };
	json_object *auth;
	char what[128];
	size_t n;

	if (!json_object_object_get_ex(impl, "auth", &auth) ||
	    !json_object_is_type(auth, json_type_object))
		return SWGR_OK;		/* the kind's open names what is missing */
	json_object_object_foreach(auth, key, val) {
		n = strlen(key);
		if (n < 4 || strcmp(key + n - 4, "Path") != 0 || val == NULL ||
		    !json_object_is_type(val, json_type_string))
			continue;
		snprintf(what, sizeof(what), "auth.%s", key);
		if (swgr_cred_path_check(&opts->cred_dirs, what, json_object_get_string(val), &e) !=
		    SWGR_OK)
			return swgr_err_set(err, SWGR_EINVAL, "implementation: %s", e.msg);
	}
	return SWGR_OK;
}

/* implementation parsed into *impl, its kind into *kind; SWGR_EINTERNAL naming the backend. */
static enum swgr_rc
parse(const char *name, const char *implementation, json_object **impl,
    const struct swgr_ln_kind **kind, struct swgr_err *err)
{
	const char *type;
	char types[256];

	*impl = NULL;
	if (implementation == NULL ||
	    swgr_json_parse(implementation, strlen(implementation), impl, NULL) != SWGR_OK ||
	    !json_object_is_type(*impl, json_type_object)) {
		json_object_put(*impl);
		*impl = NULL;
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "backend %s: implementation is not a JSON object", name);
	}
	type = swgr_ln_impl_str(*impl, "type");
	if ((*kind = swgr_ln_kind_find(type)) == NULL) {
		type_list(types, sizeof(types));
		swgr_err_set(err, SWGR_EINTERNAL, "backend %s: implementation.type must be %s, "
		    "not %s%s%s", name, types, type ? "\"" : "", type ? type : "missing",
		    type ? "\"" : "");
		json_object_put(*impl);
		*impl = NULL;
		return SWGR_EINTERNAL;
	}
	return SWGR_OK;
}

enum swgr_rc
swgr_ln_impl_vet(const char *implementation, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	const struct swgr_ln_kind *kind;
	json_object *impl;
	enum swgr_rc rc;

	/* Not an object of a known kind: opaque to the service, no client is ever made of it. */
	if (parse("", implementation, &impl, &kind, NULL) != SWGR_OK)
		return SWGR_OK;
	if ((rc = vet_url(kind, impl, opts, err)) == SWGR_OK)
		rc = vet_paths(impl, opts, err);
	json_object_put(impl);
	return rc;
}

/* The client's error counters, looked up once (a client is made off the request path). */
static void
error_metrics(struct swgr_ln_client *c)
{
	static const char *const calls[2] = { "invoice", "inbound" };
	static const char *const errors[2] = { "failed", "refused" };
	char labels[128];
	int i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			snprintf(labels, sizeof(labels), "call=\"%s\",kind=\"%s\",error=\"%s\"",
			    calls[i], c->kind->name, errors[j]);
			c->errors[i][j] = swgr_metric_counter("swgr_node_errors_total", labels);
		}
}

/* Counts a failed call: refused (the node's SWGR_EINVAL) or failed (anything else). */
static enum swgr_rc
count_error(struct swgr_ln_client *c, int call, enum swgr_rc rc)
{
	if (rc != SWGR_OK)
		swgr_metric_add(c->errors[call][rc == SWGR_EINVAL], 1);
	return rc;
}

enum swgr_rc
swgr_ln_client_new(const char *name, const char *implementation,
    const struct swgr_ln_opts *opts, struct swgr_ln_client **out, struct swgr_err *err)
{
	static const struct swgr_ln_opts defaults = { 0, NULL, { NULL, 0 }, NULL, 0 };
	const struct swgr_ln_kind *kind;
	struct swgr_ln_client *c;
	json_object *impl;
	enum swgr_rc rc;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((rc = parse(name, implementation, &impl, &kind, err)) != SWGR_OK)
		return rc;
	/* The paths are checked as each file is read (swgr_cred_read), in the kind's order. */
	if (vet_url(kind, impl, opts, err) != SWGR_OK) {
		json_object_put(impl);
		swgr_err_wrap(err, "backend %s", name);
		if (err != NULL)
			err->rc = SWGR_EINTERNAL;
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
	c->kind = kind;
	c->timeout_secs = opts->timeout_secs > 0 ? opts->timeout_secs : 2.0;
	error_metrics(c);
	rc = kind->open(c, impl, opts, err);
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
	c->kind->close(c->priv);
	free(c->impl);
	free(c->name);
	free(c);
}

const char *
swgr_ln_client_kind(const struct swgr_ln_client *c)
{
	return c->kind->name;
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
	*bolt11 = NULL;
	return count_error(c, 0, c->kind->invoice(c, max_secs < c->timeout_secs ? max_secs :
	    c->timeout_secs, amount_msat, description, desclen, expiry_secs, bolt11, err));
}

enum swgr_rc
swgr_ln_inbound(struct swgr_ln_client *c, uint64_t *msat, struct swgr_err *err)
{
	double deadline = swgr_mono_now() + c->timeout_secs, left;
	enum swgr_rc rc;

	if (c->kind->health != NULL &&
	    (rc = c->kind->health(c, c->timeout_secs, err)) != SWGR_OK)
		return count_error(c, 1, rc);
	if ((left = deadline - swgr_mono_now()) <= 0)
		return count_error(c, 1, swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (%s): health "
		    "check timed out after %.1f s", c->name, c->kind->name, c->timeout_secs));
	return count_error(c, 1, c->kind->inbound(c, left, msat, err));
}

bool
swgr_ln_settle_indexed(const struct swgr_ln_client *c)
{
	return c->kind->indexed;
}

enum swgr_rc
swgr_ln_settlements(struct swgr_ln_client *c, uint64_t cursor, int64_t since_ms,
    double wait_secs, const atomic_int *stop, swgr_ln_settled_fn fn, void *arg,
    struct swgr_err *err)
{
	return c->kind->settlements(c, cursor, since_ms, wait_secs, stop, fn, arg, err);
}

enum swgr_rc
swgr_ln_settle_lookup(struct swgr_ln_client *c, const uint8_t payment_hash[32], bool *settled,
    struct swgr_ln_settled *out, struct swgr_err *err)
{
	*settled = false;
	if (c->kind->lookup == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "backend %s (%s): no lookup of one invoice",
		    c->name, c->kind->name);
	return c->kind->lookup(c, payment_hash, settled, out, err);
}
