/*
 * libFuzzer harness for what the nodes answer (libswgr/ln/): the LND and CLN
 * gRPC replies (protobuf-c unpacking and our readers in ln/lnd.c, ln/cln.c,
 * ln/grpc.c) and Eclair's JSON (ln/eclair.c), for an invoice and for the
 * inbound liquidity.  The clients are real (swgr_ln_client_new over files in
 * a temporary directory); the network is not: the gRPC transport
 * (net/grpc.c) is replaced by the stand-ins below, and swgr_http_do is
 * wrapped (answer.h), both handing back the fuzz input as the node's answer.
 *
 * Input: a first byte (the kind: % 3; the call: / 3 % 4, invoice, inbound,
 * settlements or the settlement lookup), then for LND and CLN a byte (0 mod 8:
 * the call fails with gRPC status 14) and the serialised reply, or for the
 * two settlement calls the replies (each message of a stream, each answer to
 * CLN's WaitAnyInvoice in turn) each after its length in two bytes, big
 * endian; for Eclair the answers to its calls in turn, separated by NUL
 * bytes, each a byte choosing the HTTP status and the body.
 *
 * FUZZ_LDFLAGS: -Wl,--wrap=swgr_http_do
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/log.h"
#include "ln/ln.h"
#include "net/grpc.h"
#include "net/http.h"

#include "answer.h"

static struct swgr_ln_client *clients[3];
static char dir[] = "/tmp/swgr-fuzz-node.XXXXXX";
static const char *const files[] = { "macaroon", "password", "client.pem", "client.key" };

/* The gRPC transport, for ln/grpc.c: a channel that is nothing, a call whose reply is the input. */
static char the_chan;
static int grpc_status;
static bool framed;

/* The next gRPC message of the input; false when there is none left. */
static bool
grpc_answer(const uint8_t **p, size_t *n)
{
	size_t len;

	if (!framed) {
		if (!fuzz_answer_next(p, n))
			*n = 0;
		return true;
	}
	if (fuzz_ans_end - fuzz_ans < 2)
		return false;
	len = (size_t)fuzz_ans[0] << 8 | fuzz_ans[1];
	if (len > (size_t)(fuzz_ans_end - fuzz_ans - 2))
		len = fuzz_ans_end - fuzz_ans - 2;
	*p = fuzz_ans + 2;
	*n = len;
	fuzz_ans += 2 + len;
	return true;
}

void
swgr_grpc_init(void)
{
}

enum swgr_rc
swgr_grpc_chan_new(const char *url, const struct swgr_grpc_tls *tls,
    struct swgr_grpc_chan **out, struct swgr_err *err)
{
	(void)url;
	(void)tls;
	(void)err;
	*out = (struct swgr_grpc_chan *)&the_chan;
	return SWGR_OK;
}

void
swgr_grpc_chan_free(struct swgr_grpc_chan *ch)
{
	if (ch != NULL && ch != (struct swgr_grpc_chan *)&the_chan)
		abort();
}

enum swgr_rc
swgr_grpc_unary(struct swgr_grpc_chan *ch, const char *method,
    const struct swgr_grpc_md *md, size_t nmd, const uint8_t *req, size_t reqlen,
    double timeout_secs, uint8_t **resp, size_t *resplen, int *status,
    struct swgr_err *err)
{
	const uint8_t *p;
	size_t n;

