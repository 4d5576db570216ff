/* The shared main of the responders: options, configuration, worker threads, signals, auth, routing. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <openssl/evp.h>

#include "core/log.h"
#include "fcgi/responder.h"
#include "auth/token.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define THREADS_DEFAULT	32
#define THREADS_MAX	4096
#define WAKE_SIG	(SIGRTMIN + 1)	/* interrupts idle workers at shutdown */
/* Access lines of 2xx/3xx answers reach the log file within this (swgr_log_buffer). */
#define RESPONDER_LOG_DELAY_MS	50

struct worker {
	pthread_t	 th;
	struct app	*app;
	bool		 idle;		/* in FCGX_Accept_r; under app->mu */
	bool		 done;		/* under app->mu */
};

/* Everything a running responder holds; freed by app_free. */
struct app {
	const struct swgr_service *svc;
	struct swgr_config cfg;
	bool		 cfg_loaded;
	const struct swgr_admin_cfg *section;	/* NULL for a PUBLIC service */
	const struct swgr_log_cfg *log;		/* the service section's log keys */
	struct swgr_store *store;
	EVP_PKEY	*key;
	void		*state;		/* from svc->init */
	bool		 inited;
	int		 listen_fd;
	char		*socket_path;	/* unix socket we made, removed at exit */
	pthread_mutex_t	 mu;
	bool		 stop;		/* under mu */
	struct worker	*workers;
	size_t		 nworkers;
	char		 target[64];	/* log target of our own messages */
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-c FILE] [-l LEVEL] [-t THREADS] [-s SOCKET] [-h] [-V]\n"
	    "  -c, --config FILE     configuration (default " SYSCONFDIR "/swgr/config.yaml)\n"
	    "  -l, --log-level LEVEL off|error|warn|info|debug|trace (overrides the config)\n"
	    "  -t, --threads N       worker threads (default %d)\n"
	    "  -s, --socket SOCKET   listen on a unix socket path, :port or host:port\n"
	    "                        (default: the socket on fd 0, as spawn-fcgi hands over)\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         the version\n", prog, THREADS_DEFAULT);
}

/* ---- per request ---- */

void
swgr_health(struct swgr_ctx *c)
{
	c->resp->status = 200;
}

bool
swgr_ctx_body(struct swgr_ctx *c, const char **text, size_t *len)
{
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!swgr_ctype_is_json(swgr_req_param(c->req, "CONTENT_TYPE"))) {
		swgr_resp_reset(c->resp, 415);
		return false;
	}
	if ((rc = swgr_req_body(c->req, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return false;
	}
	*text = c->req->body;
	*len = c->req->body_len;
	return true;
}

void
swgr_ctx_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err)
{
	int status = swgr_err_http_status(rc);

	swgr_resp_reset(c->resp, status);
	swgr_log(status >= 500 ? SWGR_LOG_ERROR : SWGR_LOG_INFO, c->log_target,
	    "%s %s: %d: %s", c->req->method, c->req->path, status,
	    err != NULL && err->msg[0] != '\0' ? err->msg : swgr_rc_name(rc));
}

void
swgr_ctx_store_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err,
    const char *location)
{
	int status = swgr_err_http_status(rc);

	swgr_resp_reset(c->resp, status);
	if (rc == SWGR_NOTFOUND)
		return;
	if (rc == SWGR_CONFLICT) {
		if (location != NULL)
			swgr_resp_header(c->resp, "Location", location);
		return;
	}
	swgr_log(SWGR_LOG_ERROR, c->log_target, "%s %s: %d: store: %s", c->req->method,
	    c->req->path, status,
	    err != NULL && err->msg[0] != '\0' ? err->msg : swgr_rc_name(rc));
}

/*
 * The bearer check of spec §6: "Bearer" (any case), one space, a token that
 * verifies for our audience.  On refusal sets the 401 and returns false.
 */
