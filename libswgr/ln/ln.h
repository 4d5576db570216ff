/* Lightning node clients: one interface over every node kind (CLN, LND, Eclair; spec §9.2, §10). */
#ifndef SWGR_LN_H
#define SWGR_LN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/credfile.h"
#include "core/err.h"

struct swgr_ln_opts {
	double		 timeout_secs;		/* ln-client-timeout-secs: every call's deadline (<= 0: 2 s) */
	const char	*trusted_roots;		/* ln-trusted-roots (PEM file), optional */
	/*
	 * node-access: the directories credential files are read from (none:
	 * every credential path is refused) and the backend hosts allowed
	 * (none: any).
	 */
	struct swgr_cred_dirs cred_dirs;
	char *const	*backend_hosts;
	size_t		 nbackend_hosts;
};

struct swgr_ln_client;

/*
 * A client for the backend named name (its public key, for messages) from
 * its "implementation" JSON (spec §7.1, doc/nodes.md): clnGrpc, lndGrpc or
 * eclairHttp.  Reads the certificate, key, macaroon and password files now;
 * connects lazily.  First swgr_ln_impl_vet; every credential file is read
 * by swgr_cred_read (core/credfile.h) from opts->cred_dirs.  Trusted roots are the system's (SSL_CERT_FILE
 * honoured), then opts->trusted_roots, then the backend's own CA/TLS
 * certificate.  SWGR_EINTERNAL with a message naming the backend and the
 * cause when the JSON or a file cannot be used (missing, unreadable, empty,
 * not PEM, a key that does not match its certificate).
 * opts may be NULL (defaults).  Thread-safe once made; free with
 * swgr_ln_client_free.  Clients are meant to be kept per process and rebuilt
 * only when the backend's implementation changes: see swgr_ln_impl_equal.
 */
enum swgr_rc	 swgr_ln_client_new(const char *name, const char *implementation,
		    const struct swgr_ln_opts *opts, struct swgr_ln_client **out,
		    struct swgr_err *err);
void		 swgr_ln_client_free(struct swgr_ln_client *c);
/* The kind's short name: "cln", "lnd", "eclair". */
const char	*swgr_ln_client_kind(const struct swgr_ln_client *c);
/* The name given to swgr_ln_client_new (the backend's public key). */
const char	*swgr_ln_client_name(const struct swgr_ln_client *c);
/* The implementation JSON text the client was made from, as given. */
const char	*swgr_ln_client_impl(const struct swgr_ln_client *c);

/*
 * What can be told of an implementation without its files, as the
 * discovery service checks it before storing a backend.  Anything but an
 * object of a known kind is left alone (opaque to the service, spec §7.1:
 * no client is ever made of it), and so is a missing url.  Else its
 * url read by swgr_endpoint_parse (http or https, one host and port) and
 * allowed by opts->backend_hosts; no secret (LND's macaroon, Eclair's
 * password) sent over plaintext http to a host other than loopback; every
 * auth.*Path member a path inside opts->cred_dirs (swgr_cred_path_check).
 * SWGR_EINVAL with a message naming the member and the reason.
 */
enum swgr_rc	 swgr_ln_impl_vet(const char *implementation, const struct swgr_ln_opts *opts,
		    struct swgr_err *err);

/*
 * Whether two implementation JSON texts describe the same client: equal as
 * JSON values (object key order and white space ignored; arrays in order).
 * False if either is not valid JSON.  A monitor or balancer keeps its client
 * while swgr_ln_impl_equal(swgr_ln_client_impl(c), backend->implementation).
 * (A changed file behind an unchanged path is not seen: restart to reload.)
 */
int		 swgr_ln_impl_equal(const char *a, const char *b);

/*
 * Calls are thread-safe on one client; the deadline is the client's timeout.
 * A failed connection is retried on the next call (no backoff).
 *
 * Asks the node for an invoice of amount_msat whose description hash is
 * sha256(description) (CLN: description with deschashonly; LND and Eclair:
 * the hash), expiring after expiry_secs.  *bolt11 is malloc'd.  Errors per
 * spec §10.4: SWGR_EINVAL (the node refused the request), SWGR_EUPSTREAM
 * (node down, TLS, refused credentials, timeout, anything else), with the
 * backend named in the message.
 */