	(void)ch;
	(void)md;
	(void)nmd;
	(void)req;
	(void)reqlen;
	(void)timeout_secs;
	*status = grpc_status;
	if (grpc_status != 0 || !grpc_answer(&p, &n))
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s: UNAVAILABLE", method);
	if ((*resp = malloc(n ? n : 1)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	memcpy(*resp, p, n);
	*resplen = n;
	return SWGR_OK;
}

/* The stream: each message of the input in turn, then the server's end (OK). */
enum swgr_rc
swgr_grpc_stream(struct swgr_grpc_chan *ch, const char *method,
    const struct swgr_grpc_md *md, size_t nmd, const uint8_t *req, size_t reqlen,
    double max_secs, const atomic_int *stop, swgr_grpc_msg_fn fn, void *arg,
    int *status, struct swgr_err *err)
{
	const uint8_t *p;
	size_t n;

	(void)ch;
	(void)md;
	(void)nmd;
	(void)req;
	(void)reqlen;
	(void)max_secs;
	(void)stop;
	*status = grpc_status;
	if (grpc_status != 0)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s: UNAVAILABLE", method);
	while (grpc_answer(&p, &n))
		if (fn(arg, p, n) != 0)
			break;
	return SWGR_OK;
}

/* What a settlement must be, whatever the node said: indexed kinds count up. */
struct watch {
	bool		 indexed;
	uint64_t	 last;
	unsigned	 seen;
};

static int
settled(void *arg, const struct swgr_ln_settled *s)
{
	struct watch *w = arg;

	if (w->indexed && s->index <= w->last)
		abort();	/* a cursor must only move on */
	if (s->settled_ms < 0)
		abort();
	w->last = s->index;
	return ++w->seen >= 64;
}

static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

/* A self-signed P-256 certificate and its key, for CLN's client pair. */
static void
make_pair(void)
{
	char path[128];
	EVP_PKEY *k;
	X509 *x;
	X509_NAME *n;
	FILE *f;

	if ((k = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, n);
	if (X509_sign(x, k, EVP_sha256()) == 0)
		abort();
	snprintf(path, sizeof(path), "%s/client.pem", dir);
	if ((f = fopen(path, "w")) == NULL || PEM_write_X509(f, x) != 1 || fclose(f) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/client.key", dir);
	if ((f = fopen(path, "w")) == NULL ||
	    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0)
		abort();
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
cleanup(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < 3; i++)
		swgr_ln_client_free(clients[i]);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const fmt[3] = {
		"{\"type\":\"lndGrpc\",\"url\":\"http://127.0.0.1:10009\",\"ampInvoice\":false,"
		"\"auth\":{\"type\":\"path\",\"macaroonPath\":\"%s/macaroon\"}}",
		"{\"type\":\"clnGrpc\",\"url\":\"http://127.0.0.1:9736\",\"auth\":{\"type\":\"path\","
		"\"clientCertPath\":\"%s/client.pem\",\"clientKeyPath\":\"%s/client.key\"}}",
		"{\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:8080/\",\"auth\":{\"type\":"
		"\"path\",\"passwordPath\":\"%s/password\"}}",
	};
	char *const dirs[1] = { dir };
	struct swgr_ln_opts opts = { .timeout_secs = 1.0, .cred_dirs = { dirs, 1 } };
	struct swgr_err err = { 0 };
	char impl[512];
	size_t i;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	(void)swgr_log_open("/dev/null", SWGR_LOG_OFF, NULL);
	put("macaroon", "\x02\x01macaroon-bytes");
	put("password", "eclair-password\n");
	make_pair();
	for (i = 0; i < 3; i++) {
		snprintf(impl, sizeof(impl), fmt[i], dir, dir);
		if (swgr_ln_client_new("02c0ffee", impl, &opts, &clients[i], &err) != SWGR_OK) {
			fprintf(stderr, "fuzz_node: client %zu: %s\n", i, err.msg);
			abort();
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char desc[] = "[[\"text/plain\",\"fuzz\"]]";
	struct swgr_ln_client *c;
	struct swgr_err err = { 0 };
	char *pr = NULL;
	uint64_t msat;
	unsigned kind, call;

	if (size < 2)
		return 0;
	kind = data[0] % 3;
	call = data[0] / 3 % 4;
	c = clients[kind];
	framed = call >= 2;
	if (kind < 2) {
		grpc_status = data[1] % 8 == 0 ? 14 : 0;
		fuzz_answer_set(data + 2, size - 2, false);
	} else {
		grpc_status = 0;
		fuzz_answer_set(data + 1, size - 1, true);
	}
	if (call == 0) {
		if (swgr_ln_invoice(c, 1000, desc, sizeof(desc) - 1, 180, &pr, &err) == SWGR_OK &&
		    pr == NULL)
			abort();	/* SWGR_OK promises an invoice */
		free(pr);
	} else if (call == 1)
		(void)swgr_ln_inbound(c, &msat, &err);
	else if (call == 2) {
		struct watch w = { swgr_ln_settle_indexed(c), 7, 0 };

		(void)swgr_ln_settlements(c, 7, 1700000000000, 30.0, NULL, settled, &w, &err);
	} else {
		static const uint8_t hash[32] = { 1, 2, 3 };
		struct swgr_ln_settled s;
		bool paid = false;

		if (swgr_ln_settle_lookup(c, hash, &paid, &s, &err) == SWGR_OK && paid &&
		    s.settled_ms < 0)
			abort();
	}
	return 0;
}
