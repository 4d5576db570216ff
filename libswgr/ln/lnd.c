/* LND over lnrpc: AddInvoice with description_hash, inbound from ChannelBalance (spec §10.3). */
#include <stdlib.h>
#include <string.h>


#include "ln/ln_int.h"
#include "lnd_lightning.pb-c.h"
#include "core/sha256.h"

static enum swgr_rc
lnd_invoice(struct swgr_ln_client *c, double timeout_secs, uint64_t amount_msat,
    const char *description, size_t desclen, uint64_t expiry_secs, char **bolt11,
    struct swgr_err *err)
{
	Lnrpc__Invoice req = LNRPC__INVOICE__INIT;
	Lnrpc__AddInvoiceResponse *res;
	uint8_t hash[SWGR_SHA256_LEN], *buf, *resp = NULL;
	size_t len, resplen;
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
	req.is_amp = c->amp;
	len = protobuf_c_message_get_packed_size(&req.base);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	protobuf_c_message_pack(&req.base, buf);
	rc = swgr_ln_call_within(c, timeout_secs, "/lnrpc.Lightning/AddInvoice", buf, len, &resp,
	    &resplen, err);
	free(buf);
	if (rc != SWGR_OK)
		return rc;
	res = lnrpc__add_invoice_response__unpack(NULL, resplen, resp);
	free(resp);
	if (res == NULL || res->payment_request == NULL || res->payment_request[0] == '\0') {
		if (res != NULL)
			lnrpc__add_invoice_response__free_unpacked(res, NULL);
		return swgr_err_set(err, SWGR_EUPSTREAM,
		    "backend %s (lnd): malformed AddInvoice reply", c->name);
	}
	*bolt11 = strdup(res->payment_request);
	lnrpc__add_invoice_response__free_unpacked(res, NULL);
	return *bolt11 != NULL ? SWGR_OK : swgr_err_set(err, SWGR_ENOMEM, "out of memory");
}

static enum swgr_rc
lnd_inbound(struct swgr_ln_client *c, uint64_t *msat, struct swgr_err *err)
{
	Lnrpc__ChannelBalanceResponse *res;
	uint8_t *resp = NULL;
	size_t resplen;
	enum swgr_rc rc;

	/* ChannelBalanceRequest has no fields: its encoding is empty. */
	rc = swgr_ln_call(c, "/lnrpc.Lightning/ChannelBalance", (const uint8_t *)"", 0, &resp,
	    &resplen, err);
	if (rc != SWGR_OK)
		return rc;
	res = lnrpc__channel_balance_response__unpack(NULL, resplen, resp);
	free(resp);
	if (res == NULL)
		return swgr_err_set(err, SWGR_EUPSTREAM,
		    "backend %s (lnd): malformed ChannelBalance reply", c->name);
	*msat = res->remote_balance != NULL ? res->remote_balance->msat : 0;
	lnrpc__channel_balance_response__free_unpacked(res, NULL);
	return SWGR_OK;
}

const struct swgr_ln_ops swgr_ln_lnd_ops = { "lnd", lnd_invoice, lnd_inbound };
