/* The shared main of the responders: start-up (libswgr/daemon), store, auth authority, listener, workers, stop. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <openssl/evp.h>

#include "auth/token.h"
#include "core/activation.h"
#include "core/log.h"
#include "fcgi/responder_int.h"
#include "store/directory.h"

#define THREADS_DEFAULT	32
#define THREADS_MAX	4096
#define LISTEN_BACKLOG	1024
#define SOCKET_MODE_DEFAULT	0660	/* the web server's group may connect, others not */
#define STR(x)		#x
#define XSTR(x)		STR(x)
/* Access lines of 2xx/3xx answers reach the log file within this (swgr_log_buffer). */
#define RESPONDER_LOG_DELAY_MS	50

/* The responders' own options, beyond the daemons' common ones. */
static const struct swgr_daemon_opt options[] = {
	{ 't', "threads", "THREADS",
	    "  -t, --threads N       worker threads (default " XSTR(THREADS_DEFAULT) ")\n" },
	{ 's', "socket", "SOCKET",
	    "  -s, --socket SOCKET   listen on a unix socket path, :port or host:port\n"
	    "                        (default: the socket systemd passes (LISTEN_FDS),\n"
	    "                        else the socket on fd 0, as spawn-fcgi hands over)\n" },
	{ 'M', "socket-mode", "MODE",
	    "  -M, --socket-mode MODE\n"
	    "                        octal mode of the -s unix socket (default 0660)\n" },
	{ 'G', "socket-group", "GROUP",
	    "  -G, --socket-group GROUP\n"
	    "                        group of the -s unix socket, the web server's\n"
	    "                        (default: the process's own group)\n" },
};

/* -M: an octal mode of at most 0777 (setuid and sticky bits mean nothing on a socket). */
static bool
socket_mode(struct app *app, const char *prog, const char *value)
{
	unsigned long mode;
	char *end;

	errno = 0;
	mode = strtoul(value, &end, 8);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || mode > 0777) {
		fprintf(stderr, "%s: -M wants an octal mode 0000..0777, not '%s'\n", prog, value);
		return false;
	}
	app->sock_mode = (mode_t)mode;
	app->has_sock_mode = true;
	return true;
}

/* -G: a group name, or a number, that the system knows. */
static bool
socket_group(struct app *app, const char *prog, const char *value)
{
	struct group *gr;
	unsigned long gid;
	char *end;

	if ((gr = getgrnam(value)) != NULL) {
		app->sock_gid = gr->gr_gid;
		app->has_sock_gid = true;
		return true;
	}
	errno = 0;
	gid = strtoul(value, &end, 10);
	if (value[0] == '\0' || value[0] == '-' || *end != '\0' || errno != 0 ||
	    (gr = getgrgid((gid_t)gid)) == NULL) {
		fprintf(stderr, "%s: -G: unknown group '%s'\n", prog, value);
		return false;
	}
	app->sock_gid = gr->gr_gid;
	app->has_sock_gid = true;
	return true;
}

static bool
option(void *arg, const char *prog, int ch, const char *value)
{
	struct app *app = arg;
	unsigned long threads;
	char *end;

	if (ch == 's') {
		app->sock = value;
		return true;
	}
	if (ch == 'M')
		return socket_mode(app, prog, value);
	if (ch == 'G')
		return socket_group(app, prog, value);
	errno = 0;
	threads = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || threads < 1 || threads > THREADS_MAX) {
		fprintf(stderr, "%s: -t wants 1..%d threads\n", prog, THREADS_MAX);
		return false;
	}
	app->threads = threads;
	return true;
}

/*
 * libfcgi closes every connection it does not keep by shutting down its send
 * side and then waiting, in the worker thread, until the web server closes
 * its end or 2 s pass (OS_Close: against a TCP reset discarding the answer).
 * Behind nginx without fastcgi_keep_conn that is every request: measured
 * with the bench (BENCH_FAULTS=1), a third to two thirds of the threads sat
 * there, waiting for nginx, while connections queued in the listen backlog.
 * On a unix socket there is no reset to fear (unread data there never
 * discards what the peer has not read yet), so the wait is cut to a drain of
 * what has already arrived: LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0, read by
 * FCGX_Init, unless it is set already.  TCP listeners keep libfcgi's default.
 */
static void
no_close_wait_on_unix_socket(const struct app *app)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	bool unix_sock;

	if (app->sock != NULL)
		unix_sock = strchr(app->sock, ':') == NULL;
	else
		unix_sock = getsockname(app->activated ? SWGR_ACTIVATION_FD : 0,
		    (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX;
	if (unix_sock)
		setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "0", 0);
}

/*
 * Without -s: the socket systemd passed, if it did (LISTEN_PID, LISTEN_FDS;
 * unset here, before any thread starts, since setenv and getenv do not mix
 * across threads).  A wrong environment is refused (logged): exit 1.
 */
static bool
take_activation(struct app *app)
{
	struct swgr_err err = { 0 };
	int fd;

	if (app->sock != NULL)
		return true;
	if (swgr_activation_take(&fd, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "%s", err.msg);
		return false;
	}
	app->activated = fd != -1;
	return true;
}

