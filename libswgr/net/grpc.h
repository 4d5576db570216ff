/* Unary and server-streaming gRPC calls over gRPC core: the transport under the Lightning clients. */
#ifndef SWGR_GRPC_H
#define SWGR_GRPC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* TLS material, all PEM text; NULL members are absent. */
struct swgr_grpc_tls {
	const char	*roots;		/* trusted roots (beyond the system's with system_roots) */
	const char	*cert;		/* client certificate chain (mutual TLS) */
	const char	*key;		/* client private key */
	const char	*domain;	/* name checked on the server certificate; NULL: the URL host */
	int		 system_roots;	/* the system trust store too (swgr_trust_system_pem);
					   neither this nor roots: gRPC's defaults */
};

struct swgr_grpc_md {
	const char	*key;
	const char	*value;
};

struct swgr_grpc_chan;

/*
 * Initialises gRPC core once per process (idempotent, thread-safe) and sends
 * its log lines to ours (target "grpc": its errors at WARN, the rest at
 * DEBUG; GRPC_VERBOSITY, if set, still filters them first).
 */
void		 swgr_grpc_init(void);

/*
 * A channel to url ("https://host:port[/]" with tls, "http://host:port" in
 * plaintext when tls is NULL).  No connection is made until the first call;
 * a call that finds the connection failed (or still not made at its
 * deadline) drops it, and the next call connects afresh, without gRPC's
 * reconnect backoff.  Channels are thread-safe and meant to be cached; free
 * one only when no call on it is in flight.  SWGR_EINTERNAL for a URL that
 * cannot be used: the URL is read by swgr_endpoint_parse (core/endpoint.h)
 * and gRPC is given the target of its one address, never a unix: socket,
 * an ipv4: list or another scheme.
 */
enum swgr_rc	 swgr_grpc_chan_new(const char *url, const struct swgr_grpc_tls *tls,
		    struct swgr_grpc_chan **out, struct swgr_err *err);
void		 swgr_grpc_chan_free(struct swgr_grpc_chan *ch);

/*
 * Calls method ("/pkg.Service/Method") with the serialised request and
 * metadata, waiting at most timeout_secs.  On SWGR_OK, *resp (malloc'd) holds
 * the serialised reply.  Otherwise *status is the gRPC status code (4 for a
 * deadline, 14 when unreachable or a TLS failure) and the result is
 * SWGR_EINVAL for INVALID_ARGUMENT, OUT_OF_RANGE and ALREADY_EXISTS (the
 * request's fault, spec §10.4) and SWGR_EUPSTREAM for every other status;
 * the message carries the status name and the server's details and, when a
 * TLS connection failed, what a direct handshake found (untrusted or
 * misnamed certificate, client certificate refused, connection refused).
 * Calls complete on one completion queue per process, read by one thread
 * that wakes each caller (see grpc.c).
 */
enum swgr_rc	 swgr_grpc_unary(struct swgr_grpc_chan *ch, const char *method,
		    const struct swgr_grpc_md *md, size_t nmd, const uint8_t *req, size_t reqlen,
		    double timeout_secs, uint8_t **resp, size_t *resplen, int *status,
		    struct swgr_err *err);

/*
 * One message of a stream (swgr_grpc_stream): non-zero ends the stream there.
 */
typedef int	(*swgr_grpc_msg_fn)(void *arg, const uint8_t *msg, size_t len);

/*
 * A server-streaming call of method: the request sent with md, then each
 * message the server streams handed to fn as it comes, until the server
 * ends the stream, fn returns non-zero, *stop (if not NULL) is set (looked
 * at every 0.2 s) or max_secs pass; in the last three cases the call is
 * cancelled and the result is SWGR_OK, as it is for a stream the server ends
 * with status OK.  Otherwise as swgr_grpc_unary: *status, SWGR_EINVAL or
 * SWGR_EUPSTREAM naming the status and the server's details; a failed
 * connection is dropped and the next call connects afresh.
 */
enum swgr_rc	 swgr_grpc_stream(struct swgr_grpc_chan *ch, const char *method,
		    const struct swgr_grpc_md *md, size_t nmd, const uint8_t *req, size_t reqlen,
		    double max_secs, const atomic_int *stop, swgr_grpc_msg_fn fn, void *arg,
		    int *status, struct swgr_err *err);

#endif
