/*
 * Unary and server-streaming gRPC calls over gRPC core: channels that reconnect at once, deadlines, status mapping.
 * long: both kinds of call share the completion thread's hand-over, the connection's drop
 * and the error text; split, grpc_int.h would expose every one of them.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

#include "core/buf.h"
#include "net/grpc.h"
#include "net/grpc_int.h"
#include "core/log.h"
#include "net/trust.h"
#include "core/clock.h"
#include "core/endpoint.h"

/* One gRPC channel and the calls using it; freed when the last one lets go. */
struct conn {
	grpc_channel	*channel;
	int		 refs;
};

struct swgr_grpc_chan {
	pthread_mutex_t	 mu;
	struct conn	*cur;		/* the channel new calls use */
	char		*target;	/* the gRPC target: dns:///host:port, ipv4:a.b.c.d:port, ipv6:[..]:port */
	char		*hostport;	/* host:port, for the probe */
	char		*domain;	/* name override, or NULL */
	grpc_channel_credentials *creds;
	grpc_arg	 args[4];
	grpc_channel_args cargs;
	struct swgr_grpc_probe *probe;	/* TLS diagnosis, NULL without TLS */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/*
 * Every call completes on one completion queue, read by one thread of ours
 * (the driver), which hands each completion to the worker waiting for it.
 * With a queue per call, each of the 32 workers waiting in it took turns
 * polling the connections and woke the others (seven futex calls per RPC
 * under load); here the driver polls and wakes only the caller.
 */
struct pending {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 done;
};

static grpc_completion_queue *driver_cq;
static pthread_t driver_th;
static int	 driver_ok;

static void *
driver_main(void *arg)
{
	struct pending *p;
	grpc_event ev;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		ev = grpc_completion_queue_next(driver_cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return NULL;
		if (ev.type != GRPC_OP_COMPLETE || (p = ev.tag) == NULL)
			continue;
		pthread_mutex_lock(&p->mu);
		p->done = 1;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* gRPC core's own log lines go to our log: its errors at WARN, the rest at DEBUG. */
static void
log_line(gpr_log_func_args *a)
{
	const char *file = a->file != NULL ? strrchr(a->file, '/') : NULL;

	swgr_log(a->severity == GPR_LOG_SEVERITY_ERROR ? SWGR_LOG_WARN : SWGR_LOG_DEBUG, "grpc",
	    "%s (%s:%d)", a->message, file != NULL ? file + 1 : (a->file ? a->file : "?"),
	    a->line);
}

static void
init(void)
{
	gpr_set_log_function(log_line);
	/* GRPC_VERBOSITY, when set, wins; otherwise gRPC says as much as our log keeps. */
	if (getenv("GRPC_VERBOSITY") == NULL)
		gpr_set_log_verbosity(swgr_log_enabled(SWGR_LOG_DEBUG) ? GPR_LOG_SEVERITY_INFO :
		    GPR_LOG_SEVERITY_ERROR);
	grpc_init();
	if ((driver_cq = grpc_completion_queue_create_for_next(NULL)) != NULL)
		driver_ok = pthread_create(&driver_th, NULL, driver_main, NULL) == 0;
}

static void
pending_init(struct pending *p)
{
	pthread_mutex_init(&p->mu, NULL);
	swgr_mono_cond_init(&p->cv);
	p->done = 0;
}

/*
 * Waits for p until deadline (a GPR_CLOCK_MONOTONIC time), or for as long as
 * it takes when deadline is NULL; 0 if it did not come.  (A call cancelled
 * still completes: its pending must outlive that.)
 */
static int
pending_wait(struct pending *p, const gpr_timespec *deadline)
{
	struct timespec ts;
	int done;

	pthread_mutex_lock(&p->mu);
	if (deadline == NULL) {
		while (!p->done)
			pthread_cond_wait(&p->cv, &p->mu);
	} else {
		ts.tv_sec = deadline->tv_sec;
		ts.tv_nsec = deadline->tv_nsec;
		while (!p->done && pthread_cond_timedwait(&p->cv, &p->mu, &ts) != ETIMEDOUT)
			;
	}
	done = p->done;
	pthread_mutex_unlock(&p->mu);
	return done;
}

void
swgr_grpc_init(void)
{
	pthread_once(&init_once, init);
}

static const char *
status_name(int code)
{
	static const char *names[] = { "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
	    "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
	    "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
	    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED" };

	if (code >= 0 && (size_t)code < sizeof(names) / sizeof(names[0]))
		return names[code];
	return "UNKNOWN";
}

/*
 * The backend URL read strictly (core/endpoint.h): *target the gRPC target
 * of its one address (never a unix: socket or a list), *hostport the
 * authority the TLS probe dials, *tls the scheme.
 */
static enum swgr_rc
parse_url(const char *url, char **target, char **hostport, int *tls, struct swgr_err *err)
{
	struct swgr_endpoint ep;
	struct swgr_err e = { 0 };
	char t[SWGR_ENDPOINT_TARGET_MAX];

	if (swgr_endpoint_parse(url, &ep, &e) != SWGR_OK)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s", e.msg);
	*tls = ep.tls;
	swgr_endpoint_grpc_target(&ep, t, sizeof(t));
	if ((*target = strdup(t)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	swgr_endpoint_hostport(&ep, t, sizeof(t));
	if ((*hostport = strdup(t)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}

static struct conn *
conn_new(struct swgr_grpc_chan *ch)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->channel = grpc_channel_create(ch->target, ch->creds, &ch->cargs)) == NULL) {
		free(c);
		return NULL;
	}
	c->refs = 1;
	return c;
}

static struct conn *
conn_get(struct swgr_grpc_chan *ch)
{
	struct conn *c;

	pthread_mutex_lock(&ch->mu);
	if ((c = ch->cur) != NULL)
		c->refs++;
	pthread_mutex_unlock(&ch->mu);
	return c;
}

static void
conn_put(struct swgr_grpc_chan *ch, struct conn *c)
{
	int last;

	pthread_mutex_lock(&ch->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&ch->mu);
	if (last) {
		grpc_channel_destroy(c->channel);
		free(c);
	}
}

/*
 * The connection of c failed: later calls get a fresh channel, which connects
 * at once instead of waiting out gRPC's reconnect backoff (spec §9.2: "on any
 * RPC error the connection is dropped and re-opened on the next call").
 */
static void
conn_drop(struct swgr_grpc_chan *ch, struct conn *c)
{
	struct conn *fresh = NULL;

	pthread_mutex_lock(&ch->mu);
	if (ch->cur == c && (fresh = conn_new(ch)) != NULL) {
		ch->cur = fresh;
		c->refs--;		/* the channel's own reference; the caller still holds one */
	}
	pthread_mutex_unlock(&ch->mu);
}

static void
add_arg(struct swgr_grpc_chan *ch, const char *key, const char *s, int i)
{
	grpc_arg *a = &ch->args[ch->cargs.num_args++];

	a->key = (char *)key;
	if (s != NULL) {
		a->type = GRPC_ARG_STRING;
		a->value.string = (char *)s;
	} else {
		a->type = GRPC_ARG_INTEGER;
		a->value.integer = i;
	}
}

enum swgr_rc
swgr_grpc_chan_new(const char *url, const struct swgr_grpc_tls *tls,
    struct swgr_grpc_chan **out, struct swgr_err *err)
{
	static const struct swgr_grpc_tls none = { NULL, NULL, NULL, NULL, 0 };
	struct swgr_grpc_chan *ch;
	struct swgr_buf roots = { 0 };
	grpc_ssl_pem_key_cert_pair pair;
	int is_tls = 0;
	enum swgr_rc rc;

	*out = NULL;
	swgr_grpc_init();
	if (!driver_ok)
		return swgr_err_set(err, SWGR_EINTERNAL, "cannot start the gRPC completion thread");
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	pthread_mutex_init(&ch->mu, NULL);
	ch->cargs.args = ch->args;
	if ((rc = parse_url(url, &ch->target, &ch->hostport, &is_tls, err)) != SWGR_OK)
		goto fail;
	if (is_tls && tls == NULL)
		tls = &none;
	if (is_tls) {
		pair.private_key = tls->key;
		pair.cert_chain = tls->cert;
		/* The union is gRPC's only: the probe asks OpenSSL for the system store itself. */
		if (tls->system_roots) {
			swgr_trust_system_pem(&roots);
			if (tls->roots != NULL)
				swgr_buf_puts(&roots, tls->roots);
			swgr_buf_putc(&roots, '\0');
			if (!swgr_buf_ok(&roots)) {
				rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
				goto fail;
			}
		}
		ch->creds = grpc_ssl_credentials_create(roots.len > 1 ? roots.p : tls->roots,
		    tls->cert != NULL && tls->key != NULL ? &pair : NULL, NULL, NULL);
		swgr_buf_free(&roots);
		if (tls->domain != NULL && tls->domain[0] != '\0') {
			if ((ch->domain = strdup(tls->domain)) == NULL) {
				rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
				goto fail;
			}
			add_arg(ch, GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, ch->domain, 0);
		}
		if ((rc = swgr_grpc_probe_new(ch->hostport, tls, &ch->probe, err)) != SWGR_OK)
			goto fail;
	} else
		ch->creds = grpc_insecure_credentials_create();
	if (ch->creds == NULL) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "cannot make gRPC credentials for %s", url);
		goto fail;
	}
	/* Our own subchannel: a fresh channel must not inherit a shared one's backoff. */
	add_arg(ch, GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, NULL, 1);
	/* Fail fast while a node is down: the balancer tries the next one. */
	add_arg(ch, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, NULL, 1000);
	if ((ch->cur = conn_new(ch)) == NULL) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "cannot create a gRPC channel to %s", url);
		goto fail;
	}
	*out = ch;
	return SWGR_OK;
fail:
	swgr_grpc_chan_free(ch);
	return rc;
}

void
swgr_grpc_chan_free(struct swgr_grpc_chan *ch)
{
	if (ch == NULL)
		return;
	if (ch->cur != NULL)
		conn_put(ch, ch->cur);
	if (ch->creds != NULL)
		grpc_channel_credentials_release(ch->creds);
	swgr_grpc_probe_free(ch->probe);
	pthread_mutex_destroy(&ch->mu);
	free(ch->domain);
	free(ch->target);
	free(ch->hostport);
	free(ch);
}

static gpr_timespec
deadline_after(double secs)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_micros((int64_t)(secs * 1e6), GPR_TIMESPAN));
}