static bool
open_listener(struct app *app)
{
	const char *sock = app->sock;
	mode_t old_mask;

	if (sock == NULL && app->activated) {
		app->listen_fd = SWGR_ACTIVATION_FD;
		app->inherited = true;
		if (app->has_sock_mode || app->has_sock_gid)
			swgr_log(SWGR_LOG_WARN, app->target, "-M and -G apply to a -s socket only: "
			    "the socket systemd passed keeps the mode and group of its .socket "
			    "unit (SocketMode=, SocketGroup=)");
		swgr_log(SWGR_LOG_INFO, app->target, "%s service listening on the socket "
		    "passed by the service manager (LISTEN_FDS, fd %d)", app->svc->name,
		    SWGR_ACTIVATION_FD);
		return true;
	}
	if (sock == NULL) {
		if (FCGX_IsCGI()) {
			swgr_log(SWGR_LOG_ERROR, app->target, "fd 0 is not a FastCGI listening "
			    "socket: run under spawn-fcgi, a web server or a systemd .socket "
			    "unit, or give -s SOCKET");
			return false;
		}
		app->listen_fd = 0;
		app->inherited = true;
		if (app->has_sock_mode || app->has_sock_gid)
			swgr_log(SWGR_LOG_WARN, app->target, "-M and -G apply to a -s socket only: "
			    "the socket on fd 0 keeps the mode and group its maker gave it "
			    "(spawn-fcgi -M, -G)");
		swgr_log(SWGR_LOG_INFO, app->target, "%s service listening on the socket "
		    "handed over on fd 0", app->svc->name);
		return true;
	}
	/*
	 * The backlog holds the connections no worker has taken yet; a web
	 * server's connect fails (502) when it is full.  1024, as spawn-fcgi's
	 * default: a burst beyond the workers waits for one, or for the quick
	 * 503 of the invoice bulkhead, instead of failing.
	 */
	/*
	 * A unix socket is made 0600 (the umask while it is bound), then given
	 * its group and mode: no moment where another user may connect.
	 */
	old_mask = umask(0177);
	app->listen_fd = FCGX_OpenSocket(sock, LISTEN_BACKLOG);
	umask(old_mask);
	if (app->listen_fd < 0) {
		swgr_log(SWGR_LOG_ERROR, app->target, "binding FastCGI listener for %s service "
		    "to '%s' failed", app->svc->name, sock);
		return false;
	}
	if (strchr(sock, ':') == NULL) {
		if ((app->socket_path = strdup(sock)) == NULL)
			return false;
		if (app->has_sock_gid && chown(sock, (uid_t)-1, app->sock_gid) != 0) {
			swgr_log(SWGR_LOG_ERROR, app->target, "socket %s: chgrp to group %u: %s",
			    sock, (unsigned)app->sock_gid, strerror(errno));
			return false;
		}
		if (chmod(sock, app->sock_mode) != 0) {
			swgr_log(SWGR_LOG_ERROR, app->target, "socket %s: chmod %04o: %s", sock,
			    (unsigned)app->sock_mode, strerror(errno));
			return false;
		}
	}
	swgr_log(SWGR_LOG_INFO, app->target, "%s service listening on: %s", app->svc->name, sock);
	return true;
}

