/*
 * swgr offer …: its command line (spec §15.5): options, the offer and
 * metadata templates, and the commands on the Offer service (over cli/offer.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/uuid.h"
#include "model/model.h"
#include "offer.h"

static struct {
	const char		*partition;
	const char		*metadata_id;
	const char		*text;
	const char		*start;
	const char		*count;
	const char		*output;
	const char		*input;
	struct cli_client	 client;
} o;

#define OPT_OUTPUT	{ "output", 'o', "FILE", false, "Output path, defaults to stdout", &o.output }
#define OPT_END		{ NULL, 0, NULL, false, NULL, NULL }

static const struct cli_opt offer_new_opts[] = {
	{ "partition", 'p', "PARTITION", true, "Partition name", &o.partition },
	{ "metadata-id", 'm', "UUID", true, "Offer metadata id", &o.metadata_id },
	OPT_OUTPUT, OPT_END
};
static const struct cli_opt meta_new_opts[] = {
	{ "partition", 'p', "PARTITION", true, "Partition name", &o.partition },
	{ "text", 't', "TEXT", true, "Metadata text description", &o.text },
	OPT_OUTPUT, OPT_END
};
static const struct cli_opt get_opts[] = {
	{ "start", 's', "N", false, "Start position when listing (default 0)", &o.start },
	{ "count", 'c', "N", false, "Count when listing (default 100)", &o.count },
	OPT_OUTPUT, CLI_CLIENT_OPTS(o.client, OFFER_ENV), OPT_END
};
static const struct cli_opt input_opts[] = {
	{ "input", 'i', "FILE", false, "JSON source path, defaults to stdin", &o.input },
	CLI_CLIENT_OPTS(o.client, OFFER_ENV), OPT_END
};
static const struct cli_opt client_opts[] = { CLI_CLIENT_OPTS(o.client, OFFER_ENV), OPT_END };

/* Parses a UUID argument; false after a usage message. */
static bool
parse_id(const char *path, const char *arg, const char *s, struct swgr_uuid *u,
    char text[SWGR_UUID_STRLEN + 1])
{
	if (swgr_uuid_parse(s, strlen(s), u) != SWGR_OK) {
		cli_usage(path, "invalid value '%s' for '%s': not a UUID", s, arg);
		return false;
	}
	swgr_uuid_format(u, text);
	return true;
}

static const char *
input_name(void)
{
	return o.input != NULL && strcmp(o.input, "-") != 0 ? o.input : "stdin";
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
cmd_offer_new(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer new", NULL,
	    "Generate offer JSON", NULL, offer_new_opts, 0, 0, NULL };
	struct swgr_offer v;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	const char *pos[1];
	char idtext[SWGR_UUID_STRLEN + 1];
	size_t npos;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	memset(&v, 0, sizeof(v));
	if (!parse_id(cmd.path, "--metadata-id <UUID>", o.metadata_id,
	    &v.metadata_id, idtext))
		return CLI_EXIT_USAGE;
	if (swgr_uuid_random(&v.id) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINTERNAL, "generating a random offer id");
		return cli_fail(&err);
	}
	v.partition = (char *)o.partition;
	v.timestamp.sec = 0;
	v.has_expires = true;
	v.expires.sec = 86400;
	swgr_offer_to_json(&out, &v, true);
	if (write_json(&out, "offer", &err) != SWGR_OK)
		rc = cli_fail(&err);
	else {
		cli_log(SWGR_LOG_INFO, "Modify this JSON file to create a unique offer");
		cli_log(SWGR_LOG_INFO, "Load it into the Offer Service. "
		    "See: swgr offer post --help");
		rc = CLI_EXIT_OK;
	}
	swgr_buf_free(&out);
	return rc;
}

static int
cmd_meta_new(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer metadata new", NULL,
	    "Generate offer metadata JSON", NULL, meta_new_opts, 0, 0, NULL };
	struct swgr_metadata v;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	const char *pos[1];
	size_t npos;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	memset(&v, 0, sizeof(v));
	if (swgr_uuid_random(&v.id) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINTERNAL, "generating a random metadata id");
		return cli_fail(&err);
	}
	v.partition = (char *)o.partition;
	v.text = (char *)o.text;
	swgr_metadata_to_json(&out, &v, true);
	if (write_json(&out, "metadata", &err) != SWGR_OK)
		rc = cli_fail(&err);
	else {
		cli_log(SWGR_LOG_INFO, "Modify this JSON file to create unique "
		    "offer metadata");
		cli_log(SWGR_LOG_INFO, "Load it into the Offer Service. "
		    "See: swgr offer metadata post --help");
		rc = CLI_EXIT_OK;
	}
	swgr_buf_free(&out);
	return rc;
}