static bool
authorised(const struct app *app, struct swgr_ctx *c)
{
	const char *h = swgr_req_param(c->req, "HTTP_AUTHORIZATION"), *tok;
	struct swgr_err err = { 0 };
	char www[128];
	int64_t exp;

	if (h == NULL || strlen(h) <= 7 || strncasecmp(h, "Bearer ", 7) != 0 ||
	    !swgr_hdr_value_ok(h)) {
		snprintf(www, sizeof(www), "Bearer realm=\"%s\"", app->svc->name);
		goto refuse;
	}
	tok = h + 7;
	if (*tok != ' ' && *tok != '\t' &&
	    swgr_token_verify(app->key, app->svc->name, tok, strlen(tok),
	    (int64_t)time(NULL), &exp, &err) == SWGR_OK)
		return true;
	swgr_log(SWGR_LOG_INFO, app->target, "token refused: %s",
	    err.msg[0] != '\0' ? err.msg : "malformed");
	snprintf(www, sizeof(www), "Bearer realm=\"%s\", error=\"invalid_token\"",
	    app->svc->name);
refuse:
	swgr_resp_reset(c->resp, 401);
	swgr_resp_header(c->resp, "WWW-Authenticate", www);
	return false;
}

static void
allow_header(struct swgr_resp *resp, unsigned methods)
{
	static const struct { unsigned bit; const char *name; } tab[] = {
		{ SWGR_M_GET, "GET" }, { SWGR_M_HEAD, "HEAD" }, { SWGR_M_POST, "POST" },
		{ SWGR_M_PUT, "PUT" }, { SWGR_M_PATCH, "PATCH" }, { SWGR_M_DELETE, "DELETE" },
	};
	struct swgr_buf b = { 0 };
	size_t i;

	if (methods & SWGR_M_GET)
		methods |= SWGR_M_HEAD;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!(methods & tab[i].bit))
			continue;
		if (b.len > 0)
			swgr_buf_putc(&b, ',');
		swgr_buf_puts(&b, tab[i].name);
	}
	if (swgr_buf_ok(&b) && b.len > 0)
		swgr_resp_header(resp, "Allow", b.p);
	else
		resp->bad = true;
	swgr_buf_free(&b);
}

/*
 * Auth first (spec §4, §6: only a public route's own methods skip it, so
 * POST /health without a token is 401), then the routing table: the
 * handler, 405 with Allow, or 404.
 */
static void
dispatch(const struct app *app, struct swgr_ctx *c)
{
	const struct swgr_service *svc = app->svc;
	const struct swgr_route *rt = NULL;
	unsigned want, allowed = 0;
	size_t i;

	want = c->req->mbit == SWGR_M_HEAD ? SWGR_M_GET : c->req->mbit;
	for (i = 0; i < svc->nroutes; i++) {
		if (!swgr_req_match(c->req, svc->routes[i].pattern))
			continue;
		allowed |= svc->routes[i].methods;
		if (rt == NULL && (svc->routes[i].methods & want))
			rt = &svc->routes[i];
	}
	if ((rt == NULL || !(rt->flags & SWGR_ROUTE_PUBLIC)) &&
	    !(svc->flags & SWGR_SERVICE_PUBLIC) && !authorised(app, c))
		return;
	if (c->req->path_rc != SWGR_OK) {
		swgr_resp_reset(c->resp, 400);
		return;
	}
	if (rt != NULL) {
		rt->fn(c);
		return;
	}
	if (allowed == 0) {
		swgr_resp_reset(c->resp, 404);
		return;
	}
	swgr_resp_reset(c->resp, 405);
	allow_header(c->resp, allowed);
}

