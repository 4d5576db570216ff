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
	const char	*partition;
	const char	*name;
	struct cli_io	 io;
} o;

CLI_REC(backend_rec, backend, backends);

static const struct cli_opt new_opts[] = {
	{ "partition", 'p', "PARTITION", true, "Partition binding name", &o.partition },
	{ "name", 'n', "NAME", false, "Optional backend name", &o.name },
	CLI_OPT_OUTPUT(o.io), CLI_OPT_END
};
static const struct cli_opt client_opts[] = { CLI_CLIENT_OPTS(o.io.client, ENV), CLI_OPT_END };
static const struct cli_opt get_opts[] = {
	CLI_OPT_OUTPUT(o.io), CLI_CLIENT_OPTS(o.io.client, ENV), CLI_OPT_END
};
static const struct cli_opt input_opts[] = {
	CLI_OPT_INPUT(o.io), CLI_CLIENT_OPTS(o.io.client, ENV), CLI_OPT_END
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

static int
cmd_new(int argc, char **argv, const void *ctx)
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
	if ((rc = cli_exit(cli_write_json(o.io.output, "backend", &out, &err), &err)) ==
	    CLI_EXIT_OK) {
		cli_log(SWGR_LOG_INFO, "Modify this JSON file to match the %s "
		    "node configuration", kind);
		cli_log(SWGR_LOG_INFO, "Load it into the Discovery Service. "
		    "See: swgr discovery post --help");
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
	static const struct swgr_http_req q = { .method = "GET", .segs = segs,
	    .nsegs = 1, .what = "get all backends" };
	enum swgr_rc rc;
	void *all;

	rc = cli_get_all(h, &q, &backend_rec, "parse all backends", &all, n, err);
	*v = all;
	return rc;
}

static int
cmd_ls(int argc, char **argv, const void *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery ls", NULL,
	    "List all backends", NULL, client_opts, 0, 0, CLI_CLIENT_FOOTER };
	struct swgr_http_client *h = NULL;
	struct swgr_backend *v = NULL;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	enum swgr_rc src;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t npos, n = 0, i;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if ((src = cli_http_open(ENV, &o.io.client, &h, &err)) == SWGR_OK &&
	    (src = get_all(h, &v, &n, &err)) == SWGR_OK) {
		swgr_buf_puts(&out, "# Discovery Backends\n");
		for (i = 0; i < n; i++) {
			swgr_pubkey_format(&v[i].pk, pk);
			swgr_buf_printf(&out, "\n## Public key: %s\n\n* name: %s\n"
			    "* location: %s\n* enabled: %s\n* weight: %lld\n\n", pk,
			    v[i].name != NULL ? v[i].name : "[null]", pk,
			    v[i].enabled ? "true" : "false", (long long)v[i].weight);
		}
		src = cli_write_buf(NULL, "backends", &out, &err);
	}
	rc = cli_exit(src, &err);
	swgr_buf_free(&out);
	swgr_backends_free(v, n);
	swgr_http_client_free(h);
	return rc;
}

static int
cmd_get(int argc, char **argv, const void *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery get", "[PUBLIC_KEY]",
	    "Get a backend, or all backends without PUBLIC_KEY",
	    PK_HELP, get_opts, 0, 1, CLI_CLIENT_FOOTER };
	struct swgr_http_client *h = NULL;
	struct swgr_backend *v = NULL;
	struct swgr_pubkey key;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	enum swgr_rc src;
	const char *pos[1], *segs[2] = { "discovery", NULL };
	struct swgr_http_req q = { .method = "GET", .segs = segs, .nsegs = 2,
	    .what = "get backend" };
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t npos, n = 0;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if ((src = cli_http_open(ENV, &o.io.client, &h, &err)) == SWGR_OK) {
		if (npos == 1) {
			segs[1] = pk;
			if ((src = parse_pk(pos[0], &key, pk, &err)) == SWGR_OK)
				src = cli_get_one(h, &q, &backend_rec, "Backend ",
				    "parse backend", &out, &err);
		} else if ((src = get_all(h, &v, &n, &err)) == SWGR_OK)
			swgr_backends_to_json(&out, v, n, true);
	}
	if (src == SWGR_OK)
		src = cli_write_json(o.io.output, "backend", &out, &err);
	rc = cli_exit(src, &err);
	swgr_buf_free(&out);
	swgr_backends_free(v, n);
	swgr_http_client_free(h);
	return rc;
}

/*
 * A command that changes a backend: its command line, the request (a
 * fixed body and a suffix of the success label for enable and disable)
 * and what the answers mean.
 */
struct change {
	struct cli_cmd		 cmd;
	const char		*method;
	const char		*what;
	struct cli_outcome	 oc;
	const char		*body;
	const char		*label;
};

/* Sends ch's request with body to /discovery (POST) or /discovery/<pk> and tells the outcome. */
static int
send_change(const struct change *ch, const char *pk, const char *body, size_t len,
    const char *label)
{
	const char *segs[] = { "discovery", pk };
	const struct swgr_http_req q = { .method = ch->method, .segs = segs,
	    .nsegs = strcmp(ch->method, "POST") == 0 ? 1 : 2, .body = body,
	    .bodylen = len, .what = ch->what };

	return cli_send(ENV, &o.io.client, &q, &ch->oc, pk, label);
}