static int
run_get(const struct offer_kind *k, const struct cli_cmd *cmd, int argc, char **argv)
{
	struct swgr_http_client *h = NULL;
	struct swgr_buf out = { 0 };
	struct swgr_uuid id;
	struct swgr_err err;
	unsigned long long start = 0, count = 100;
	const char *pos[2];
	char idtext[SWGR_UUID_STRLEN + 1];
	size_t npos;
	int rc;

	if ((rc = cli_parse(cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (npos == 2) {
		if (o.start != NULL || o.count != NULL)
			return cli_usage(cmd->path, "the argument '%s' cannot be "
			    "used with '[ID]'", o.start != NULL ? "--start <N>" :
			    "--count <N>");
		if (!parse_id(cmd->path, "[ID]", pos[1], &id, idtext))
			return CLI_EXIT_USAGE;
	}
	if (o.start != NULL && !cli_parse_count(o.start, &start))
		return cli_usage(cmd->path, "invalid value '%s' for '--start <N>'",
		    o.start);
	if (o.count != NULL && !cli_parse_count(o.count, &count))
		return cli_usage(cmd->path, "invalid value '%s' for '--count <N>'",
		    o.count);
	rc = CLI_EXIT_ERR;
	if (cli_http_open(OFFER_ENV, &o.client, &h, &err) != SWGR_OK)
		goto fail;
	if (npos == 2) {
		if (offer_get_one(k, h, pos[0], idtext, &out, &err) != SWGR_OK)
			goto fail;
	} else if (offer_get_page(k, h, pos[0], start, count, &out, &err) != SWGR_OK)
		goto fail;
	if (write_json(&out, k->noun, &err) != SWGR_OK)
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_fail(&err);
out:
	swgr_buf_free(&out);
	swgr_http_client_free(h);
	return rc;
}

/* POST (no positionals) or PUT <PARTITION> <ID> of a validated record. */
static int
run_post_put(const struct offer_kind *k, const struct cli_cmd *cmd, bool put,
    int argc, char **argv)
{
	struct swgr_buf body = { 0 };
	struct swgr_uuid id;
	struct swgr_err err;
	const char *pos[2], *segs[3];
	char idtext[SWGR_UUID_STRLEN + 1], *text = NULL, *part;
	size_t npos, len;
	void *v = NULL;
	int rc;

	if ((rc = cli_parse(cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (put && !parse_id(cmd->path, "<ID>", pos[1], &id, idtext))
		return CLI_EXIT_USAGE;
	rc = CLI_EXIT_ERR;
	if (cli_read(o.input, k->noun, &text, &len, &err) != SWGR_OK)
		goto fail;
	if ((v = calloc(1, k->size)) == NULL) {
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	if (k->parse(text, len, put ? SWGR_SHAPE_SPARSE : SWGR_SHAPE_FULL, v,
	    &err) != SWGR_OK) {
		swgr_err_wrap(&err, "parsing %s from: %s", k->noun, input_name());
		free(v);
		v = NULL;
		goto fail;
	}
	if (put) {
		/* The record sent is whole: identity from the command line. */
		if ((part = strdup(pos[0])) == NULL) {
			swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
			goto fail;
		}
		free(*k->partition(v));
		*k->partition(v) = part;
		*k->id(v) = id;
	} else
		swgr_uuid_format(k->id(v), idtext);
	k->write(&body, v, false);
	if (!swgr_buf_ok(&body)) {
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	segs[0] = k->coll;
	segs[1] = put ? pos[0] : NULL;
	segs[2] = idtext;
	rc = offer_request(k, &o.client, put ? "PUT" : "POST", segs, put ? 3 : 1,
	    body.p, body.len, idtext);
	goto out;
fail:
	cli_fail(&err);
out:
	if (v != NULL)
		k->free_one(v);
	free(v);
	free(text);
	swgr_buf_free(&body);
	return rc;
}

static int
run_delete(const struct offer_kind *k, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct swgr_uuid id;
	const char *pos[2], *segs[3];
	char idtext[SWGR_UUID_STRLEN + 1];
	size_t npos;
	int rc;

	if ((rc = cli_parse(cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (!parse_id(cmd->path, "<ID>", pos[1], &id, idtext))
		return CLI_EXIT_USAGE;
	segs[0] = k->coll;
	segs[1] = pos[0];
	segs[2] = idtext;
	return offer_request(k, &o.client, "DELETE", segs, 3, NULL, 0, idtext);
}

#define PART_HELP	"  <PARTITION>  Partition name\n"

static int
cmd_offer_get(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer get", "<PARTITION> [ID]",
	    "Get an offer, or a page of the partition's offers without ID",
	    PART_HELP "  [ID]         Offer UUID\n", get_opts, 1, 2,
	    CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_get(&offer_records, &cmd, argc, argv);
}

static int
cmd_offer_post(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer post", NULL,
	    "Load a new offer (OfferRecord JSON)", NULL, input_opts, 0, 0,
	    CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_post_put(&offer_records, &cmd, false, argc, argv);
}

static int
cmd_offer_put(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer put", "<PARTITION> <ID>",
	    "Update or create an offer (a full OfferRecord file works)",
	    PART_HELP "  <ID>         Offer UUID\n", input_opts, 2, 2,
	    CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_post_put(&offer_records, &cmd, true, argc, argv);
}

static int
cmd_offer_delete(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer delete", "<PARTITION> <ID>",
	    "Delete an offer", PART_HELP "  <ID>         Offer UUID\n",
	    client_opts, 2, 2, CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_delete(&offer_records, &cmd, argc, argv);
}

static int
cmd_meta_get(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer metadata get",
	    "<PARTITION> [ID]",
	    "Get offer metadata, or a page of the partition's metadata without ID",
	    PART_HELP "  [ID]         Metadata UUID\n", get_opts, 1, 2,
	    CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_get(&offer_metadata, &cmd, argc, argv);
}

static int
cmd_meta_post(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer metadata post", NULL,
	    "Load new offer metadata (OfferMetadata JSON)", NULL, input_opts,
	    0, 0, CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_post_put(&offer_metadata, &cmd, false, argc, argv);
}

static int
cmd_meta_put(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer metadata put",
	    "<PARTITION> <ID>",
	    "Update or create offer metadata (a full OfferMetadata file works)",
	    PART_HELP "  <ID>         Metadata UUID\n", input_opts, 2, 2,
	    CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_post_put(&offer_metadata, &cmd, true, argc, argv);
}

static int
cmd_meta_delete(int argc, char **argv, const char *ctx)
{
	static const struct cli_cmd cmd = { "swgr offer metadata delete",
	    "<PARTITION> <ID>", "Delete offer metadata (fails while offers "
	    "reference it)", PART_HELP "  <ID>         Metadata UUID\n",
	    client_opts, 2, 2, CLI_CLIENT_FOOTER };

	(void)ctx;
	return run_delete(&offer_metadata, &cmd, argc, argv);
}

static const struct cli_sub metadata_subs[] = {
	{ "new", NULL, "Generate offer metadata JSON", cmd_meta_new, NULL },
	{ "get", NULL, "Get offer metadata", cmd_meta_get, NULL },
	{ "post", NULL, "Load new offer metadata", cmd_meta_post, NULL },
	{ "put", NULL, "Update or create offer metadata", cmd_meta_put, NULL },
	{ "delete", NULL, "Delete offer metadata", cmd_meta_delete, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static int
cmd_metadata(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cli_dispatch("swgr offer metadata", "Manage offer metadata",
	    metadata_subs, argc, argv);
}

static const struct cli_sub offer_subs[] = {
	{ "token", NULL, "Manage offer service tokens", cli_token, "offer" },
	{ "new", NULL, "Generate offer JSON", cmd_offer_new, NULL },
	{ "get", NULL, "Get an offer, or a page of offers", cmd_offer_get, NULL },
	{ "post", NULL, "Load a new offer", cmd_offer_post, NULL },
	{ "put", NULL, "Update or create an offer", cmd_offer_put, NULL },
	{ "delete", NULL, "Delete an offer", cmd_offer_delete, NULL },
	{ "metadata", NULL, "Manage offer metadata", cmd_metadata, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
cli_offer(int argc, char **argv, const char *ctx)
{
	(void)ctx;
	return cli_dispatch("swgr offer", "Manage offers", offer_subs, argc, argv);
}
