/* swgr discovery …: backend templates and the Discovery service client commands (spec §15.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ln/ln.h"
#include "model/model.h"
#include "core/pubkey.h"

#define ENV	"DISCOVERY"

static struct {
	const char		*partition;
	const char		*name;
	const char		*output;
	const char		*input;
	struct cli_client	 client;
} o;

#define OPT_OUTPUT	{ "output", 'o', "FILE", false, "Output path, defaults to stdout", &o.output }
#define OPT_INPUT	{ "input", 'i', "FILE", false, "JSON source path, defaults to stdin", &o.input }
#define OPT_END		{ NULL, 0, NULL, false, NULL, NULL }

static const struct cli_opt new_opts[] = {
	{ "partition", 'p', "PARTITION", true, "Partition binding name", &o.partition },
	{ "name", 'n', "NAME", false, "Optional backend name", &o.name },
	OPT_OUTPUT, OPT_END
};
static const struct cli_opt client_opts[] = { CLI_CLIENT_OPTS(o.client, ENV), OPT_END };
static const struct cli_opt get_opts[] = {
	OPT_OUTPUT, CLI_CLIENT_OPTS(o.client, ENV), OPT_END
};
static const struct cli_opt input_opts[] = {
	OPT_INPUT, CLI_CLIENT_OPTS(o.client, ENV), OPT_END
};

#define PK_HELP	"  <PUBLIC_KEY>  Lightning node public key (66 or 130 hex)\n"

/* "<cln-grpc|lnd-grpc|...>": the node kinds of the kind table (ln/ln.h), for the usage. */
static const char *
kinds_arg(void)
{
	static char buf[200];
	const char *name, *label, *impl;
	size_t i, used = 0;

	if (buf[0] != '\0')
		return buf;
	used += (size_t)snprintf(buf, sizeof(buf), "<");
	for (i = 0; swgr_ln_kind_template(i, &name, &label, &impl) && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "|" : "",
		    name);
	if (used < sizeof(buf))
		snprintf(buf + used, sizeof(buf) - used, ">");
	return buf;
}

/* Parses a public key argument into pk and its canonical text. */
static enum swgr_rc
parse_pk(const char *s, struct swgr_pubkey *pk, char text[SWGR_PUBKEY_STRLEN + 1],
    struct swgr_err *err)
{
	if (swgr_pubkey_parse(s, strlen(s), pk) != SWGR_OK)
		return swgr_err_set(err, SWGR_EINVAL, "parsing public key: %s: "
		    "not a valid secp256k1 public key (66 or 130 hex)", s);
	swgr_pubkey_format(pk, text);
	return SWGR_OK;
}

/* Writes JSON text b plus a newline to the output. */
static enum swgr_rc
write_json(struct swgr_buf *b, const char *what, struct swgr_err *err)
{
	swgr_buf_putc(b, '\n');
	if (!swgr_buf_ok(b))
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return cli_write(o.output, what, b->p, b->len, 0644, err);
}

static int
cmd_new(int argc, char **argv, const char *ctx)
{
	static char synopsis[256], args_help[512];
	struct cli_cmd cmd = { "swgr discovery new", synopsis, "Generate backend JSON",
	    args_help, new_opts, 2, 2, NULL };
	struct swgr_backend b;
	struct swgr_pubkey key;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	const char *pos[2], *impl, *kind, *name;
	char pk[SWGR_PUBKEY_STRLEN + 1], *part;
	size_t npos, i;
	int rc;

	(void)ctx;
	snprintf(synopsis, sizeof(synopsis), "%s <PUBLIC_KEY>", kinds_arg());
	snprintf(args_help, sizeof(args_help), "  %s  Lightning node type\n" PK_HELP, kinds_arg());
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	for (i = 0; swgr_ln_kind_template(i, &name, &kind, &impl); i++)
		if (strcmp(pos[0], name) == 0)
			break;
	if (!swgr_ln_kind_template(i, &name, &kind, &impl))
		return cli_usage(cmd.path, "invalid value '%s' for '%s'", pos[0], kinds_arg());
	if (parse_pk(pos[1], &key, pk, &err) != SWGR_OK)
		return cli_fail(&err);
	memset(&b, 0, sizeof(b));
	b.pk = key;
	part = (char *)o.partition;
	b.name = (char *)o.name;
	b.partitions = &part;
	b.npartitions = 1;
	b.weight = 1;
	b.enabled = false;
	b.implementation = (char *)impl;
	swgr_backend_to_json(&out, &b, true);
	if (write_json(&out, "backend", &err) != SWGR_OK)
		rc = cli_fail(&err);
	else {
		cli_log(SWGR_LOG_INFO, "Modify this JSON file to match the %s "
		    "node configuration", kind);
		cli_log(SWGR_LOG_INFO, "Load it into the Discovery Service. "
		    "See: swgr discovery post --help");
		rc = CLI_EXIT_OK;
	}
	swgr_buf_free(&out);
	return rc;
}

