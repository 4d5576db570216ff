/*
 * swgr offer address …: the Lightning Address template and the address
 * commands on the Offer service (/addresses/<domain>/<username>).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/lnaddr.h"
#include "core/uuid.h"
#include "model/model.h"

#define ENV	"OFFER"	/* the OFFER_STORE_HTTP_* environment variables */

static struct {
	const char	*domain;
	const char	*username;
	const char	*partition;
	const char	*offer_id;
	const char	*start;
	const char	*count;
	struct cli_io	 io;
} o;

CLI_REC(address_rec, address, addresses);

static const struct cli_opt new_opts[] = {
	{ "domain", 'd', "DOMAIN", true, "Domain of the address (user@DOMAIN)", &o.domain },
	{ "username", 'u', "USERNAME", true, "Username of the address (USERNAME@domain; "
	    "_ is the domain's default)", &o.username },
	{ "partition", 'p', "PARTITION", true, "Partition of the offer", &o.partition },
	{ "offer-id", 'O', "UUID", true, "Offer id", &o.offer_id },
	CLI_OPT_OUTPUT(o.io), CLI_OPT_END
};
static const struct cli_opt get_opts[] = {
	{ "start", 's', "N", false, "Start position when listing (default 0)", &o.start },
	{ "count", 'c', "N", false, "Count when listing (default 100)", &o.count },
	CLI_OPT_OUTPUT(o.io), CLI_CLIENT_OPTS(o.io.client, ENV), CLI_OPT_END
};
static const struct cli_opt input_opts[] = {
	CLI_OPT_INPUT(o.io), CLI_CLIENT_OPTS(o.io.client, ENV), CLI_OPT_END
};
static const struct cli_opt client_opts[] = { CLI_CLIENT_OPTS(o.io.client, ENV), CLI_OPT_END };

#define KEY_HELP	"  <DOMAIN>    Domain of the address, [:port] included\n" \
			"  <USERNAME>  Username of the address\n"

/* An address as the command line names it: canonical (core/lnaddr.h), and "domain/username". */
struct key {
	char	 domain[SWGR_LNADDR_DOMAIN_MAX + 1];
	char	 username[SWGR_LNADDR_USER_MAX + 1];
	char	 label[SWGR_LNADDR_DOMAIN_MAX + SWGR_LNADDR_USER_MAX + 2];
};

/*
 * The domain d and username u (NULL: none) into k, as the service reads
 * them; false after a usage message naming the arguments da and ua.
 */
static bool
parse_key(const char *path, const char *da, const char *d, const char *ua, const char *u,
    struct key *k)
{
	struct swgr_err why = { 0 };

	memset(k, 0, sizeof(*k));
	if (swgr_lnaddr_domain(d, strlen(d), k->domain, &why) != SWGR_OK) {
		cli_usage(path, "invalid value '%s' for '%s': %s", d, da, why.msg);
		return false;
	}
	if (u != NULL && swgr_lnaddr_username(u, strlen(u), k->username, &why) != SWGR_OK) {
		cli_usage(path, "invalid value '%s' for '%s': %s", u, ua, why.msg);
		return false;
	}
	snprintf(k->label, sizeof(k->label), "%s/%s", k->domain, k->username);
	return true;
}

static int
cmd_new(int argc, char **argv, const void *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer address new", NULL,
	    "Generate Lightning Address JSON", NULL, new_opts, 0, 0, NULL };
	struct swgr_address a;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	struct key k;
	const char *pos[1];
	size_t npos;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (!parse_key(cmd.path, "--domain <DOMAIN>", o.domain, "--username <USERNAME>",
	    o.username, &k))
		return CLI_EXIT_USAGE;
	memset(&a, 0, sizeof(a));
	if (swgr_uuid_parse(o.offer_id, strlen(o.offer_id), &a.offer) != SWGR_OK)
		return cli_usage(cmd.path, "invalid value '%s' for '--offer-id <UUID>': not a "
		    "UUID", o.offer_id);
	a.domain = k.domain;
	a.username = k.username;
	a.partition = (char *)o.partition;
	a.enabled = true;
	swgr_address_to_json(&out, &a, true);
	if ((rc = cli_exit(cli_write_json(o.io.output, "address", &out, &err), &err)) ==
	    CLI_EXIT_OK) {
		cli_log(SWGR_LOG_INFO, "Modify this JSON file to create a Lightning Address");
		cli_log(SWGR_LOG_INFO, "Load it into the Offer Service. "
		    "See: swgr offer address post --help");
	}
	swgr_buf_free(&out);
	return rc;
}

