/* Private to the Lightning clients: the per-kind operations and shared helpers. */
#ifndef SWGR_LN_INT_H
#define SWGR_LN_INT_H

#include <json-c/json.h>

#include "net/grpc.h"
#include "ln/ln.h"

struct swgr_ln_ops {
	const char	*kind;
	enum swgr_rc	(*invoice)(struct swgr_ln_client *, double, uint64_t, const char *,
			    size_t, uint64_t, char **, struct swgr_err *);
	enum swgr_rc	(*inbound)(struct swgr_ln_client *, uint64_t *, struct swgr_err *);
};

struct swgr_ln_client {
	const struct swgr_ln_ops *ops;
	char		*name;
	char		*impl;			/* the implementation JSON, as given */
	struct swgr_grpc_chan *chan;
	double		 timeout_secs;
	char		*macaroon_hex;		/* LND */
	int		 amp;			/* LND ampInvoice */
};

extern const struct swgr_ln_ops swgr_ln_cln_ops;
extern const struct swgr_ln_ops swgr_ln_lnd_ops;

/* One unary call with the client's deadline and metadata; errors name the backend. */
enum swgr_rc	 swgr_ln_call(struct swgr_ln_client *c, const char *method, const uint8_t *req,
		    size_t reqlen, uint8_t **resp, size_t *resplen, struct swgr_err *err);
/* The same with a deadline timeout_secs from now. */
enum swgr_rc	 swgr_ln_call_within(struct swgr_ln_client *c, double timeout_secs,
		    const char *method, const uint8_t *req, size_t reqlen, uint8_t **resp,
		    size_t *resplen, struct swgr_err *err);

#endif
