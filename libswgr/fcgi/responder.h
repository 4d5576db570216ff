/* The responders' interface: services and their routes, what a handler gets (ctx.c), the shared main (responder.c, workers.c, route.c). */
#ifndef SWGR_RESPONDER_H
#define SWGR_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/err.h"
#include "fcgi/fcgi.h"
#include "store/store.h"

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
	const void	*arg;		/* handed to fn as c->arg: a record kind (fcgi/crud.h), or NULL */
};

/*
 * A public service (swgr-lnurl): no bearer token and no auth authority;
 * section is the struct swgr_lnurl_cfg; the responder opens no store (the
 * init hook opens what the service needs).
 */
#define SWGR_SERVICE_PUBLIC	0x1

/*
 * Service hooks, all optional.  init runs once after the configuration and
 * the log are ready and before any request, told the number of worker
 * threads that will serve; it returns SWGR_OK with *state
 * set (handed to handlers as c->state and to fini at exit), or an error whose
 * message is logged at ERROR (startup fails, exit 1).  fini runs after the
 * last request.  pre runs before authentication and routing: it returns
 * true when it has answered the request itself (e.g. OPTIONS).  post runs on
 * every response before it is sent, whoever built it (handler, 404, 405,
 * 400): common headers and bodies.
 */
typedef enum swgr_rc swgr_service_init(const struct swgr_config *cfg, uint64_t threads,
		    void **state, struct swgr_err *err);
typedef void	 swgr_service_fini(void *state);
typedef bool	 swgr_service_pre(struct swgr_ctx *c);

/* What a responder is: its name, where its configuration lives, its routes. */
struct swgr_service {
	const char	*name;		/* "discovery": log target clf::<name>, realm and token audience */
	const char	*cfgname;	/* "discover": "<cfgname> service|store enabled but has no config" */
	size_t		 section;	/* offsetof(struct swgr_config, <its section>): swgr_admin_cfg, or swgr_lnurl_cfg if PUBLIC */
	size_t		 store;		/* offsetof(struct swgr_config, <its struct swgr_store_cfg>); not PUBLIC */
	unsigned	 roles;		/* SWGR_STORE_ROLE_* of that store */
	const struct swgr_route *routes;
	size_t		 nroutes;
	unsigned	 flags;		/* SWGR_SERVICE_* */
	swgr_service_init *init;
	swgr_service_fini *fini;
	swgr_service_pre *pre;
	swgr_handler	*post;
};

/* What a handler gets: the request, the response to fill and the service's resources. */
struct swgr_ctx {
	const struct swgr_service *svc;
	const struct swgr_config *cfg;
	const struct swgr_admin_cfg *section;	/* NULL for a PUBLIC service */
	struct swgr_store *store;		/* NULL for a PUBLIC service */
	struct swgr_req	*req;
	struct swgr_resp *resp;
	const char	*log_target;	/* "swgr::<name>", for the handlers' own messages */
	void		*state;		/* what the service's init hook made, or NULL */
	const void	*arg;		/* the arg of the route being answered */
};

/*
 * The whole life of a responder process: options (-c FILE, -l LEVEL,
 * -t THREADS, -s SOCKET, -M MODE, -G GROUP, -h, -V), configuration, log,
 * store, auth authority (neither for a PUBLIC service), the init hook,
 * worker threads accepting FastCGI requests on fd 0 (spawn-fcgi, web server)
 * or on the -s socket (a path, ":port" or "host:port"; a unix socket is made
 * mode -M, default 0660, group -G, and removed at exit), until SIGTERM,
 * SIGINT or SIGQUIT; SIGHUP reopens the log.  Requests in flight are
 * finished before exit.  Returns the process exit code: 0 after a clean
 * stop, 1 when startup failed (logged at ERROR), 2 for a usage error.
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
 * 4xx/5xx are logged).  A database store that cannot be reached
 * (SWGR_EUPSTREAM of a database, swgr_store_is_database) is 503 with
 * Retry-After: SWGR_DB_RETRY_AFTER_SECS and a plain-text body that says so
 * (the driver's details are in the log only); a remote admin service's is 502.
 */
#define SWGR_DB_RETRY_AFTER_SECS	"5"

void		 swgr_ctx_store_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err,
		    const char *location);
/* The answer of an admin request whose database cannot be reached: 503 (above). */
void		 swgr_ctx_db_unavailable(struct swgr_ctx *c, const struct swgr_err *err);

#endif