/* GET /discovery, parsed; *v freed with swgr_backends_free. */
static enum swgr_rc
get_all(struct swgr_http_client *h, struct swgr_backend **v, size_t *n,
    struct swgr_err *err)
{
	static const char *const segs[] = { "discovery" };
	struct swgr_http_resp r;
	enum swgr_rc rc;
	char **elems = NULL;
	size_t i, ne = 0;

	*v = NULL;
	*n = 0;
	if ((rc = cli_http_request(h, "GET", segs, 1, NULL, NULL, 0,
	    "get all backends", &r, err)) != SWGR_OK)
		goto out;
	if (r.status != 200) {
		rc = swgr_http_status_error(&r, "get all backends", err);
		goto out;
	}
	if ((rc = cli_json_array(r.body.p, r.body.len, &elems, &ne, err)) != SWGR_OK)
		goto bad;
	if ((*v = calloc(ne + 1, sizeof(**v))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ne; i++) {
		if ((rc = swgr_backend_from_json(elems[i], strlen(elems[i]),
		    SWGR_SHAPE_FULL, &(*v)[i], err)) != SWGR_OK) {
			swgr_backends_free(*v, i);
			*v = NULL;
			goto bad;
		}
	}
	*n = ne;
	goto out;
bad:
	swgr_err_wrap(err, "parse all backends %s", r.url);
	rc = SWGR_EUPSTREAM;
out:
	swgr_strv_free(elems, ne);
	swgr_http_resp_free(&r);
	return rc;
}

static int
cmd_ls(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery ls", NULL,
	    "List all backends", NULL, client_opts, 0, 0, CLI_CLIENT_FOOTER };
	struct swgr_http_client *h = NULL;
	struct swgr_backend *v = NULL;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t npos, n = 0, i;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	rc = CLI_EXIT_ERR;
	if (cli_http_open(ENV, &o.client, &h, &err) != SWGR_OK ||
	    get_all(h, &v, &n, &err) != SWGR_OK)
		goto fail;
	swgr_buf_puts(&out, "# Discovery Backends\n");
	for (i = 0; i < n; i++) {
		swgr_pubkey_format(&v[i].pk, pk);
		swgr_buf_printf(&out, "\n## Public key: %s\n\n* name: %s\n"
		    "* location: %s\n* enabled: %s\n* weight: %lld\n\n", pk,
		    v[i].name != NULL ? v[i].name : "[null]", pk,
		    v[i].enabled ? "true" : "false", (long long)v[i].weight);
	}
	if (!swgr_buf_ok(&out)) {
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	if (cli_write(NULL, "backends", out.p, out.len, 0644, &err) != SWGR_OK)
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_fail(&err);
out:
	swgr_buf_free(&out);
	swgr_backends_free(v, n);
	swgr_http_client_free(h);
	return rc;
}

/* GET /discovery/<pk>: one backend into out, or SWGR_NOTFOUND. */
static enum swgr_rc
get_one(struct swgr_http_client *h, const char *pk, struct swgr_buf *out,
    struct swgr_err *err)
{
	const char *segs[] = { "discovery", pk };
	struct swgr_backend b;
	struct swgr_http_resp r;
	enum swgr_rc rc;

	if ((rc = cli_http_request(h, "GET", segs, 2, NULL, NULL, 0,
	    "get backend", &r, err)) != SWGR_OK)
		goto out;
	if (r.status == 404) {
		rc = swgr_err_set(err, SWGR_NOTFOUND, "Backend %s not found", pk);
		goto out;
	}
	if (r.status != 200) {
		rc = swgr_http_status_error(&r, "get backend", err);
		goto out;
	}
	if ((rc = swgr_backend_from_json(r.body.p, r.body.len, SWGR_SHAPE_FULL,
	    &b, err)) != SWGR_OK) {
		swgr_err_wrap(err, "parse backend %s", r.url);
		rc = SWGR_EUPSTREAM;
		goto out;
	}
	swgr_backend_to_json(out, &b, true);
	swgr_backend_free(&b);
out:
	swgr_http_resp_free(&r);
	return rc;
}

static int
cmd_get(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery get", "[PUBLIC_KEY]",
	    "Get a backend, or all backends without PUBLIC_KEY",
	    PK_HELP, get_opts, 0, 1, CLI_CLIENT_FOOTER };
	struct swgr_http_client *h = NULL;
	struct swgr_backend *v = NULL;
	struct swgr_pubkey key;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t npos, n = 0;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	rc = CLI_EXIT_ERR;
	if (cli_http_open(ENV, &o.client, &h, &err) != SWGR_OK)
		goto fail;
	if (npos == 1) {
		if (parse_pk(pos[0], &key, pk, &err) != SWGR_OK ||
		    get_one(h, pk, &out, &err) != SWGR_OK)
			goto fail;
	} else {
		if (get_all(h, &v, &n, &err) != SWGR_OK)
			goto fail;
		swgr_backends_to_json(&out, v, n, true);
	}
	if (write_json(&out, "backend", &err) != SWGR_OK)
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_fail(&err);
out:
	swgr_buf_free(&out);
	swgr_backends_free(v, n);
	swgr_http_client_free(h);
	return rc;
}