/* One request; resp is the worker's, fresh, and left fresh for the next one. */
static void
serve(struct app *app, FCGX_Request *fr, struct swgr_resp *resp)
{
	struct swgr_req req;
	struct swgr_ctx c = {
		.svc = app->svc, .cfg = &app->cfg, .section = app->section,
		.store = app->store, .req = &req, .resp = resp,
		.log_target = app->target, .state = app->state,
	};

	if (swgr_req_init(&req, fr->envp, fr->in) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "out of memory reading a request");
		swgr_resp_reset(resp, 500);
	} else if (app->svc->pre == NULL || !app->svc->pre(&c))
		dispatch(app, &c);
	if (app->svc->post != NULL)
		app->svc->post(&c);
	if (!swgr_resp_send(resp, req.mbit == SWGR_M_HEAD, fr->out))
		swgr_log(SWGR_LOG_DEBUG, app->target, "response to %s %s not delivered",
		    req.method, req.target ? req.target : "-");
	swgr_log_access(app->svc->name, req.client_ip[0] ? req.client_ip : "-",
	    req.method[0] ? req.method : "-", req.target ? req.target : "-",
	    req.protocol ? req.protocol : "-", resp->status);
	swgr_req_free(&req);
	swgr_resp_recycle(resp);
}

/* ---- workers and signals ---- */

static void
wake(int sig)
{
	(void)sig;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct app *app = w->app;
	struct swgr_resp resp;
	FCGX_Request fr;
	bool stop;
	int rc;

	/*
	 * FCGI_FAIL_ACCEPT_ON_INTR: without it libfcgi retries an accept that
	 * WAKE_SIG interrupted, and a worker on spawn-fcgi's shared fd 0 (never
	 * shut down) would wait there forever at SIGTERM.
	 */
	swgr_resp_init(&resp);
	if (FCGX_InitRequest(&fr, app->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		swgr_log(SWGR_LOG_ERROR, app->target, "FCGX_InitRequest failed");
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&app->mu);
		if (!(stop = app->stop))
			w->idle = true;
		pthread_mutex_unlock(&app->mu);
		if (stop)
			break;
		rc = FCGX_Accept_r(&fr);
		pthread_mutex_lock(&app->mu);
		w->idle = false;
		stop = app->stop;
		pthread_mutex_unlock(&app->mu);
		if (rc < 0) {
			if (stop)
				break;
			if (rc == -EINTR)
				continue;
			swgr_log(SWGR_LOG_ERROR, app->target, "FCGX_Accept_r: %s",
			    rc > -1000 ? strerror(-rc) : "protocol error");
			nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
			continue;
		}
		serve(app, &fr, &resp);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
out:
	swgr_resp_free(&resp);
	pthread_mutex_lock(&app->mu);
	w->done = true;
	pthread_mutex_unlock(&app->mu);
	return NULL;
}

/*
 * Stops the workers: no new accept, requests in flight finish.  A worker
 * blocked in accept or on an idle kept-alive connection is interrupted with
 * WAKE_SIG, repeatedly, since it may have been between its check and the
 * blocking call.  The listening socket is shut down only if it is ours: fd 0
 * may be shared with the other children of spawn-fcgi -F.
 *
 * FCGX_ShutdownPending is not called: with it, libfcgi's OS_Accept leaves its
 * accept loop with the descriptor of a connection it has just closed (one
 * whose first bytes WAKE_SIG kept it from waiting for) and waits on that
 * stale number again and again, so a worker never returned at SIGTERM under
 * load.  Without it, the interrupted accept returns EINTR, or EINVAL on our
 * shut-down socket.
 */
static void
stop_workers(struct app *app)
{
	bool all;
	size_t i;

	pthread_mutex_lock(&app->mu);
	app->stop = true;
	pthread_mutex_unlock(&app->mu);
	if (app->socket_path != NULL || app->listen_fd != 0)
		shutdown(app->listen_fd, SHUT_RDWR);
	for (;;) {
		all = true;
		pthread_mutex_lock(&app->mu);
		for (i = 0; i < app->nworkers; i++) {
			if (app->workers[i].done)
				continue;
			all = false;
			if (app->workers[i].idle)
				pthread_kill(app->workers[i].th, WAKE_SIG);
		}
		pthread_mutex_unlock(&app->mu);
		if (all)
			break;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	for (i = 0; i < app->nworkers; i++)
		pthread_join(app->workers[i].th, NULL);
}

/* Waits for signals until a termination signal; SIGHUP reopens the log. */
static void
signal_loop(struct app *app, const sigset_t *set)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			swgr_log_reopen();
			swgr_log(SWGR_LOG_INFO, app->target, "received signal: SIGHUP, log reopened");
			continue;
		}
		swgr_log(SWGR_LOG_INFO, app->target, "received signal: %s, terminating",
		    sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGQUIT");
		return;
	}
}