/* The service's section: present, and where its log keys are. */
static bool
section_present(struct app *app)
{
	const char *sec = (const char *)&app->d.cfg + app->svc->section;
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
	unsigned roles = svc->roles;

	scfg = (const struct swgr_store_cfg *)((const char *)&app->d.cfg + svc->store);
	/*
	 * An admin service reads node status (not its own) only from its
	 * database: over a remote admin service there is none to read, and no
	 * local status database is made for it.
	 */
	if (scfg->type == SWGR_STORE_HTTP && !(roles & SWGR_STORE_DDL(SWGR_STORE_ROLE_STATUS)))
		roles &= ~(unsigned)SWGR_STORE_ROLE_STATUS;
	if (swgr_store_open(scfg, app->d.cfg.path, roles, &app->store, &err) != SWGR_OK) {
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

/* -n: a store the service opens, read as its open would read it. */
static bool
check_store(struct app *app, const struct swgr_store_cfg *scfg, const char *cfgname)
{
	struct swgr_err err = { 0 };
	char what[64];

	snprintf(what, sizeof(what), "%s store", cfgname);
	if (!swgr_daemon_need(&app->d, scfg->type != SWGR_STORE_NONE, what))
		return false;
	if (swgr_store_check(scfg, &err) != SWGR_OK)
		return swgr_daemon_problem(&app->d, "configuration file '%s': store.%s: %s",
		    app->d.config, cfgname, err.msg);
	return true;
}

/* -n: the public service's address directory, when it has one. */
static bool
check_directory(struct app *app)
{
	const struct swgr_config *cfg = &app->d.cfg;
	const struct swgr_ldap_cfg *d = &cfg->address_directory;
	struct swgr_err err = { 0 };
	size_t i;

	if (!d->present)
		return true;
	if (swgr_directory_check(d, &err) != SWGR_OK)
		return swgr_daemon_problem(&app->d, "configuration file '%s': %s", app->d.config,
		    err.msg);
	for (i = 0; i < cfg->lnurl.npartitions; i++)
		if (strcmp(cfg->lnurl.partitions[i], d->partition) == 0)
			return true;
	return swgr_daemon_problem(&app->d, "configuration file '%s': store.address-directory."
	    "partition: '%s' is not one of lnurl-service.partitions: its addresses would not "
	    "be served", app->d.config, d->partition);
}

/*
 * -n: what start checks, and the stores of the public service's init hook,
 * without opening the log, a database or a node.
 */
static bool
check(struct app *app)
{
	const struct swgr_service *svc = app->svc;
	const struct swgr_config *cfg = &app->d.cfg;
	struct swgr_err err = { 0 };
	char what[64];

	snprintf(what, sizeof(what), "%s service", svc->cfgname);
	if (!swgr_daemon_need(&app->d, section_present(app), what))
		return false;
	if (svc->flags & SWGR_SERVICE_PUBLIC)
		return check_store(app, &cfg->store_offer, "offer") &&
		    check_store(app, &cfg->store_discover, "discover") && check_directory(app);
	if (!check_store(app, (const struct swgr_store_cfg *)((const char *)cfg + svc->store),
	    svc->cfgname))
		return false;
	if (swgr_token_load_public(app->section->auth_authority, &app->key, &err) != SWGR_OK)
		return swgr_daemon_problem(&app->d, "configuration file '%s': %s-service."
		    "auth-authority: %s", app->d.config, svc->name, err.msg);
	return true;
}

/*
 * After the configuration: its sections, the log, store, authority, init
 * hook, in that order; errors are logged.
 */
static bool
start(struct app *app)
{
	const struct swgr_service *svc = app->svc;
	const struct swgr_store_cfg *scfg;
	struct swgr_err err = { 0 };
	char what[64];

	snprintf(what, sizeof(what), "%s service", svc->cfgname);
	if (!swgr_daemon_need(&app->d, section_present(app), what))
		return false;
	scfg = (const struct swgr_store_cfg *)((const char *)&app->d.cfg + svc->store);
	snprintf(what, sizeof(what), "%s store", svc->cfgname);
	if (!(svc->flags & SWGR_SERVICE_PUBLIC) &&
	    !swgr_daemon_need(&app->d, scfg->type != SWGR_STORE_NONE, what))
		return false;
	if (!swgr_daemon_log(&app->d, app->log))
		return false;
	if (!swgr_workers_metrics(app)) {
		swgr_log(SWGR_LOG_ERROR, app->target, "out of memory");
		return false;
	}
	if (swgr_log_buffer(RESPONDER_LOG_DELAY_MS, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "%s", err.msg);
		return false;
	}
	if (!(svc->flags & SWGR_SERVICE_PUBLIC) && !start_admin(app))
		return false;
	if (svc->init != NULL) {
		if (svc->init(&app->d.cfg, app->threads, &app->state, &err) != SWGR_OK) {
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
	if (app->socket_path != NULL) {
		close(app->listen_fd);
		unlink(app->socket_path);
		free(app->socket_path);
	}
	free(app->workers);
	free(app->req_count);
	free(app->req_time);
	pthread_mutex_destroy(&app->mu);
}

int
swgr_responder_main(int argc, char *argv[], const struct swgr_service *svc)
{
	char name[64], starting[96];
	struct app app;
	int code;

	memset(&app, 0, sizeof(app));
	app.svc = svc;
	app.listen_fd = -1;
	app.threads = THREADS_DEFAULT;
	app.sock_mode = SOCKET_MODE_DEFAULT;
	snprintf(app.target, sizeof(app.target), "swgr::%s", svc->name);
	snprintf(name, sizeof(name), "swgr-%s", svc->name);
	app.d.name = name;
	app.d.target = app.target;
	app.d.opts = options;
	app.d.nopts = sizeof(options) / sizeof(options[0]);
	app.d.opt = option;
	app.d.arg = &app;
	if ((code = swgr_daemon_options(&app.d, argc, argv)) >= 0)
		return code;
	code = 1;
	pthread_mutex_init(&app.mu, NULL);

	/* Termination signals and SIGHUP go to swgr_daemon_wait; workers never see them. */
	snprintf(starting, sizeof(starting), "starting %s service", svc->name);
	if (!swgr_daemon_start(&app.d, starting))
		goto out;
	if (app.d.check) {
		code = check(&app) ? swgr_daemon_checked(&app.d) : 1;
		goto out;
	}
	if (!take_activation(&app) || !start(&app))
		goto out;
	no_close_wait_on_unix_socket(&app);
	if (FCGX_Init() != 0) {
		swgr_log(SWGR_LOG_ERROR, app.target, "FCGX_Init failed");
		goto out;
	}
	if (!open_listener(&app))
		goto out;
	if (swgr_workers_start(&app, app.threads)) {
		while (!swgr_daemon_wait(&app.d, -1))
			;
		code = 0;
	}
	swgr_workers_stop(&app);
out:
	app_free(&app);
	return swgr_daemon_end(&app.d, code, "server terminated clean");
}
