/* The node kinds over gRPC (CLN, LND): their channel from the implementation JSON, their calls. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ln/ln_int.h"

enum swgr_rc
swgr_ln_grpc_check(json_object *impl, const char *ca_key, json_object **auth,
    struct swgr_err *err)
{
	const char *v;
	enum swgr_rc rc;

	if ((rc = swgr_ln_impl_need(impl, "", "url", &v, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_opt(impl, "", "domain", &v, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_auth(impl, auth, err)) != SWGR_OK)
		return rc;
	return swgr_ln_impl_opt(*auth, "auth.", ca_key, &v, err);
}

enum swgr_rc
swgr_ln_grpc_open(struct swgr_ln_grpc *g, json_object *impl, const char *ca_key,
    const struct swgr_ln_opts *opts, const char *cert, const char *key, struct swgr_err *err)
{
	struct swgr_grpc_tls tls = { NULL, NULL, NULL, NULL, 1 };
	struct swgr_buf roots = { 0 };
	json_object *auth;
	const char *url, *ca;
	enum swgr_rc rc;

	memset(g, 0, sizeof(*g));
	if ((rc = swgr_ln_grpc_check(impl, ca_key, &auth, err)) != SWGR_OK)
		return rc;
	url = swgr_ln_impl_str(impl, "url");
	tls.domain = swgr_ln_impl_str(impl, "domain");
	ca = swgr_ln_impl_str(auth, ca_key);
	if (opts->trusted_roots != NULL && (rc = swgr_ln_impl_roots(&roots, NULL, "ln-trusted-roots",
	    opts->trusted_roots, err)) != SWGR_OK)
		goto out;
	if (ca != NULL && (rc = swgr_ln_impl_roots(&roots, opts, ca_key, ca, err)) != SWGR_OK)
		goto out;
	tls.roots = roots.len > 0 ? roots.p : NULL;
	tls.cert = cert;
	tls.key = key;
	rc = swgr_grpc_chan_new(url, strncmp(url, "https:", 6) == 0 ? &tls : NULL, &g->chan, err);
out:
	swgr_buf_free(&roots);
	return rc;
}

void
swgr_ln_grpc_close(struct swgr_ln_grpc *g)
{
	swgr_grpc_chan_free(g->chan);
	if (g->md_value != NULL)
		OPENSSL_cleanse(g->md_value, strlen(g->md_value));
	free(g->md_value);
	free(g->md_key);
	memset(g, 0, sizeof(*g));
}

static enum swgr_rc
malformed(const struct swgr_ln_client *c, const char *rpc, struct swgr_err *err)
{
	return swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (%s): malformed %s reply", c->name,
	    c->kind->name, rpc);
}

/* req packed into a malloc'd buffer (*len bytes); NULL when out of memory. */
static uint8_t *
pack(const ProtobufCMessage *req, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(req);
	if ((buf = malloc(*len ? *len : 1)) != NULL)
		protobuf_c_message_pack(req, buf);
	return buf;
}

enum swgr_rc
swgr_ln_grpc_rpc(const struct swgr_ln_client *c, struct swgr_ln_grpc *g, double timeout_secs,
    const char *method, const char *rpc, const ProtobufCMessage *req,
    const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **res, struct swgr_err *err)
{
	struct swgr_grpc_md md = { g->md_key, g->md_value };
	uint8_t *buf, *resp = NULL;
	size_t len, resplen;
	enum swgr_rc rc;
	int status;

	*res = NULL;
	if ((buf = pack(req, &len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	rc = swgr_grpc_unary(g->chan, method, &md, g->md_key != NULL ? 1 : 0, buf, len,
	    timeout_secs, &resp, &resplen, &status, err);
	free(buf);
	if (rc != SWGR_OK) {
		swgr_err_wrap(err, "backend %s (%s)", c->name, c->kind->name);
		return rc;
	}
	*res = protobuf_c_message_unpack(resp_desc, NULL, resplen, resp);
	free(resp);
	return *res != NULL ? SWGR_OK : malformed(c, rpc, err);
}

struct stream_arg {
	const ProtobufCMessageDescriptor *desc;
	swgr_ln_grpc_msg_fn fn;
	void		*arg;
	int		 malformed;
};

/* One message of the stream unpacked for the kind; one that does not unpack ends it. */
static int
stream_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct stream_arg *a = arg;
	ProtobufCMessage *m;
	int stop;

	if ((m = protobuf_c_message_unpack(a->desc, NULL, len, msg)) == NULL) {
		a->malformed = 1;
		return 1;
	}
	stop = a->fn(a->arg, m);
	protobuf_c_message_free_unpacked(m, NULL);
	return stop;
}

enum swgr_rc
swgr_ln_grpc_stream(const struct swgr_ln_client *c, struct swgr_ln_grpc *g, double max_secs,
    const atomic_int *stop, const char *method, const char *rpc, const ProtobufCMessage *req,
    const ProtobufCMessageDescriptor *msg_desc, swgr_ln_grpc_msg_fn fn, void *arg,
    struct swgr_err *err)
{
	struct swgr_grpc_md md = { g->md_key, g->md_value };
	struct stream_arg a = { msg_desc, fn, arg, 0 };
	uint8_t *buf;
	size_t len;
	enum swgr_rc rc;
	int status;

	if ((buf = pack(req, &len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	rc = swgr_grpc_stream(g->chan, method, &md, g->md_key != NULL ? 1 : 0, buf, len, max_secs,
	    stop, stream_msg, &a, &status, err);
	free(buf);
	if (rc != SWGR_OK) {
		swgr_err_wrap(err, "backend %s (%s)", c->name, c->kind->name);
		return rc;
	}
	return a.malformed ? malformed(c, rpc, err) : SWGR_OK;
}

enum swgr_rc
swgr_ln_grpc_bolt11(const struct swgr_ln_client *c, const char *rpc, const char *pr,
    char **bolt11, struct swgr_err *err)
{
	if (pr == NULL || pr[0] == '\0')
		return malformed(c, rpc, err);
	if ((*bolt11 = strdup(pr)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}