/* Seconds left until deadline (a GPR_CLOCK_MONOTONIC time), 0 if past. */
static double
secs_left(gpr_timespec deadline)
{
	gpr_timespec d = gpr_time_sub(deadline, gpr_now(GPR_CLOCK_MONOTONIC));
	double s = (double)d.tv_sec + d.tv_nsec / 1e9;

	return s > 0 ? s : 0;
}

static enum swgr_rc
read_message(grpc_byte_buffer *bb, uint8_t **resp, size_t *resplen, struct swgr_err *err)
{
	grpc_byte_buffer_reader reader;
	grpc_slice slice;
	struct swgr_buf b = { 0 };

	if (!grpc_byte_buffer_reader_init(&reader, bb))
		return swgr_err_set(err, SWGR_EUPSTREAM, "cannot read the gRPC reply");
	while (grpc_byte_buffer_reader_next(&reader, &slice)) {
		swgr_buf_put(&b, GRPC_SLICE_START_PTR(slice), GRPC_SLICE_LENGTH(slice));
		grpc_slice_unref(slice);
	}
	grpc_byte_buffer_reader_destroy(&reader);
	if ((*resp = (uint8_t *)swgr_buf_take(&b, resplen)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}

/*
 * The error of a failed call: status, the server's or gRPC's details and,
 * when the connection itself failed over TLS, what a direct TLS handshake
 * says about it (gRPC only says "Socket closed" when a node refuses our
 * client certificate).
 */
static enum swgr_rc
call_error(struct swgr_grpc_chan *ch, const char *method, grpc_status_code code,
    const char *details, int conn_failed, gpr_timespec deadline, struct swgr_err *err)
{
	static const char noise[] = "failed to connect to all addresses; last error: ";
	char why[256] = "";
	enum swgr_rc rc;

	rc = (code == GRPC_STATUS_INVALID_ARGUMENT || code == GRPC_STATUS_OUT_OF_RANGE ||
	    code == GRPC_STATUS_ALREADY_EXISTS) ? SWGR_EINVAL : SWGR_EUPSTREAM;
	if (strncmp(details, noise, sizeof(noise) - 1) == 0)
		details += sizeof(noise) - 1;
	if (conn_failed && ch->probe != NULL && code == GRPC_STATUS_UNAVAILABLE &&
	    strstr(details, "Connection refused") == NULL)
		swgr_grpc_probe_run(ch->probe, secs_left(deadline), why, sizeof(why));
	if (why[0] != '\0')
		return swgr_err_set(err, rc, "%s: gRPC status %d %s: %s (gRPC says: %s)",
		    method, (int)code, status_name((int)code), why, details);
	return swgr_err_set(err, rc, "%s: gRPC status %d %s: %s", method, (int)code,
	    status_name((int)code), details);
}

/*
 * The first four ops of a call: its metadata (meta filled from md), the
 * request req, the close from our side and the receipt of the server's
 * initial metadata (initial_md initialised); the request's buffer returned.
 */
static grpc_byte_buffer *
send_ops(grpc_op ops[4], grpc_metadata *meta, const struct swgr_grpc_md *md, size_t nmd,
    const uint8_t *req, size_t reqlen, grpc_metadata_array *initial_md)
{
	grpc_byte_buffer *send_bb;
	grpc_slice req_slice;
	size_t i;

	for (i = 0; i < nmd; i++) {
		meta[i].key = grpc_slice_from_static_string(md[i].key);
		meta[i].value = grpc_slice_from_copied_string(md[i].value);
	}
	req_slice = grpc_slice_from_copied_buffer((const char *)req, reqlen);
	send_bb = grpc_raw_byte_buffer_create(&req_slice, 1);
	grpc_slice_unref(req_slice);
	grpc_metadata_array_init(initial_md);
	memset(ops, 0, 4 * sizeof(ops[0]));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = nmd;
	ops[0].data.send_initial_metadata.metadata = nmd ? meta : NULL;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send_bb;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = initial_md;
	return send_bb;
}

enum swgr_rc
swgr_grpc_unary(struct swgr_grpc_chan *ch, const char *method,
    const struct swgr_grpc_md *md, size_t nmd, const uint8_t *req, size_t reqlen,
    double timeout_secs, uint8_t **resp, size_t *resplen, int *status,
    struct swgr_err *err)
{
	struct pending pend;
	grpc_call *call;
	grpc_metadata meta[4];
	grpc_metadata_array initial_md, trailing_md;
	grpc_byte_buffer *send_bb, *recv_bb = NULL;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice(), method_slice;
	const char *error_string = NULL;
	grpc_op ops[6];
	gpr_timespec deadline, net;
	struct conn *conn;
	enum swgr_rc rc;
	size_t i;
	int conn_failed = 0;

	*resp = NULL;
	*resplen = 0;
	*status = GRPC_STATUS_UNKNOWN;
	if (nmd > sizeof(meta) / sizeof(meta[0]))
		return swgr_err_set(err, SWGR_EINTERNAL, "too much gRPC metadata");
	if ((conn = conn_get(ch)) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s: no gRPC channel", method);
	deadline = deadline_after(timeout_secs);
	pending_init(&pend);
	method_slice = grpc_slice_from_static_string(method);
	call = grpc_channel_create_call(conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS, driver_cq,
	    method_slice, NULL, deadline, NULL);
	send_bb = send_ops(ops, meta, md, nmd, req, reqlen, &initial_md);
	grpc_metadata_array_init(&trailing_md);
	memset(&ops[4], 0, 2 * sizeof(ops[0]));
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv_bb;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
	ops[5].data.recv_status_on_client.status = &code;
	ops[5].data.recv_status_on_client.status_details = &details;
	ops[5].data.recv_status_on_client.error_string = &error_string;

	if (grpc_call_start_batch(call, ops, 6, &pend, NULL) != GRPC_CALL_OK) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "%s: cannot start the gRPC call", method);
		goto out;
	}
	/* The call's own deadline ends the batch; the extra second is a safety net. */
	net = gpr_time_add(deadline, gpr_time_from_seconds(1, GPR_TIMESPAN));
	if (!pending_wait(&pend, &net)) {
		grpc_call_cancel(call, NULL);
		pending_wait(&pend, NULL);
		code = GRPC_STATUS_DEADLINE_EXCEEDED;
	}
	*status = (int)code;
	if (code == GRPC_STATUS_OK) {
		if (recv_bb == NULL)
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "%s: empty reply", method);
		else
			rc = read_message(recv_bb, resp, resplen, err);
		goto out;
	}
	/*
	 * UNAVAILABLE or a deadline on a channel that is not connected: the
	 * connection failed or is still being made (node down, TLS refused, a
	 * peer that never answers the handshake), not the node's answer.  The
	 * next call starts afresh, so connecting is bounded by the call's
	 * deadline too (spec §9.2).
	 */
	if ((code == GRPC_STATUS_UNAVAILABLE || code == GRPC_STATUS_DEADLINE_EXCEEDED) &&
	    grpc_channel_check_connectivity_state(conn->channel, 0) != GRPC_CHANNEL_READY) {
		conn_failed = 1;
		conn_drop(ch, conn);
	}
	{
		char *d = grpc_slice_to_c_string(details);

		rc = call_error(ch, method, code, d != NULL && d[0] != '\0' ? d :
		    (error_string != NULL ? error_string : "no details"), conn_failed, deadline, err);
		gpr_free(d);
	}
out:
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_slice_unref(details);
	if (error_string != NULL)
		gpr_free((void *)error_string);
	if (recv_bb != NULL)
		grpc_byte_buffer_destroy(recv_bb);
	grpc_byte_buffer_destroy(send_bb);
	for (i = 0; i < nmd; i++)
		grpc_slice_unref(meta[i].value);
	grpc_call_unref(call);
	pthread_mutex_destroy(&pend.mu);
	pthread_cond_destroy(&pend.cv);
	conn_put(ch, conn);
	return rc;
}