/* GET one address (USERNAME given) or a page of the domain's addresses into out, pretty. */
static enum swgr_rc
get_addresses(struct swgr_http_client *h, const struct key *k, unsigned long long start,
    unsigned long long count, struct swgr_buf *out, struct swgr_err *err)
{
	const char *segs[] = { "addresses", k->domain, k->username };
	char query[64], missing[SWGR_LNADDR_DOMAIN_MAX + 16];
	struct swgr_http_req q = { .method = "GET", .segs = segs, .nsegs = 3,
	    .what = "get address" };
	enum swgr_rc rc;
	void *v;
	size_t n;

	if (k->username[0] != '\0') {
		snprintf(missing, sizeof(missing), "Address %s/", k->domain);
		return cli_get_one(h, &q, &address_rec, missing, "parsing address", out, err);
	}
	snprintf(query, sizeof(query), "start=%llu&count=%llu", start, count);
	q.nsegs = 2;
	q.query = query;
	q.what = "get all addresses";
	if ((rc = cli_get_all(h, &q, &address_rec, "parsing all addresses", &v, &n, err)) ==
	    SWGR_OK) {
		swgr_addresses_to_json(out, v, n, true);
		swgr_addresses_free(v, n);
	}
	return rc;
}

static int
cmd_get(int argc, char **argv, const void *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer address get", "<DOMAIN> [USERNAME]",
	    "Get an address, or a page of the domain's addresses without USERNAME",
	    KEY_HELP, get_opts, 1, 2, CLI_CLIENT_FOOTER };
	struct swgr_http_client *h = NULL;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	unsigned long long start = 0, count = 100;
	enum swgr_rc src;
	const char *pos[2];
	struct key k;
	size_t npos;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (npos == 2 && (o.start != NULL || o.count != NULL))
		return cli_usage(cmd.path, "the argument '%s' cannot be used with '[USERNAME]'",
		    o.start != NULL ? "--start <N>" : "--count <N>");
	if (o.start != NULL && !cli_parse_count(o.start, &start))
		return cli_usage(cmd.path, "invalid value '%s' for '--start <N>'", o.start);
	if (o.count != NULL && !cli_parse_count(o.count, &count))
		return cli_usage(cmd.path, "invalid value '%s' for '--count <N>'", o.count);
	if (!parse_key(cmd.path, "<DOMAIN>", pos[0], "[USERNAME]", npos == 2 ? pos[1] : NULL,
	    &k))
		return CLI_EXIT_USAGE;
	if ((src = cli_http_open(ENV, &o.io.client, &h, &err)) == SWGR_OK)
		src = get_addresses(h, &k, start, count, &out, &err);
	if (src == SWGR_OK)
		src = cli_write_json(o.io.output, "address", &out, &err);
	rc = cli_exit(src, &err);
	swgr_buf_free(&out);
	swgr_http_client_free(h);
	return rc;
}

/* A command that changes an address: its command line, the request, what the answers mean. */
struct change {
	struct cli_cmd		 cmd;
	const char		*method;
	const char		*what;
	struct cli_outcome	 oc;
};

