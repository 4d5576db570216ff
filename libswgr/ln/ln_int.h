/* Private to the Lightning clients: the row type of the kind table, the client, shared helpers. */
#ifndef SWGR_LN_INT_H
#define SWGR_LN_INT_H

#include <json-c/json.h>
#include <protobuf-c/protobuf-c.h>

#include "core/buf.h"
#include "core/metrics.h"
#include "ln/ln.h"
#include "net/grpc.h"

/*
 * One node kind.  Each kind's file (ln/<kind>.c) defines one of these,
 * swgr_ln_kind_<kind>, and keeps its own state behind c->priv; the table in
 * ln/kinds.c lists them.  Nothing outside a kind's file knows which kind a
 * client is: a new kind is a new file and a new row in that table.
 */
struct swgr_ln_kind {
	const char	*type;		/* implementation.type, e.g. "clnGrpc" */
	const char	*name;		/* short, in messages: "cln" */
	const char	*cli_name;	/* swgr discovery new <cli_name>: "cln-grpc" */
	const char	*label;		/* for people: "CLN gRPC" */
	const char	*template_impl;	/* that template's implementation: compact, keys sorted */
	/*
	 * Checks the implementation object (its type already matched), reads
	 * every file it names and sets c->priv.  SWGR_EINTERNAL naming the
	 * member or the file otherwise (the caller names the backend); then
	 * c->priv is left NULL or to be freed by close.
	 */
	enum swgr_rc	(*open)(struct swgr_ln_client *c, json_object *impl,
			    const struct swgr_ln_opts *opts, struct swgr_err *err);
	/* Frees priv (NULL allowed), wiping the secrets it holds. */
	void		(*close)(void *priv);
	/* An invoice (swgr_ln_invoice), the call's deadline timeout_secs from now. */
	enum swgr_rc	(*invoice)(struct swgr_ln_client *c, double timeout_secs,
			    uint64_t amount_msat, const char *description, size_t desclen,
			    uint64_t expiry_secs, char **bolt11, struct swgr_err *err);
	/*
	 * Whether the node is up, when that is not the inbound call itself
	 * (NULL then): done before inbound, within the same deadline.
	 */
	enum swgr_rc	(*health)(struct swgr_ln_client *c, double timeout_secs,
			    struct swgr_err *err);
	/* The inbound liquidity in msat. */
	enum swgr_rc	(*inbound)(struct swgr_ln_client *c, double timeout_secs,
			    uint64_t *msat, struct swgr_err *err);
	/*
	 * Settlement: the watch (swgr_ln_settlements), whether the cursor is
	 * the node's index (else since_ms is used), and the lookup of one
	 * invoice (NULL: the kind needs none, its cursor 0 replays all).
	 */
	enum swgr_rc	(*settlements)(struct swgr_ln_client *c, uint64_t cursor,
			    int64_t since_ms, double wait_secs, const atomic_int *stop,
			    swgr_ln_settled_fn fn, void *arg, struct swgr_err *err);
	bool		 indexed;
	enum swgr_rc	(*lookup)(struct swgr_ln_client *c, const uint8_t payment_hash[32],
			    bool *settled, struct swgr_ln_settled *out, struct swgr_err *err);
	/*
	 * Whether every call carries a bearer secret (a macaroon, a password):
	 * then a plaintext http url must be on loopback (swgr_ln_impl_vet).
	 */
	int		 bearer;
};

struct swgr_ln_client {
	const struct swgr_ln_kind *kind;
	char		*name;
	char		*impl;			/* the implementation JSON, as given */
	double		 timeout_secs;
	void		*priv;			/* the kind's own state */
	/* swgr_node_errors_total{call, kind, error}: [invoice|inbound][failed|refused] */
	struct swgr_metric *errors[2][2];
};

/* The kind whose implementation.type is type, or NULL (ln/kinds.c). */
const struct swgr_ln_kind *swgr_ln_kind_find(const char *type);
/* The i-th kind of the table (from 0), or NULL past the last. */
const struct swgr_ln_kind *swgr_ln_kind_at(size_t i);

/*
 * Reading an implementation object (ln/impl.c).  Messages name the member
 * ("auth.macaroonPath") or the file, never a file's contents.
 */
/* The string member key of o, or NULL when absent or not a string. */
const char	*swgr_ln_impl_str(json_object *o, const char *key);
/* The required string member key of o (where: "" or "auth."): SWGR_EINTERNAL if missing. */
enum swgr_rc	 swgr_ln_impl_need(json_object *o, const char *where, const char *key,
		    const char **out, struct swgr_err *err);
/* An optional string member: absent or null gives NULL; another type is an error. */
enum swgr_rc	 swgr_ln_impl_opt(json_object *o, const char *where, const char *key,
		    const char **out, struct swgr_err *err);