/* Waits for p in slices of 0.2 s until it comes (1), *stop is set or deadline passes (0). */
static int
pending_wait_stop(struct pending *p, gpr_timespec deadline, const atomic_int *stop)
{
	gpr_timespec slice;

	for (;;) {
		slice = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
		    gpr_time_from_millis(200, GPR_TIMESPAN));
		if (gpr_time_cmp(slice, deadline) > 0)
			slice = deadline;
		if (pending_wait(p, &slice))
			return 1;
		if ((stop != NULL && atomic_load(stop)) ||
		    gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), deadline) >= 0)
			return 0;
	}
}

enum swgr_rc
swgr_grpc_stream(struct swgr_grpc_chan *ch, const char *method,
    const struct swgr_grpc_md *md, size_t nmd, const uint8_t *req, size_t reqlen,
    double max_secs, const atomic_int *stop, swgr_grpc_msg_fn fn, void *arg,
    int *status, struct swgr_err *err)
{
	struct pending head, tail, msg;
	grpc_call *call;
	grpc_metadata meta[4];
	grpc_metadata_array initial_md, trailing_md;
	grpc_byte_buffer *send_bb, *recv_bb = NULL;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	const char *error_string = NULL;
	grpc_op ops[4], st_op, msg_op;
	gpr_timespec until, deadline;
	struct conn *conn;
	enum swgr_rc rc = SWGR_OK;
	uint8_t *m;
	size_t i, mlen;
	int ours = 0, started = 0, conn_failed = 0;

	*status = GRPC_STATUS_UNKNOWN;
	if (nmd > sizeof(meta) / sizeof(meta[0]))
		return swgr_err_set(err, SWGR_EINTERNAL, "too much gRPC metadata");
	if ((conn = conn_get(ch)) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "%s: no gRPC channel", method);
	until = deadline_after(max_secs);
	/* The call's own deadline a little later: our cancel ends it first, and it is OK. */
	deadline = gpr_time_add(until, gpr_time_from_seconds(5, GPR_TIMESPAN));
	pending_init(&head);
	pending_init(&tail);
	pending_init(&msg);
	call = grpc_channel_create_call(conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS, driver_cq,
	    grpc_slice_from_static_string(method), NULL, deadline, NULL);
	send_bb = send_ops(ops, meta, md, nmd, req, reqlen, &initial_md);
	grpc_metadata_array_init(&trailing_md);
	memset(&st_op, 0, sizeof(st_op));
	st_op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	st_op.data.recv_status_on_client.trailing_metadata = &trailing_md;
	st_op.data.recv_status_on_client.status = &code;
	st_op.data.recv_status_on_client.status_details = &details;
	st_op.data.recv_status_on_client.error_string = &error_string;
	memset(&msg_op, 0, sizeof(msg_op));
	msg_op.op = GRPC_OP_RECV_MESSAGE;
	msg_op.data.recv_message.recv_message = &recv_bb;

	if (grpc_call_start_batch(call, ops, 4, &head, NULL) != GRPC_CALL_OK) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "%s: cannot start the gRPC call", method);
		goto out;
	}
	started = 1;
	if (grpc_call_start_batch(call, &st_op, 1, &tail, NULL) != GRPC_CALL_OK) {
		grpc_call_cancel(call, NULL);
		pending_wait(&head, NULL);
		started = 0;
		rc = swgr_err_set(err, SWGR_EINTERNAL, "%s: cannot start the gRPC call", method);
		goto out;
	}
	started = 2;
	/* One message at a time: each read is a batch of its own, then fn. */
	for (;;) {
		msg.done = 0;
		if (grpc_call_start_batch(call, &msg_op, 1, &msg, NULL) != GRPC_CALL_OK) {
			grpc_call_cancel(call, NULL);
			break;
		}
		if (!pending_wait_stop(&msg, until, stop)) {
			ours = 1;
			grpc_call_cancel(call, NULL);
			pending_wait(&msg, NULL);
		}
		if (recv_bb == NULL)
			break;		/* the end of the stream, or the cancel */
		rc = read_message(recv_bb, &m, &mlen, err);
		grpc_byte_buffer_destroy(recv_bb);
		recv_bb = NULL;
		if (rc != SWGR_OK || ours)
			break;
		if (fn(arg, m, mlen) != 0) {
			free(m);
			ours = 1;
			grpc_call_cancel(call, NULL);
			break;
		}
		free(m);
	}
	if (rc != SWGR_OK)
		grpc_call_cancel(call, NULL);
	else if (!ours && !pending_wait_stop(&tail, until, stop)) {
		ours = 1;
		grpc_call_cancel(call, NULL);
	}
