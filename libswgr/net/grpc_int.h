/* Private to the gRPC transport: the TLS diagnosis made when a connection to a node fails. */
#ifndef SWGR_GRPC_INT_H
#define SWGR_GRPC_INT_H

#include <stddef.h>

#include "core/err.h"
#include "net/grpc.h"

/*
 * A TLS handshake of our own with a channel's material (roots, client
 * certificate, name to check), to tell the operator why gRPC could not
 * connect: gRPC reports a refused client certificate as "Socket closed".
 * probe_new copies what it needs from tls (target is "host:port").
 */
struct swgr_grpc_probe;

enum swgr_rc	 swgr_grpc_probe_new(const char *target, const struct swgr_grpc_tls *tls,
		    struct swgr_grpc_probe **out, struct swgr_err *err);
void		 swgr_grpc_probe_free(struct swgr_grpc_probe *p);
/* Connects and shakes hands within secs; writes the finding into why (len bytes). */
void		 swgr_grpc_probe_run(const struct swgr_grpc_probe *p, double secs, char *why,
		    size_t len);

#endif
