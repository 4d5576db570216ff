/* Core Lightning over cln-grpc: Invoice with deschashonly, inbound from ListPeerChannels (spec §10.2). */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "cln_node.pb-c.h"
#include "ln/ln_int.h"
#include "core/sha256.h"
#include "core/hex.h"

/*
 * The Unix time in nanoseconds, strictly increasing within the process: two
 * threads asking for the same invoice in the same nanosecond still get
 * distinct labels (CLN refuses a duplicate label).
 */
static uint64_t
unique_ns(void)
{
	static _Atomic uint64_t last;
	struct timespec now;
	uint64_t t, prev;

	clock_gettime(CLOCK_REALTIME, &now);
	t = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	prev = atomic_load(&last);
	do {
		if (t <= prev)
			t = prev + 1;
	} while (!atomic_compare_exchange_weak(&last, &prev, t));
	return t;
}

/* Packs msg into a malloc'd buffer for the call. */
static uint8_t *
pack(const ProtobufCMessage *msg, size_t *len)
{
	uint8_t *p;

	*len = protobuf_c_message_get_packed_size(msg);
	if ((p = malloc(*len ? *len : 1)) != NULL)
		protobuf_c_message_pack(msg, p);
	return p;
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
	uint8_t hash[SWGR_SHA256_LEN], *buf, *resp = NULL;
	char label[2 * SWGR_SHA256_LEN + 32], *desc;
	size_t len, resplen;
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
	buf = pack(&req.base, &len);
	free(desc);
	if (buf == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	rc = swgr_ln_call_within(c, timeout_secs, "/cln.Node/Invoice", buf, len, &resp, &resplen,
	    err);
	free(buf);
	if (rc != SWGR_OK)
		return rc;
	res = cln__invoice_response__unpack(NULL, resplen, resp);
	free(resp);
	if (res == NULL || res->bolt11 == NULL || res->bolt11[0] == '\0') {
		if (res != NULL)
			cln__invoice_response__free_unpacked(res, NULL);
		return swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (cln): malformed Invoice reply",
		    c->name);
	}
	*bolt11 = strdup(res->bolt11);
	cln__invoice_response__free_unpacked(res, NULL);
	return *bolt11 != NULL ? SWGR_OK : swgr_err_set(err, SWGR_ENOMEM, "out of memory");
}

static enum swgr_rc
cln_inbound(struct swgr_ln_client *c, uint64_t *msat, struct swgr_err *err)
{
	Cln__ListpeerchannelsRequest req = CLN__LISTPEERCHANNELS_REQUEST__INIT;
	Cln__ListpeerchannelsResponse *res;
	uint8_t *buf, *resp = NULL;
	size_t len, resplen, i;
	uint64_t sum = 0;
	enum swgr_rc rc;

	if ((buf = pack(&req.base, &len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	rc = swgr_ln_call(c, "/cln.Node/ListPeerChannels", buf, len, &resp, &resplen, err);
	free(buf);
	if (rc != SWGR_OK)
		return rc;
	res = cln__listpeerchannels_response__unpack(NULL, resplen, resp);
	free(resp);
	if (res == NULL)
		return swgr_err_set(err, SWGR_EUPSTREAM,
		    "backend %s (cln): malformed ListPeerChannels reply", c->name);
	for (i = 0; i < res->n_channels; i++) {
		const Cln__ListpeerchannelsChannels *ch = res->channels[i];

		if (ch->state == CLN__CHANNEL_STATE__ChanneldNormal && ch->receivable_msat != NULL)
			sum += ch->receivable_msat->msat;
	}
	cln__listpeerchannels_response__free_unpacked(res, NULL);
	*msat = sum;
	return SWGR_OK;
}

const struct swgr_ln_ops swgr_ln_cln_ops = { "cln", cln_invoice, cln_inbound };