out:
	if (started) {
		pending_wait(&head, NULL);
		if (started == 2)
			pending_wait(&tail, NULL);
	}
	*status = ours ? GRPC_STATUS_OK : (int)code;
	if (rc == SWGR_OK && !ours && started == 2 && code != GRPC_STATUS_OK) {
		char *d = grpc_slice_to_c_string(details);

		if ((code == GRPC_STATUS_UNAVAILABLE || code == GRPC_STATUS_DEADLINE_EXCEEDED) &&
		    grpc_channel_check_connectivity_state(conn->channel, 0) != GRPC_CHANNEL_READY) {
			conn_failed = 1;
			conn_drop(ch, conn);
		}
		rc = call_error(ch, method, code, d != NULL && d[0] != '\0' ? d :
		    (error_string != NULL ? error_string : "no details"), conn_failed,
		    deadline_after(2.0), err);
		gpr_free(d);
	}
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_slice_unref(details);
	if (error_string != NULL)
		gpr_free((void *)error_string);
	if (recv_bb != NULL)
		grpc_byte_buffer_destroy(recv_bb);
	grpc_byte_buffer_destroy(send_bb);
	for (i = 0; i < nmd; i++)
		grpc_slice_unref(meta[i].value);
	grpc_call_unref(call);
	pthread_mutex_destroy(&head.mu);
	pthread_cond_destroy(&head.cv);
	pthread_mutex_destroy(&tail.mu);
	pthread_cond_destroy(&tail.cv);
	pthread_mutex_destroy(&msg.mu);
	pthread_cond_destroy(&msg.cv);
	conn_put(ch, conn);
	return rc;
}