/* ---- startup ---- */

static bool
open_listener(struct app *app, const char *sock)
{
	if (sock == NULL) {
		if (FCGX_IsCGI()) {
			swgr_log(SWGR_LOG_ERROR, app->target, "fd 0 is not a FastCGI listening "
			    "socket: run under spawn-fcgi or a web server, or give -s SOCKET");
			return false;
		}
		app->listen_fd = 0;
		swgr_log(SWGR_LOG_INFO, app->target, "%s service listening on the socket "
		    "handed over on fd 0", app->svc->name);
		return true;
	}
	if ((app->listen_fd = FCGX_OpenSocket(sock, 128)) < 0) {
		swgr_log(SWGR_LOG_ERROR, app->target, "binding FastCGI listener for %s service "
		    "to '%s' failed", app->svc->name, sock);
		return false;
	}
	if (strchr(sock, ':') == NULL) {
		if ((app->socket_path = strdup(sock)) == NULL)
			return false;
		if (chmod(sock, 0666) != 0)
			swgr_log(SWGR_LOG_WARN, app->target, "chmod 0666 %s: %s", sock,
			    strerror(errno));
	}
	swgr_log(SWGR_LOG_INFO, app->target, "%s service listening on: %s", app->svc->name, sock);
	return true;
}

/* The service's section: present, and where its log keys are. */
static bool
section_present(struct app *app)
{
	const char *sec = (const char *)&app->cfg + app->svc->section;
	const struct swgr_lnurl_cfg *lcfg;

	if (app->svc->flags & SWGR_SERVICE_PUBLIC) {
		lcfg = (const struct swgr_lnurl_cfg *)sec;
		app->log = &lcfg->log;
		return lcfg->present;
	}
	app->section = (const struct swgr_admin_cfg *)sec;
	app->log = &app->section->log;
	return app->section->present;
}

/* The admin services' store and auth authority; errors are logged. */
static bool
start_admin(struct app *app)
{
	const struct swgr_service *svc = app->svc;
	const struct swgr_store_cfg *scfg;
	struct swgr_err err = { 0 };

	scfg = (const struct swgr_store_cfg *)((const char *)&app->cfg + svc->store);
	if (swgr_store_open(scfg, app->cfg.path, svc->roles, &app->store, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "opening the %s store: %s", svc->cfgname,
		    err.msg);
		return false;
	}
	if (swgr_token_load_public(app->section->auth_authority, &app->key, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "reading the auth authority of the %s "
		    "service: %s", svc->name, err.msg);
		return false;
	}
	return true;
}

/* Configuration, log, store, authority, init hook, in that order; errors are logged. */
static bool
start(struct app *app, const char *config, bool has_level, enum swgr_log_level level)
{
	const struct swgr_service *svc = app->svc;
	const struct swgr_store_cfg *scfg;
	struct swgr_err err = { 0 };

	swgr_log(SWGR_LOG_INFO, app->target, "loading configuration file: %s", config);
	if (swgr_config_load(config, &app->cfg, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "%s", err.msg);
		return false;
	}
	app->cfg_loaded = true;
	swgr_log(SWGR_LOG_INFO, app->target, "configuration loaded successfully: %s", config);
	if (!section_present(app)) {
		swgr_log(SWGR_LOG_ERROR, app->target, "%s service enabled but has no config",
		    svc->cfgname);
		return false;
	}
	scfg = (const struct swgr_store_cfg *)((const char *)&app->cfg + svc->store);
	if (!(svc->flags & SWGR_SERVICE_PUBLIC) && scfg->type == SWGR_STORE_NONE) {
		swgr_log(SWGR_LOG_ERROR, app->target, "%s store enabled but has no config",
		    svc->cfgname);
		return false;
	}
	if (!has_level)
		level = app->log->has_log_level ? app->log->log_level : SWGR_LOG_INFO;
	if (swgr_log_open(app->log->log_file, level, &err) != SWGR_OK ||
	    swgr_log_buffer(RESPONDER_LOG_DELAY_MS, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "%s", err.msg);
		return false;
	}
	if (!(svc->flags & SWGR_SERVICE_PUBLIC) && !start_admin(app))
		return false;
	if (svc->init != NULL) {
		if (svc->init(&app->cfg, &app->state, &err) != SWGR_OK) {
			swgr_log(SWGR_LOG_ERROR, app->target, "%s", err.msg);
			return false;
		}
		app->inited = true;
	}
	return true;
}