enum swgr_rc	 swgr_ln_invoice(struct swgr_ln_client *c, uint64_t amount_msat,
		    const char *description, size_t desclen, uint64_t expiry_secs,
		    char **bolt11, struct swgr_err *err);

/*
 * The same, the call's deadline max_secs from now when that comes before the
 * client's timeout: a caller's own deadline (request-deadline-secs).
 */
enum swgr_rc	 swgr_ln_invoice_within(struct swgr_ln_client *c, double max_secs,
		    uint64_t amount_msat, const char *description, size_t desclen,
		    uint64_t expiry_secs, char **bolt11, struct swgr_err *err);

/*
 * The node's inbound liquidity in msat: the health check (spec §10.2,
 * §10.3; Eclair: getinfo, then usablebalances), within the client's timeout.
 */
enum swgr_rc	 swgr_ln_inbound(struct swgr_ln_client *c, uint64_t *msat, struct swgr_err *err);

/*
 * Settlement (swgr-settled).  One invoice the node was paid, as it tells it:
 * the payment hash and preimage, the amount received, the node's time of
 * the payment (whole seconds on every kind, in ms) and its index where the
 * node counts settlements (LND settle_index, CLN pay_index; 0 for Eclair).
 */
struct swgr_ln_settled {
	uint8_t		 payment_hash[32];
	uint8_t		 preimage[32];
	uint64_t	 received_msat;
	int64_t		 settled_ms;
	uint64_t	 index;
};

/* One settlement for the caller; non-zero stops the watch there. */
typedef int	(*swgr_ln_settled_fn)(void *arg, const struct swgr_ln_settled *s);

/*
 * Whether the node counts its settlements (LND, CLN: a cursor to resume
 * from, swgr_ln_settlements's cursor) or lists what it received since a
 * time (Eclair: since_ms).
 */
bool		 swgr_ln_settle_indexed(const struct swgr_ln_client *c);

/*
 * The node's settlements, each handed to fn in the node's order (for an
 * indexed kind, each index above cursor and the one before: a repeat is
 * dropped), for at most wait_secs or until *stop is set or fn returns
 * non-zero (then SWGR_OK):
 *   LND: SubscribeInvoices from settle_index cursor (0: those settled from
 *     now on only; see swgr_ln_settle_lookup), streamed as they come;
 *   CLN: WaitAnyInvoice from lastpay_index cursor, again and again;
 *   Eclair: listreceivedpayments of the invoices created since since_ms
 *     (paged), once, then back: the caller polls.
 * Errors as the other calls, naming the backend.
 */
enum swgr_rc	 swgr_ln_settlements(struct swgr_ln_client *c, uint64_t cursor, int64_t since_ms,
		    double wait_secs, const atomic_int *stop, swgr_ln_settled_fn fn, void *arg,
		    struct swgr_err *err);

/*
 * Whether the invoice of payment_hash is settled, asked of the node
 * (*settled, with *out filled then): for an indexed kind whose cursor is
 * still 0, where a stream from 0 would not replay what was settled before
 * it.  SWGR_NOTFOUND: the node does not know the invoice.
 */
enum swgr_rc	 swgr_ln_settle_lookup(struct swgr_ln_client *c, const uint8_t payment_hash[32],
		    bool *settled, struct swgr_ln_settled *out, struct swgr_err *err);

/*
 * The node kinds, for swgr discovery new: the i-th kind's (from 0) name on
 * the command line ("cln-grpc"), a label for people ("CLN gRPC") and the
 * implementation JSON of its template (compact, keys sorted); false past the
 * last kind.  The strings are static.
 */
bool		 swgr_ln_kind_template(size_t i, const char **cli_name, const char **label,
		    const char **impl);

#endif