/* The "auth" object of impl, checked to be {"type": "path", ...}. */
enum swgr_rc	 swgr_ln_impl_auth(json_object *impl, json_object **auth, struct swgr_err *err);
/*
 * Appends the credential file at path to b (swgr_cred_read from
 * opts->cred_dirs, as kind); what names it in messages (the member,
 * "auth.macaroonPath").  Refusals are SWGR_EINTERNAL.
 */
enum swgr_rc	 swgr_ln_impl_cred(struct swgr_buf *b, const struct swgr_ln_opts *opts,
		    enum swgr_cred_kind kind, const char *what, const char *path,
		    struct swgr_err *err);
/*
 * Appends the certificates of the roots file at path to roots, checking it
 * holds at least one (what names it: "ln-trusted-roots", "auth.caCertPath").
 * A backend's own file is a credential (opts given: swgr_ln_impl_cred); the
 * operator's ln-trusted-roots (opts NULL) is read as it is.
 */
enum swgr_rc	 swgr_ln_impl_roots(struct swgr_buf *roots, const struct swgr_ln_opts *opts,
		    const char *what, const char *path, struct swgr_err *err);
/* Checks that cert (PEM) holds a certificate and key (PEM) its private key. */
enum swgr_rc	 swgr_ln_impl_pair(const struct swgr_buf *cert, const char *certwhat,
		    const char *certpath, const struct swgr_buf *key, const char *keywhat,
		    const char *keypath, struct swgr_err *err);
/* Wipes the bytes of b (a secret) and frees it. */
void		 swgr_ln_impl_wipe(struct swgr_buf *b);

/*
 * The node kinds over gRPC (ln/grpc.c): a channel from the implementation's
 * url, domain and TLS material, and unary calls on it with metadata.
 */
struct swgr_ln_grpc {
	struct swgr_grpc_chan *chan;
	char		*md_key;		/* one metadata header sent with every call, or NULL */
	char		*md_value;		/* its value: a secret, wiped when freed */
};

/*
 * Checks the members every gRPC kind has: url, an optional domain, the auth
 * object ({"type": "path"}, *auth) with its optional CA file member ca_key
 * ("caCertPath", "tlsCertPath").  Done first, before the kind's own members.
 */
enum swgr_rc	 swgr_ln_grpc_check(json_object *impl, const char *ca_key, json_object **auth,
		    struct swgr_err *err);
/*
 * Builds g from impl (checked): its url and domain, the trusted roots (opts,
 * then the ca_key file if any) and the client certificate and key (PEM
 * text, may be NULL).  The metadata is set by the caller.
 */
enum swgr_rc	 swgr_ln_grpc_open(struct swgr_ln_grpc *g, json_object *impl, const char *ca_key,
		    const struct swgr_ln_opts *opts, const char *cert, const char *key,
		    struct swgr_err *err);
void		 swgr_ln_grpc_close(struct swgr_ln_grpc *g);
/*
 * One unary call on g, the channel of c: req packed, the answer unpacked as a
 * message of resp_desc into *res (freed by the caller with
 * protobuf_c_message_free_unpacked).  Errors name the backend and its kind;
 * an answer that does not unpack is SWGR_EUPSTREAM "malformed <rpc> reply".
 */
enum swgr_rc	 swgr_ln_grpc_rpc(const struct swgr_ln_client *c, struct swgr_ln_grpc *g,
		    double timeout_secs, const char *method, const char *rpc,
		    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
		    ProtobufCMessage **res, struct swgr_err *err);
/* One message of a stream, unpacked; non-zero ends the stream. */
typedef int	(*swgr_ln_grpc_msg_fn)(void *arg, const ProtobufCMessage *msg);
/*
 * A server-streaming call on g (swgr_grpc_stream): each message unpacked as
 * msg_desc and handed to fn, for at most max_secs or until *stop; a message
 * that does not unpack is SWGR_EUPSTREAM "malformed <rpc> reply".
 */
enum swgr_rc	 swgr_ln_grpc_stream(const struct swgr_ln_client *c, struct swgr_ln_grpc *g,
		    double max_secs, const atomic_int *stop, const char *method, const char *rpc,
		    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *msg_desc,
		    swgr_ln_grpc_msg_fn fn, void *arg, struct swgr_err *err);
/*
 * The invoice text of a reply (pr, may be NULL) copied into *bolt11; an empty
 * or missing one is SWGR_EUPSTREAM "malformed <rpc> reply".
 */
enum swgr_rc	 swgr_ln_grpc_bolt11(const struct swgr_ln_client *c, const char *rpc,
		    const char *pr, char **bolt11, struct swgr_err *err);

#endif
