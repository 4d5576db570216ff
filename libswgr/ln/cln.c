/* Core Lightning over cln-grpc: Invoice with deschashonly, inbound from ListPeerChannels (spec §10.2), settlements from WaitAnyInvoice. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cln_node.pb-c.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/sha256.h"
#include "ln/ln_int.h"

/*
 * {"type":"clnGrpc","url":...,"domain":...,"auth":{"type":"path",
 * "caCertPath":...,"clientCertPath":...,"clientKeyPath":...}}: mutual TLS,
 * the client's key pair read and checked now.  The state is the channel.
 */
static enum swgr_rc
cln_open(struct swgr_ln_client *c, json_object *impl, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	struct swgr_buf cert = { 0 }, key = { 0 };
	struct swgr_ln_grpc *g;
	json_object *auth;
	const char *certpath, *keypath;
	enum swgr_rc rc;

	if ((rc = swgr_ln_grpc_check(impl, "caCertPath", &auth, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_need(auth, "auth.", "clientCertPath", &certpath, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_need(auth, "auth.", "clientKeyPath", &keypath, err)) != SWGR_OK)
		return rc;
	if ((rc = swgr_ln_impl_cred(&cert, opts, SWGR_CRED_PEM, "auth.clientCertPath", certpath,
	    err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_cred(&key, opts, SWGR_CRED_PEM, "auth.clientKeyPath", keypath,
	    err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_pair(&cert, "clientCertPath", certpath, &key, "clientKeyPath",
	    keypath, err)) != SWGR_OK)
		goto out;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	c->priv = g;
	rc = swgr_ln_grpc_open(g, impl, "caCertPath", opts, cert.p, key.p, err);
out:
	swgr_buf_free(&cert);
	swgr_ln_impl_wipe(&key);
	return rc;
}

static void
cln_close(void *priv)
{
	if (priv == NULL)
		return;
	swgr_ln_grpc_close(priv);
	free(priv);
}

/*
 * The Unix time in nanoseconds, strictly increasing within the process: two
 * threads asking for the same invoice in the same nanosecond still get
 * distinct labels (CLN refuses a duplicate label).
 */
static uint64_t
unique_ns(void)
{
	static _Atomic uint64_t last;
	uint64_t t, prev;

	t = swgr_wall_ns();
	prev = atomic_load(&last);
	do {
		if (t <= prev)
			t = prev + 1;
	} while (!atomic_compare_exchange_weak(&last, &prev, t));
	return t;
}

static enum swgr_rc
cln_invoice(struct swgr_ln_client *c, double timeout_secs, uint64_t amount_msat,
    const char *description, size_t desclen, uint64_t expiry_secs, char **bolt11,
    struct swgr_err *err)
{
	Cln__InvoiceRequest req = CLN__INVOICE_REQUEST__INIT;
	Cln__AmountOrAny aoa = CLN__AMOUNT_OR_ANY__INIT;
	Cln__Amount amt = CLN__AMOUNT__INIT;
	Cln__InvoiceResponse *res;
	uint8_t hash[SWGR_SHA256_LEN];
	char label[2 * SWGR_SHA256_LEN + 32], *desc;
	enum swgr_rc rc;

	/* The label must be unique per node: the description hash and the time in ns. */
	swgr_sha256((const unsigned char *)description, desclen, hash);
	swgr_hex_encode(hash, sizeof(hash), label);
	snprintf(label + 2 * sizeof(hash), sizeof(label) - 2 * sizeof(hash), ":%" PRIu64,
	    unique_ns());
	if ((desc = strndup(description, desclen)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	amt.msat = amount_msat;
	aoa.value_case = CLN__AMOUNT_OR_ANY__VALUE_AMOUNT;
	aoa.amount = &amt;
	req.amount_msat = &aoa;
	req.description = desc;
	req.label = label;
	req.expiry = expiry_secs;
	req.deschashonly = 1;
	rc = swgr_ln_grpc_rpc(c, c->priv, timeout_secs, "/cln.Node/Invoice", "Invoice", &req.base,
	    &cln__invoice_response__descriptor, (ProtobufCMessage **)&res, err);
	free(desc);
	if (rc != SWGR_OK)
		return rc;
	rc = swgr_ln_grpc_bolt11(c, "Invoice", res->bolt11, bolt11, err);
	cln__invoice_response__free_unpacked(res, NULL);
	return rc;
}

static enum swgr_rc
cln_inbound(struct swgr_ln_client *c, double timeout_secs, uint64_t *msat, struct swgr_err *err)
{
	Cln__ListpeerchannelsRequest req = CLN__LISTPEERCHANNELS_REQUEST__INIT;
	Cln__ListpeerchannelsResponse *res;
	uint64_t sum = 0;
	enum swgr_rc rc;
	size_t i;

	rc = swgr_ln_grpc_rpc(c, c->priv, timeout_secs, "/cln.Node/ListPeerChannels",
	    "ListPeerChannels", &req.base, &cln__listpeerchannels_response__descriptor,
	    (ProtobufCMessage **)&res, err);
	if (rc != SWGR_OK)
		return rc;
	for (i = 0; i < res->n_channels; i++) {
		const Cln__ListpeerchannelsChannels *ch = res->channels[i];

		if (ch->state == CLN__CHANNEL_STATE__ChanneldNormal && ch->receivable_msat != NULL)
			/* a node's answer past UINT64_MAX in total: as much as can be said, not wrapped */
			sum = sum > UINT64_MAX - ch->receivable_msat->msat ? UINT64_MAX :
			    sum + ch->receivable_msat->msat;
	}
	cln__listpeerchannels_response__free_unpacked(res, NULL);
	*msat = sum;
	return SWGR_OK;
}

/*
 * WaitAnyInvoice from lastpay_index, again from each answer's pay_index,
 * until wait_secs pass or *stop: each call waits 1 s on the node (its
 * "Timed out", code 904, is no error), so a stop is seen within a second.
 */
static enum swgr_rc
cln_settlements(struct swgr_ln_client *c, uint64_t cursor, int64_t since_ms, double wait_secs,
    const atomic_int *stop, swgr_ln_settled_fn fn, void *arg, struct swgr_err *err)
{
	Cln__WaitanyinvoiceRequest req = CLN__WAITANYINVOICE_REQUEST__INIT;
	Cln__WaitanyinvoiceResponse *res;
	struct swgr_ln_settled s;
	double end = swgr_mono_now() + wait_secs;
	enum swgr_rc rc;
	int done;

	(void)since_ms;
	while (swgr_mono_now() < end && (stop == NULL || !atomic_load(stop))) {
		req.lastpay_index = cursor;
		req.timeout = 1;
		rc = swgr_ln_grpc_rpc(c, c->priv, 1.0 + c->timeout_secs, "/cln.Node/WaitAnyInvoice",
		    "WaitAnyInvoice", &req.base, &cln__waitanyinvoice_response__descriptor,
		    (ProtobufCMessage **)&res, err);
		if (rc != SWGR_OK) {
			if (err != NULL && strstr(err->msg, "Some(904)") != NULL)
				continue;	/* nothing paid in that time */
			return rc;
		}
		done = 0;
		if (res->status == CLN__WAITANYINVOICE_RESPONSE__WAITANYINVOICE_STATUS__PAID &&
		    res->payment_hash.len == 32 && res->payment_preimage.len == 32 &&
		    res->pay_index > cursor) {
			memcpy(s.payment_hash, res->payment_hash.data, 32);
			memcpy(s.preimage, res->payment_preimage.data, 32);
			s.received_msat = res->amount_received_msat != NULL ?
			    res->amount_received_msat->msat : 0;
			s.settled_ms = res->paid_at > 0 && res->paid_at < (uint64_t)INT64_MAX / 1000 ?
			    (int64_t)res->paid_at * 1000 : 0;
			s.index = cursor = res->pay_index;
			done = fn(arg, &s);
		} else if (res->pay_index > cursor)
			cursor = res->pay_index;
		else
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (cln): malformed "
			    "WaitAnyInvoice reply: pay_index %" PRIu64 " not after %" PRIu64,
			    c->name, res->pay_index, cursor);
		cln__waitanyinvoice_response__free_unpacked(res, NULL);
		if (rc != SWGR_OK || done)
			return rc;
	}
	return SWGR_OK;
}

const struct swgr_ln_kind swgr_ln_kind_cln = {
	"clnGrpc", "cln", "cln-grpc", "CLN gRPC",
	"{\"auth\":{\"caCertPath\":\"/path/to/ca.pem\",\"clientCertPath\":"
	"\"/path/to/client.pem\",\"clientKeyPath\":\"/path/to/client-key.pem\","
	"\"type\":\"path\"},\"domain\":\"localhost\",\"type\":\"clnGrpc\","
	"\"url\":\"https://127.0.0.1:9736/\"}",
	cln_open, cln_close, cln_invoice, NULL, cln_inbound, cln_settlements, true, NULL, 0
};
