/* The shared main of the admin responders: options, configuration, worker threads, signals, auth, routing. */
#ifndef SWGR_RESPONDER_H
#define SWGR_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "fcgi.h"
#include "store.h"

struct swgr_ctx;

/* A handler fills c->resp (status 200, no headers, empty body on entry). */
typedef void	 swgr_handler(struct swgr_ctx *c);

#define SWGR_ROUTE_PUBLIC	0x1	/* its methods need no bearer token (GET /health) */

/*
 * One line of a routing table.  pattern is matched against the decoded path
 * segments: literal segments, and a segment "*" that stands for exactly one
 * non-empty segment (the handler reads it as c->req->seg[i]).  A route with SWGR_M_GET also answers HEAD (body
 * dropped).  A path that matches some route but not with this method gets
 * 405 and an Allow header; a path that matches none gets 404.
 */
struct swgr_route {
	unsigned	 methods;	/* SWGR_M_* */
	const char	*pattern;
	swgr_handler	*fn;
	unsigned	 flags;		/* SWGR_ROUTE_* */
};

/* What a responder is: its name, where its configuration lives, its routes. */
struct swgr_service {
	const char	*name;		/* "discovery": log target clf::<name>, realm and token audience */
	const char	*cfgname;	/* "discover": "<cfgname> service|store enabled but has no config" */
	size_t		 section;	/* offsetof(struct swgr_config, <its struct swgr_admin_cfg>) */
	size_t		 store;		/* offsetof(struct swgr_config, <its struct swgr_store_cfg>) */
	unsigned	 roles;		/* SWGR_STORE_ROLE_* of that store */
	const struct swgr_route *routes;
	size_t		 nroutes;
};

/* What a handler gets: the request, the response to fill and the service's resources. */
struct swgr_ctx {
	const struct swgr_service *svc;
	const struct swgr_config *cfg;
	const struct swgr_admin_cfg *section;
	struct swgr_store *store;
	struct swgr_req	*req;
	struct swgr_resp *resp;
	const char	*log_target;	/* "swgr::<name>", for the handlers' own messages */
};

/*
 * The whole life of a responder process: options (-c FILE, -l LEVEL,
 * -t THREADS, -s SOCKET, -h, -V), configuration, log, store, auth authority,
 * worker threads accepting FastCGI requests on fd 0 (spawn-fcgi, web server)
 * or on the -s socket (a path, ":port" or "host:port"; a unix socket is made
 * mode 0666 and removed at exit), until SIGTERM, SIGINT or SIGQUIT; SIGHUP
 * reopens the log.  Requests in flight are finished before exit.
 * Returns the process exit code: 0 after a clean stop, 1 when startup
 * failed (logged at ERROR), 2 for a usage error.
 */
int		 swgr_responder_main(int argc, char *argv[], const struct swgr_service *svc);

/* GET /health of every service: 200, empty body. */
void		 swgr_health(struct swgr_ctx *c);

/*
 * Reads the JSON request body (axum Json rules, spec §2): Content-Type not
 * JSON -> 415; over SWGR_BODY_MAX -> 413; unreadable -> 400.  Returns true
 * with *text and *len set (owned by the request), or false with the error
 * response already in c->resp.  The caller parses the text itself.
 */
bool		 swgr_ctx_body(struct swgr_ctx *c, const char **text, size_t *len);
/*
 * Answers a refused input (bad key, malformed or ill-shaped JSON, bad query):
 * status from rc, empty body, the reason logged at INFO.
 */
void		 swgr_ctx_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err);
/*
 * Answers a store result that is not success: 404 and 409 plainly (409 with
 * Location if location is not NULL), anything else by swgr_err_http_status
 * with the store's message logged at ERROR (spec §13: store errors behind a
 * 4xx/5xx are logged).
 */
void		 swgr_ctx_store_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err,
		    const char *location);

#endif