/*
 * What a status means to a command: the INFO message prefix for 201
 * (created) and 204 (updated), the error prefix for 404 (missing) and 409
 * (conflict); NULL when the status is not expected.
 */
struct outcome {
	const char	*created;
	const char	*updated;
	const char	*missing;
	const char	*conflict;
};

/*
 * Sends method with body to /discovery[/<pk_path>] and reports the outcome:
 * "<prefix><okname>" on success, "<prefix><pk>" on failure.
 */
static int
request(const char *what, const char *method, const char *pk_path,
    const char *pk, const char *okname, const char *body, size_t len,
    const struct outcome *oc)
{
	const char *segs[] = { "discovery", pk_path };
	struct swgr_http_client *h = NULL;
	struct swgr_http_resp r = { 0 };
	struct swgr_err err;
	const char *msg = NULL;
	int rc = CLI_EXIT_ERR;

	if (cli_http_open(ENV, &o.client, &h, &err) != SWGR_OK ||
	    cli_http_request(h, method, segs, pk_path != NULL ? 2 : 1, NULL,
	    body, len, what, &r, &err) != SWGR_OK)
		goto fail;
	if (r.status == 201 && oc->created != NULL)
		msg = oc->created;
	else if (r.status == 204 && oc->updated != NULL)
		msg = oc->updated;
	else if (r.status == 404 && oc->missing != NULL) {
		swgr_err_set(&err, SWGR_NOTFOUND, "%s%s", oc->missing, pk);
		goto fail;
	} else if (r.status == 409 && oc->conflict != NULL) {
		swgr_err_set(&err, SWGR_CONFLICT, "%s%s", oc->conflict, pk);
		goto fail;
	} else {
		swgr_http_status_error(&r, what, &err);
		goto fail;
	}
	cli_log(SWGR_LOG_INFO, "%s%s", msg, okname);
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_fail(&err);
out:
	swgr_http_resp_free(&r);
	swgr_http_client_free(h);
	return rc;
}

/* Reads and validates the input; for PUT the key comes from the command line. */
static int
cmd_post_put(int argc, char **argv, bool put)
{
	static const struct cli_cmd post_cmd = { "swgr discovery post", NULL,
	    "Load a new backend (DiscoveryBackend JSON)", NULL, input_opts, 0, 0,
	    CLI_CLIENT_FOOTER };
	static const struct cli_cmd put_cmd = { "swgr discovery put", "<PUBLIC_KEY>",
	    "Update or create a backend (a full DiscoveryBackend file works; "
	    "its publicKey is ignored)", PK_HELP, input_opts, 1, 1,
	    CLI_CLIENT_FOOTER };
	static const struct outcome post_oc = { "Backend created: ", NULL, NULL,
	    "Conflict. A backend already exists at: " };
	static const struct outcome put_oc = { "Backend created: ",
	    "Backend updated: ", NULL, NULL };
	struct swgr_backend b;
	struct swgr_pubkey key;
	struct swgr_buf body = { 0 };
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1], *text = NULL;
	size_t npos, len;
	int rc;

	if ((rc = cli_parse(put ? &put_cmd : &post_cmd, argc, argv, pos,
	    &npos)) != CLI_RUN)
		return rc;
	if (put && parse_pk(pos[0], &key, pk, &err) != SWGR_OK)
		return cli_fail(&err);
	if (cli_read(o.input, "backend", &text, &len, &err) != SWGR_OK)
		return cli_fail(&err);
	if (swgr_backend_from_json(text, len, put ? SWGR_SHAPE_SPARSE :
	    SWGR_SHAPE_FULL, &b, &err) != SWGR_OK) {
		swgr_err_wrap(&err, "parsing backend from: %s",
		    o.input != NULL && strcmp(o.input, "-") != 0 ? o.input : "stdin");
		free(text);
		return cli_fail(&err);
	}
	free(text);
	if (put)
		b.pk = key;
	else
		swgr_pubkey_format(&b.pk, pk);
	swgr_backend_to_json(&body, &b, false);
	swgr_backend_free(&b);
	if (!swgr_buf_ok(&body)) {
		swgr_buf_free(&body);
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		return cli_fail(&err);
	}
	rc = request(put ? "put backend" : "post backend", put ? "PUT" : "POST",
	    put ? pk : NULL, pk, pk, body.p, body.len, put ? &put_oc : &post_oc);
	swgr_buf_free(&body);
	return rc;
}

