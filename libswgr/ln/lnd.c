/* LND over lnrpc: AddInvoice with description_hash, inbound from ChannelBalance (spec §10.3), settlements from SubscribeInvoices. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/sha256.h"
#include "ln/ln_int.h"
#include "lnd_lightning.pb-c.h"

/* The state of an LND client: its channel, the macaroon in its metadata. */
struct lnd {
	struct swgr_ln_grpc	 g;
	int			 amp;		/* ampInvoice */
};

/*
 * {"type":"lndGrpc","url":...,"domain":...,"auth":{"type":"path",
 * "tlsCertPath":...,"macaroonPath":...},"ampInvoice":bool}: the macaroon is
 * read now (binary v2 or its hex, from a credential directory) and sent in
 * hex, lowercase, as the "macaroon" metadata.
 */
static enum swgr_rc
lnd_open(struct swgr_ln_client *c, json_object *impl, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	struct swgr_buf mac = { 0 };
	struct lnd *l;
	json_object *auth, *amp;
	const char *path;
	enum swgr_rc rc;

	if ((rc = swgr_ln_grpc_check(impl, "tlsCertPath", &auth, err)) != SWGR_OK)
		return rc;
	if (!json_object_object_get_ex(impl, "ampInvoice", &amp) ||
	    !json_object_is_type(amp, json_type_boolean))
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "implementation: missing boolean 'ampInvoice'");
	if ((rc = swgr_ln_impl_need(auth, "auth.", "macaroonPath", &path, err)) != SWGR_OK)
		return rc;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	c->priv = l;
	l->amp = json_object_get_boolean(amp);
	if ((rc = swgr_ln_grpc_open(&l->g, impl, "tlsCertPath", opts, NULL, NULL, err)) !=
	    SWGR_OK || (rc = swgr_ln_impl_cred(&mac, opts,
	    SWGR_CRED_MACAROON, "auth.macaroonPath", path, err)) != SWGR_OK)
		goto out;
	if ((l->g.md_key = strdup("macaroon")) == NULL ||
	    (l->g.md_value = malloc(mac.len * 2 + 1)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	swgr_hex_encode((const uint8_t *)mac.p, mac.len, l->g.md_value);
out:
	swgr_ln_impl_wipe(&mac);
	return rc;
}

static void
lnd_close(void *priv)
{
	struct lnd *l = priv;

	if (l == NULL)
		return;
	swgr_ln_grpc_close(&l->g);
	free(l);
}

static enum swgr_rc
lnd_invoice(struct swgr_ln_client *c, double timeout_secs, uint64_t amount_msat,
    const char *description, size_t desclen, uint64_t expiry_secs, char **bolt11,
    struct swgr_err *err)
{
	struct lnd *l = c->priv;
	Lnrpc__Invoice req = LNRPC__INVOICE__INIT;
	Lnrpc__AddInvoiceResponse *res;
	uint8_t hash[SWGR_SHA256_LEN];
	enum swgr_rc rc;

	if (amount_msat > INT64_MAX || expiry_secs > INT64_MAX)
		return swgr_err_set(err, SWGR_EINVAL, "backend %s (lnd): amount or expiry too large",
		    c->name);
	swgr_sha256((const unsigned char *)description, desclen, hash);
	req.memo = (char *)"";
	req.value_msat = (int64_t)amount_msat;
	req.description_hash.data = hash;
	req.description_hash.len = sizeof(hash);
	req.expiry = (int64_t)expiry_secs;
	req.is_amp = l->amp;
	rc = swgr_ln_grpc_rpc(c, &l->g, timeout_secs, "/lnrpc.Lightning/AddInvoice", "AddInvoice",
	    &req.base, &lnrpc__add_invoice_response__descriptor, (ProtobufCMessage **)&res, err);
	if (rc != SWGR_OK)
		return rc;
	rc = swgr_ln_grpc_bolt11(c, "AddInvoice", res->payment_request, bolt11, err);
	lnrpc__add_invoice_response__free_unpacked(res, NULL);
	return rc;
}

static enum swgr_rc
lnd_inbound(struct swgr_ln_client *c, double timeout_secs, uint64_t *msat, struct swgr_err *err)
{
	struct lnd *l = c->priv;
	Lnrpc__ChannelBalanceRequest req = LNRPC__CHANNEL_BALANCE_REQUEST__INIT;
	Lnrpc__ChannelBalanceResponse *res;
	enum swgr_rc rc;

	rc = swgr_ln_grpc_rpc(c, &l->g, timeout_secs, "/lnrpc.Lightning/ChannelBalance",
	    "ChannelBalance", &req.base, &lnrpc__channel_balance_response__descriptor,
	    (ProtobufCMessage **)&res, err);
	if (rc != SWGR_OK)
		return rc;
	*msat = res->remote_balance != NULL ? res->remote_balance->msat : 0;
	lnrpc__channel_balance_response__free_unpacked(res, NULL);
	return SWGR_OK;
}

/* A settled Invoice message into s; false when it is not one (open, cancelled, malformed). */
static bool
lnd_settled(const Lnrpc__Invoice *inv, struct swgr_ln_settled *s)
{
	if (inv->state != LNRPC__INVOICE__INVOICE_STATE__SETTLED || inv->r_hash.len != 32 ||
	    inv->r_preimage.len != 32 || inv->amt_paid_msat < 0)
		return false;
	memcpy(s->payment_hash, inv->r_hash.data, 32);
	memcpy(s->preimage, inv->r_preimage.data, 32);
	s->received_msat = (uint64_t)inv->amt_paid_msat;
	s->settled_ms = inv->settle_date > 0 && inv->settle_date < INT64_MAX / 1000 ?
	    inv->settle_date * 1000 : 0;
	s->index = inv->settle_index;
	return true;
}

struct lnd_watch {
	swgr_ln_settled_fn fn;
	void		*arg;
	uint64_t	 last;		/* the settle_index handed on last (or the cursor) */
};

static int
lnd_event(void *arg, const ProtobufCMessage *msg)
{
	struct lnd_watch *w = arg;
	struct swgr_ln_settled s;

	/*
	 * The stream also tells of invoices added: only settlements are ours,
	 * and only those after the last, so that a cursor only moves on.
	 */
	if (!lnd_settled((const Lnrpc__Invoice *)msg, &s) || s.index <= w->last)
		return 0;
	w->last = s.index;
	return w->fn(w->arg, &s);
}

/* SubscribeInvoices from settle_index cursor: LND replays what was settled after it, then streams. */
static enum swgr_rc
lnd_settlements(struct swgr_ln_client *c, uint64_t cursor, int64_t since_ms, double wait_secs,
    const atomic_int *stop, swgr_ln_settled_fn fn, void *arg, struct swgr_err *err)
{
	struct lnd *l = c->priv;
	Lnrpc__InvoiceSubscription req = LNRPC__INVOICE_SUBSCRIPTION__INIT;
	struct lnd_watch w = { fn, arg, cursor };

	(void)since_ms;
	req.settle_index = cursor;
	return swgr_ln_grpc_stream(c, &l->g, wait_secs, stop, "/lnrpc.Lightning/SubscribeInvoices",
	    "SubscribeInvoices", &req.base, &lnrpc__invoice__descriptor, lnd_event, &w, err);
}

static enum swgr_rc
lnd_lookup(struct swgr_ln_client *c, const uint8_t payment_hash[32], bool *settled,
    struct swgr_ln_settled *out, struct swgr_err *err)
{
	struct lnd *l = c->priv;
	Lnrpc__PaymentHash req = LNRPC__PAYMENT_HASH__INIT;
	Lnrpc__Invoice *res;
	enum swgr_rc rc;

	req.r_hash.data = (uint8_t *)payment_hash;
	req.r_hash.len = 32;
	rc = swgr_ln_grpc_rpc(c, &l->g, c->timeout_secs, "/lnrpc.Lightning/LookupInvoice",
	    "LookupInvoice", &req.base, &lnrpc__invoice__descriptor, (ProtobufCMessage **)&res, err);
	if (rc != SWGR_OK)
		return rc;
	*settled = lnd_settled(res, out);
	lnrpc__invoice__free_unpacked(res, NULL);
	return SWGR_OK;
}

const struct swgr_ln_kind swgr_ln_kind_lnd = {
	"lndGrpc", "lnd", "lnd-grpc", "LND gRPC",
	"{\"ampInvoice\":false,\"auth\":{\"macaroonPath\":\"/path/to/admin.macaroon\","
	"\"tlsCertPath\":\"/path/to/tls.cert\",\"type\":\"path\"},\"domain\":\"localhost\","
	"\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:10009/\"}",
	lnd_open, lnd_close, lnd_invoice, NULL, lnd_inbound, lnd_settlements, true, lnd_lookup, 1
};