/* Reads and validates the input; for PUT the key comes from the command line. */
static int
cmd_post_put(int argc, char **argv, const void *ctx)
{
	const struct change *ch = ctx;
	bool put = strcmp(ch->method, "PUT") == 0;
	struct swgr_backend *b;
	struct swgr_pubkey key;
	struct swgr_buf body = { 0 };
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t npos;
	void *v;
	int rc;

	if ((rc = cli_parse(&ch->cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (put && parse_pk(pos[0], &key, pk, &err) != SWGR_OK)
		return cli_fail(&err);
	if (cli_read_rec(o.io.input, "backend", &backend_rec, put ? SWGR_SHAPE_SPARSE :
	    SWGR_SHAPE_FULL, &v, &err) != SWGR_OK)
		return cli_fail(&err);
	b = v;
	if (put)
		b->pk = key;
	else
		swgr_pubkey_format(&b->pk, pk);
	swgr_backend_to_json(&body, b, false);
	swgr_backend_free(b);
	free(b);
	if (!swgr_buf_ok(&body)) {
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		rc = cli_fail(&err);
	} else
		rc = send_change(ch, pk, body.p, body.len, pk);
	swgr_buf_free(&body);
	return rc;
}

static int
cmd_patch(int argc, char **argv, const void *ctx)
{
	const struct change *ch = ctx;
	struct swgr_backend_patch p;
	struct swgr_pubkey key;
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1], *text = NULL;
	size_t npos, len;
	int rc;

	if ((rc = cli_parse(&ch->cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (parse_pk(pos[0], &key, pk, &err) != SWGR_OK ||
	    cli_read(o.io.input, "backend patch", &text, &len, &err) != SWGR_OK)
		return cli_fail(&err);
	if (swgr_backend_patch_from_json(text, len, &p, &err) != SWGR_OK) {
		swgr_err_wrap(&err, "parsing backend patch from: %s",
		    cli_input_name(o.io.input));
		free(text);
		return cli_fail(&err);
	}
	swgr_backend_patch_free(&p);
	/* Valid: sent as given (there is no patch writer; the service parses it the same way). */
	rc = send_change(ch, pk, text, len, pk);
	free(text);
	return rc;
}

/* enable, disable, delete: the key is all they take. */
static int
cmd_by_key(int argc, char **argv, const void *ctx)
{
	const struct change *ch = ctx;
	struct swgr_pubkey key;
	struct swgr_err err;
	const char *pos[1];
	char pk[SWGR_PUBKEY_STRLEN + 1], label[SWGR_PUBKEY_STRLEN + 40];
	size_t npos;
	int rc;

	if ((rc = cli_parse(&ch->cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (parse_pk(pos[0], &key, pk, &err) != SWGR_OK)
		return cli_fail(&err);
	snprintf(label, sizeof(label), "%s%s", pk, ch->label != NULL ? ch->label : "");
	return send_change(ch, pk, ch->body, ch->body != NULL ? strlen(ch->body) : 0, label);
}

#define PATCHED	{ NULL, "Backend patched: ", "Backend not found: ", NULL }

static const struct change post_change = {
	{ "swgr discovery post", NULL, "Load a new backend (DiscoveryBackend JSON)",
	    NULL, input_opts, 0, 0, CLI_CLIENT_FOOTER },
	"POST", "post backend",
	{ "Backend created: ", NULL, NULL, "Conflict. A backend already exists at: " },
	NULL, NULL
};
static const struct change put_change = {
	{ "swgr discovery put", "<PUBLIC_KEY>", "Update or create a backend (a full "
	    "DiscoveryBackend file works; its publicKey is ignored)", PK_HELP,
	    input_opts, 1, 1, CLI_CLIENT_FOOTER },
	"PUT", "put backend", { "Backend created: ", "Backend updated: ", NULL, NULL },
	NULL, NULL
};
static const struct change patch_change = {
	{ "swgr discovery patch", "<PUBLIC_KEY>", "Patch an existing backend "
	    "(fields: name, partitions, weight, enabled)", PK_HELP, input_opts, 1, 1,
	    CLI_CLIENT_FOOTER },
	"PATCH", "patch backend", PATCHED, NULL, NULL
};
static const struct change enable_change = {
	{ "swgr discovery enable", "<PUBLIC_KEY>", "Enable an existing backend",
	    PK_HELP, client_opts, 1, 1, CLI_CLIENT_FOOTER },
	"PATCH", "patch backend", PATCHED, "{\"enabled\":true}", ": enabled:true"
};
static const struct change disable_change = {
	{ "swgr discovery disable", "<PUBLIC_KEY>", "Disable an existing backend",
	    PK_HELP, client_opts, 1, 1, CLI_CLIENT_FOOTER },
	"PATCH", "patch backend", PATCHED, "{\"enabled\":false}", ": enabled:false"
};
static const struct change delete_change = {
	{ "swgr discovery delete", "<PUBLIC_KEY>", "Delete a backend", PK_HELP,
	    client_opts, 1, 1, CLI_CLIENT_FOOTER },
	"DELETE", "delete backend",
	{ NULL, "Backend deleted: ", "Backend not found: ", NULL }, NULL, NULL
};

static const struct cli_sub discovery_subs[] = {
	{ "token", NULL, "Manage discovery service tokens", cli_token, "discovery" },
	{ "new", NULL, "Generate backend JSON", cmd_new, NULL },
	{ "ls", NULL, "List all backends", cmd_ls, NULL },
	{ "status", NULL, "Show node status from every monitor", cli_discovery_status, NULL },
	{ "get", NULL, "Get a backend, or all", cmd_get, NULL },
	{ "post", NULL, "Load a new backend", cmd_post_put, &post_change },
	{ "put", NULL, "Update or create a backend", cmd_post_put, &put_change },
	{ "patch", NULL, "Patch an existing backend", cmd_patch, &patch_change },
	{ "enable", NULL, "Enable an existing backend", cmd_by_key, &enable_change },
	{ "disable", NULL, "Disable an existing backend", cmd_by_key, &disable_change },
	{ "delete", "rm", "Delete a backend", cmd_by_key, &delete_change },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct cli_group cli_discovery = { "swgr discovery", "Manage discovery", discovery_subs };