static int
cmd_post(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cmd_post_put(argc, argv, false);
}

static int
cmd_put(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cmd_post_put(argc, argv, true);
}

static int
cmd_patch(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery patch", "<PUBLIC_KEY>",
	    "Patch an existing backend (fields: name, partitions, weight, enabled)",
	    PK_HELP, input_opts, 1, 1, CLI_CLIENT_FOOTER };
	static const struct outcome oc = { NULL, "Backend patched: ",
	    "Backend not found: ", NULL };
	struct swgr_backend_patch p;
	struct swgr_pubkey key;
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1], *text = NULL;
	size_t npos, len;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (parse_pk(pos[0], &key, pk, &err) != SWGR_OK ||
	    cli_read(o.input, "backend patch", &text, &len, &err) != SWGR_OK)
		return cli_fail(&err);
	if (swgr_backend_patch_from_json(text, len, &p, &err) != SWGR_OK) {
		swgr_err_wrap(&err, "parsing backend patch from: %s",
		    o.input != NULL && strcmp(o.input, "-") != 0 ? o.input : "stdin");
		free(text);
		return cli_fail(&err);
	}
	swgr_backend_patch_free(&p);
	/* Valid: sent as given (there is no patch writer; the service parses it the same way). */
	rc = request("patch backend", "PATCH", pk, pk, pk, text, len, &oc);
	free(text);
	return rc;
}

static int
cmd_enable_disable(int argc, char **argv, bool enable)
{
	static const struct cli_cmd en_cmd = { "swgr discovery enable",
	    "<PUBLIC_KEY>", "Enable an existing backend", PK_HELP, client_opts,
	    1, 1, CLI_CLIENT_FOOTER };
	static const struct cli_cmd dis_cmd = { "swgr discovery disable",
	    "<PUBLIC_KEY>", "Disable an existing backend", PK_HELP, client_opts,
	    1, 1, CLI_CLIENT_FOOTER };
	static const struct outcome oc = { NULL, "Backend patched: ",
	    "Backend not found: ", NULL };
	struct swgr_pubkey key;
	struct swgr_err err;
	const char *pos[1], *body;
	char pk[SWGR_PUBKEY_STRLEN + 1], label[SWGR_PUBKEY_STRLEN + 40];
	size_t npos;
	int rc;

	if ((rc = cli_parse(enable ? &en_cmd : &dis_cmd, argc, argv, pos,
	    &npos)) != CLI_RUN)
		return rc;
	if (parse_pk(pos[0], &key, pk, &err) != SWGR_OK)
		return cli_fail(&err);
	body = enable ? "{\"enabled\":true}" : "{\"enabled\":false}";
	snprintf(label, sizeof(label), "%s: enabled:%s", pk,
	    enable ? "true" : "false");
	return request("patch backend", "PATCH", pk, pk, label, body,
	    strlen(body), &oc);
}

static int
cmd_enable(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cmd_enable_disable(argc, argv, true);
}

static int
cmd_disable(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cmd_enable_disable(argc, argv, false);
}

static int
cmd_delete(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery delete", "<PUBLIC_KEY>",
	    "Delete a backend", PK_HELP, client_opts, 1, 1, CLI_CLIENT_FOOTER };
	static const struct outcome oc = { NULL, "Backend deleted: ",
	    "Backend not found: ", NULL };
	struct swgr_pubkey key;
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t npos;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (parse_pk(pos[0], &key, pk, &err) != SWGR_OK)
		return cli_fail(&err);
	return request("delete backend", "DELETE", pk, pk, pk, NULL, 0, &oc);
}

static const struct cli_sub discovery_subs[] = {
	{ "token", NULL, "Manage discovery service tokens", cli_token, "discovery" },
	{ "new", NULL, "Generate backend JSON", cmd_new, NULL },
	{ "ls", NULL, "List all backends", cmd_ls, NULL },
	{ "get", NULL, "Get a backend, or all", cmd_get, NULL },
	{ "post", NULL, "Load a new backend", cmd_post, NULL },
	{ "put", NULL, "Update or create a backend", cmd_put, NULL },
	{ "patch", NULL, "Patch an existing backend", cmd_patch, NULL },
	{ "enable", NULL, "Enable an existing backend", cmd_enable, NULL },
	{ "disable", NULL, "Disable an existing backend", cmd_disable, NULL },
	{ "delete", "rm", "Delete a backend", cmd_delete, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
cli_discovery(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cli_dispatch("swgr discovery", "Manage discovery",
	    discovery_subs, argc, argv);
}