/* Sends ch's request with body to /addresses (POST) or /addresses/<domain>/<username>. */
static int
send_change(const struct change *ch, const struct key *k, const char *body, size_t len)
{
	const char *segs[] = { "addresses", k->domain, k->username };
	const struct swgr_http_req q = { .method = ch->method, .segs = segs,
	    .nsegs = strcmp(ch->method, "POST") == 0 ? 1 : 3, .body = body,
	    .bodylen = len, .what = ch->what };

	return cli_send(ENV, &o.io.client, &q, &ch->oc, k->label, k->label);
}

/* Reads and validates the input; for PUT the domain and username come from the command line. */
static int
cmd_post_put(int argc, char **argv, const void *ctx)
{
	const struct change *ch = ctx;
	bool put = strcmp(ch->method, "PUT") == 0;
	struct swgr_address *a;
	struct swgr_buf body = { 0 };
	struct swgr_err err;
	const char *pos[2];
	struct key k;
	size_t npos;
	void *v;
	int rc;

	if ((rc = cli_parse(&ch->cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (put && !parse_key(ch->cmd.path, "<DOMAIN>", pos[0], "<USERNAME>", pos[1], &k))
		return CLI_EXIT_USAGE;
	if (cli_read_rec(o.io.input, "address", &address_rec, put ? SWGR_SHAPE_SPARSE :
	    SWGR_SHAPE_FULL, &v, &err) != SWGR_OK)
		return cli_fail(&err);
	a = v;
	if (!put)
		parse_key(ch->cmd.path, "domain", a->domain, "username", a->username, &k);
	free(a->domain);
	free(a->username);
	a->domain = k.domain;
	a->username = k.username;
	swgr_address_to_json(&body, a, false);
	a->domain = a->username = NULL;
	swgr_address_free(a);
	free(a);
	if (!swgr_buf_ok(&body)) {
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		rc = cli_fail(&err);
	} else
		rc = send_change(ch, &k, body.p, body.len);
	swgr_buf_free(&body);
	return rc;
}

static int
cmd_delete(int argc, char **argv, const void *ctx)
{
	const struct change *ch = ctx;
	const char *pos[2];
	struct key k;
	size_t npos;
	int rc;

	if ((rc = cli_parse(&ch->cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (!parse_key(ch->cmd.path, "<DOMAIN>", pos[0], "<USERNAME>", pos[1], &k))
		return CLI_EXIT_USAGE;
	return send_change(ch, &k, NULL, 0);
}

static const struct change post_change = {
	{ "swgr offer address post", NULL, "Load a new Lightning Address (Address JSON)",
	    NULL, input_opts, 0, 0, CLI_CLIENT_FOOTER },
	"POST", "post address",
	{ "Address created: ", NULL, NULL, "Conflict. Address already exists at: " }
};
static const struct change put_change = {
	{ "swgr offer address put", "<DOMAIN> <USERNAME>", "Update or create a Lightning "
	    "Address (a full Address file works)", KEY_HELP, input_opts, 2, 2,
	    CLI_CLIENT_FOOTER },
	"PUT", "put address", { "Address created: ", "Address updated: ", NULL, NULL }
};
static const struct change delete_change = {
	{ "swgr offer address delete", "<DOMAIN> <USERNAME>", "Delete a Lightning Address",
	    KEY_HELP, client_opts, 2, 2, CLI_CLIENT_FOOTER },
	"DELETE", "delete address", { NULL, "Address deleted: ", "Address not found: ", NULL }
};

static const struct cli_sub address_subs[] = {
	{ "new", NULL, "Generate Lightning Address JSON", cmd_new, NULL },
	{ "get", NULL, "Get an address, or a page of a domain's", cmd_get, NULL },
	{ "post", NULL, "Load a new address", cmd_post_put, &post_change },
	{ "put", NULL, "Update or create an address", cmd_post_put, &put_change },
	{ "delete", NULL, "Delete an address", cmd_delete, &delete_change },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct cli_group cli_address = { "swgr offer address",
    "Manage Lightning Addresses (LUD-16) of offers", address_subs };