static void
app_free(struct app *app)
{
	if (app->inited && app->svc->fini != NULL)
		app->svc->fini(app->state);
	if (app->store != NULL)
		swgr_store_close(app->store);
	EVP_PKEY_free(app->key);
	if (app->cfg_loaded)
		swgr_config_free(&app->cfg);
	if (app->socket_path != NULL) {
		close(app->listen_fd);
		unlink(app->socket_path);
		free(app->socket_path);
	}
	free(app->workers);
	pthread_mutex_destroy(&app->mu);
}

static bool
spawn_workers(struct app *app, size_t n)
{
	size_t i;
	int rc;

	if ((app->workers = calloc(n, sizeof(*app->workers))) == NULL)
		return false;
	for (i = 0; i < n; i++) {
		app->workers[i].app = app;
		rc = pthread_create(&app->workers[i].th, NULL, worker_main, &app->workers[i]);
		if (rc != 0) {
			swgr_log(SWGR_LOG_ERROR, app->target, "starting worker thread %zu: %s",
			    i + 1, strerror(rc));
			break;
		}
		app->nworkers++;
	}
	return app->nworkers == n;
}

int
swgr_responder_main(int argc, char *argv[], const struct swgr_service *svc)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = SYSCONFDIR "/swgr/config.yaml", *sock = NULL;
	enum swgr_log_level level = SWGR_LOG_INFO;
	struct sigaction sa;
	struct swgr_err err = { 0 };
	struct app app;
	bool has_level = false;
	unsigned long threads = THREADS_DEFAULT;
	sigset_t set;
	char *end;
	int ch, code = 1;

	while ((ch = getopt_long(argc, argv, "c:l:t:s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			if (!swgr_log_level_parse(optarg, &level)) {
				fprintf(stderr, "%s: unknown log level '%s'\n", argv[0], optarg);
				return 2;
			}
			has_level = true;
			break;
		case 't':
			errno = 0;
			threads = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || threads < 1 || threads > THREADS_MAX) {
				fprintf(stderr, "%s: -t wants 1..%d threads\n", argv[0], THREADS_MAX);
				return 2;
			}
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("swgr-%s %s\n", svc->name, PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	memset(&app, 0, sizeof(app));
	app.svc = svc;
	app.listen_fd = -1;
	pthread_mutex_init(&app.mu, NULL);
	snprintf(app.target, sizeof(app.target), "swgr::%s", svc->name);

	/* Signals: termination and SIGHUP go to signal_loop; workers never see them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = wake;		/* no SA_RESTART: blocking calls return EINTR */
	sigaction(WAKE_SIG, &sa, NULL);

	if (swgr_log_open(NULL, has_level ? level : SWGR_LOG_INFO, &err) != SWGR_OK) {
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		goto out;
	}
	swgr_log(SWGR_LOG_INFO, app.target, "starting %s service", svc->name);
	if (!start(&app, config, has_level, level))
		goto out;
	if (FCGX_Init() != 0) {
		swgr_log(SWGR_LOG_ERROR, app.target, "FCGX_Init failed");
		goto out;
	}
	if (!open_listener(&app, sock))
		goto out;
	if (spawn_workers(&app, threads)) {
		signal_loop(&app, &set);
		code = 0;
	}
	stop_workers(&app);
out:
	app_free(&app);
	if (code == 0)
		swgr_log(SWGR_LOG_INFO, app.target, "server terminated clean");
	swgr_log_close();
	return code;
}
