/*
 * swgr offer …: its command line (spec §15.5): options, the offer and
 * metadata templates, and the commands on the Offer service.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/uuid.h"
#include "model/model.h"

#define ENV	"OFFER"	/* the OFFER_STORE_HTTP_* environment variables */

static struct {
	const char	*partition;
	const char	*metadata_id;
	const char	*text;
	const char	*start;
	const char	*count;
	struct cli_io	 io;
} o;

static const struct cli_opt offer_new_opts[] = {
	{ "partition", 'p', "PARTITION", true, "Partition name", &o.partition },
	{ "metadata-id", 'm', "UUID", true, "Offer metadata id", &o.metadata_id },
	CLI_OPT_OUTPUT(o.io), CLI_OPT_END
};
static const struct cli_opt meta_new_opts[] = {
	{ "partition", 'p', "PARTITION", true, "Partition name", &o.partition },
	{ "text", 't', "TEXT", true, "Metadata text description", &o.text },
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

CLI_REC(offer_rec, offer, offers);
CLI_REC(meta_rec, metadata, metadatas);

/*
 * Offers and metadata differ only in their record type, URL collection
 * and messages: one table each.
 */
struct kind {
	const struct cli_rec	*rec;
	const char		*name;		/* of the template file */
	const char		*group;		/* the command group's path */
	const char		*id_word;	/* "<ID>  <id_word> UUID" in the help */
	const char		*coll;		/* URL segment */
	const char		*noun;		/* in other messages */
	const char		*query;		/* added to GET of one record, or NULL */
	size_t			 id_off;	/* of the record's struct swgr_uuid id */
	size_t			 part_off;	/* of its char *partition */
	const char		*missing_get;	/* "<X> " of "<X> <id> not found" */
	struct cli_outcome	 post, put, del;
};

static const struct kind offers = {
	&offer_rec, "offer", "swgr offer", "Offer", "offers", "offer", "sparse=true",
	offsetof(struct swgr_offer, id), offsetof(struct swgr_offer, partition),
	"Offer ",
	{ "Offer created: ", NULL, NULL, "Conflict. Offer already exists at: " },
	{ "Offer created: ", "Offer updated: ", NULL, NULL },
	{ NULL, "Offer deleted: ", "Offer not Found: ", NULL }
};

static const struct kind metadata = {
	&meta_rec, "metadata", "swgr offer metadata", "Metadata", "metadata",
	"offer metadata", NULL,
	offsetof(struct swgr_metadata, id), offsetof(struct swgr_metadata, partition),
	"Metadata ",
	{ "Created: ", NULL, NULL, "Conflict. Metadata already exists at: " },
	{ "Created: ", "Updated: ", NULL, NULL },
	{ NULL, "Deleted: ", "Not Found: ", NULL }
};

static struct swgr_uuid *
rec_id(const struct kind *k, void *v)
{
	return (struct swgr_uuid *)((char *)v + k->id_off);
}

static char **
rec_partition(const struct kind *k, void *v)
{
	return (char **)((char *)v + k->part_off);
}

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

/* A template command: its command line, kind, and what it puts in the record. */
struct template {
	struct cli_cmd		 cmd;
	const struct kind	*k;
	const char		*modify;	/* "Modify this JSON file to create <modify>" */
	bool			(*fill)(const char *path, void *v); /* false after a usage message */
};

static bool
fill_offer(const char *path, void *p)
{
	struct swgr_offer *v = p;
	char idtext[SWGR_UUID_STRLEN + 1];

	if (!parse_id(path, "--metadata-id <UUID>", o.metadata_id, &v->metadata_id,
	    idtext))
		return false;
	v->partition = (char *)o.partition;
	v->timestamp.sec = 0;
	v->has_expires = true;
	v->expires.sec = 86400;
	return true;
}

static bool
fill_meta(const char *path, void *p)
{
	struct swgr_metadata *v = p;

	(void)path;
	v->partition = (char *)o.partition;
	v->text = (char *)o.text;
	return true;
}

/* Writes a new record with a random id and tells what to do with it. */
static int
run_new(int argc, char **argv, const void *ctx)
{
	const struct template *t = ctx;
	const struct kind *k = t->k;
	union {
		struct swgr_offer	offer;
		struct swgr_metadata	meta;
	} v;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	const char *pos[1];
	size_t npos;
	int rc;

	if ((rc = cli_parse(&t->cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	memset(&v, 0, sizeof(v));
	if (!t->fill(t->cmd.path, &v))
		return CLI_EXIT_USAGE;
	if (swgr_uuid_random(rec_id(k, &v)) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINTERNAL, "generating a random %s id", k->name);
		return cli_fail(&err);
	}
	k->rec->write(&out, &v, true);
	if ((rc = cli_exit(cli_write_json(o.io.output, k->name, &out, &err), &err)) ==
	    CLI_EXIT_OK) {
		cli_log(SWGR_LOG_INFO, "Modify this JSON file to create %s", t->modify);
		cli_log(SWGR_LOG_INFO, "Load it into the Offer Service. "
		    "See: %s post --help", k->group);
	}
	swgr_buf_free(&out);
	return rc;
}

static const struct template offer_new = {
	{ "swgr offer new", NULL, "Generate offer JSON", NULL, offer_new_opts, 0, 0, NULL },
	&offers, "a unique offer", fill_offer
};
static const struct template meta_new = {
	{ "swgr offer metadata new", NULL, "Generate offer metadata JSON", NULL,
	    meta_new_opts, 0, 0, NULL },
	&metadata, "unique offer metadata", fill_meta
};

/* What get, post, put and delete take, of offers and metadata alike. */
struct action {
	const char		*name;
	const char		*synopsis;
	const char		*id_arg;	/* how the help names the ID, or NULL */
	const struct cli_opt	*opts;
	size_t			 minpos;
	size_t			 maxpos;
	const char		*method;
};

static const struct action get_action = { "get", "<PARTITION> [ID]", "[ID]", get_opts,
    1, 2, "GET" };
static const struct action post_action = { "post", NULL, NULL, input_opts, 0, 0, "POST" };
static const struct action put_action = { "put", "<PARTITION> <ID>", "<ID>", input_opts,
    2, 2, "PUT" };
static const struct action delete_action = { "delete", "<PARTITION> <ID>", "<ID>",
    client_opts, 2, 2, "DELETE" };

/* A command on the Offer service: an action on a kind of record, and its help's first line. */
struct remote {
	const struct kind	*k;
	const struct action	*a;
	const char		*about;
};

/* The command line of a remote command, parsed. */
struct args {
	const char		*partition;	/* NULL for post */
	char			 id[SWGR_UUID_STRLEN + 1];	/* canonical; "" if not given */
	struct swgr_uuid	 uuid;
	unsigned long long	 start;
	unsigned long long	 count;
};

/*
 * Parses the command line of d ("<group> <action>"): the positionals, the
 * ID, --start and --count (only get takes them, not with an ID).  Returns
 * CLI_RUN to go on, as cli_parse.
 */
static int
parse_remote(const struct remote *d, int argc, char **argv, struct args *a)
{
	char path[64], help[128];
	struct cli_cmd cmd = { path, d->a->synopsis, d->about, NULL, d->a->opts,
	    d->a->minpos, d->a->maxpos, CLI_CLIENT_FOOTER };
	const char *pos[2];
	size_t npos;
	int rc;

	snprintf(path, sizeof(path), "%s %s", d->k->group, d->a->name);
	if (d->a->id_arg != NULL) {
		snprintf(help, sizeof(help), "  <PARTITION>  Partition name\n"
		    "  %-12s %s UUID\n", d->a->id_arg, d->k->id_word);
		cmd.args_help = help;
	}
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	a->partition = npos > 0 ? pos[0] : NULL;
	a->id[0] = '\0';
	a->start = 0;
	a->count = 100;
	if (npos == 2) {
		if (o.start != NULL || o.count != NULL)
			return cli_usage(path, "the argument '%s' cannot be "
			    "used with '%s'", o.start != NULL ? "--start <N>" :
			    "--count <N>", d->a->id_arg);
		if (!parse_id(path, d->a->id_arg, pos[1], &a->uuid, a->id))
			return CLI_EXIT_USAGE;
	}
	if (o.start != NULL && !cli_parse_count(o.start, &a->start))
		return cli_usage(path, "invalid value '%s' for '--start <N>'", o.start);
	if (o.count != NULL && !cli_parse_count(o.count, &a->count))
		return cli_usage(path, "invalid value '%s' for '--count <N>'", o.count);
	return CLI_RUN;
}

/* GET one record into out, pretty. */
static enum swgr_rc
get_one(const struct kind *k, struct swgr_http_client *h, const struct args *a,
    struct swgr_buf *out, struct swgr_err *err)
{
	const char *segs[] = { k->coll, a->partition, a->id };
	char what[64], parsing[64];
	const struct swgr_http_req q = { .method = "GET", .segs = segs, .nsegs = 3,
	    .query = k->query, .what = what };

	snprintf(what, sizeof(what), "get %s", k->noun);
	snprintf(parsing, sizeof(parsing), "parsing %s", k->noun);
	return cli_get_one(h, &q, k->rec, k->missing_get, parsing, out, err);
}

/* GET a page of a partition's records into out, a pretty array. */
static enum swgr_rc
get_page(const struct kind *k, struct swgr_http_client *h, const struct args *a,
    struct swgr_buf *out, struct swgr_err *err)
{
	const char *segs[] = { k->coll, a->partition };
	char what[64], query[64], parsing[64];
	const struct swgr_http_req q = { .method = "GET", .segs = segs, .nsegs = 2,
	    .query = query, .what = what };
	enum swgr_rc rc;
	void *v;
	size_t n;

	snprintf(what, sizeof(what), "get all %s", k->noun);
	snprintf(query, sizeof(query), "start=%llu&count=%llu", a->start, a->count);
	snprintf(parsing, sizeof(parsing), "parsing all %s", k->noun);
	if ((rc = cli_get_all(h, &q, k->rec, parsing, &v, &n, err)) == SWGR_OK) {
		k->rec->write_all(out, v, n, true);
		k->rec->free_all(v, n);
	}
	return rc;
}

static int
run_get(int argc, char **argv, const void *ctx)
{
	const struct remote *d = ctx;
	struct swgr_http_client *h = NULL;
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	enum swgr_rc src;
	struct args a;
	int rc;

	if ((rc = parse_remote(d, argc, argv, &a)) != CLI_RUN)
		return rc;
	if ((src = cli_http_open(ENV, &o.io.client, &h, &err)) == SWGR_OK)
		src = a.id[0] != '\0' ? get_one(d->k, h, &a, &out, &err) :
		    get_page(d->k, h, &a, &out, &err);
	if (src == SWGR_OK)
		src = cli_write_json(o.io.output, d->k->noun, &out, &err);
	rc = cli_exit(src, &err);
	swgr_buf_free(&out);
	swgr_http_client_free(h);
	return rc;
}

/* Sends d's change of the record id with body and tells the outcome. */
static int
send_change(const struct remote *d, const char *partition, const char *id,
    const char *body, size_t len)
{
	bool post = d->a == &post_action, put = d->a == &put_action;
	const char *segs[] = { d->k->coll, partition, id };
	char what[64];
	const struct swgr_http_req q = { .method = d->a->method, .segs = segs,
	    .nsegs = post ? 1 : 3, .body = body, .bodylen = len, .what = what };

	snprintf(what, sizeof(what), "%s %s", post ? "post" : put ? "put" : "delete",
	    d->k->noun);
	return cli_send(ENV, &o.io.client, &q, post ? &d->k->post : put ? &d->k->put :
	    &d->k->del, id, id);
}

/* POST (no positionals) or PUT <PARTITION> <ID> of a validated record. */
static int
run_post_put(int argc, char **argv, const void *ctx)
{
	const struct remote *d = ctx;
	const struct kind *k = d->k;
	bool put = d->a == &put_action;
	struct swgr_buf body = { 0 };
	struct swgr_err err;
	enum swgr_rc src = SWGR_OK;
	struct args a;
	char *part;
	void *v;
	int rc;

	if ((rc = parse_remote(d, argc, argv, &a)) != CLI_RUN)
		return rc;
	if (cli_read_rec(o.io.input, k->noun, k->rec, put ? SWGR_SHAPE_SPARSE :
	    SWGR_SHAPE_FULL, &v, &err) != SWGR_OK)
		return cli_fail(&err);
	if (!put)
		swgr_uuid_format(rec_id(k, v), a.id);
	else if ((part = strdup(a.partition)) != NULL) {
		/* The record sent is whole: identity from the command line. */
		free(*rec_partition(k, v));
		*rec_partition(k, v) = part;
		*rec_id(k, v) = a.uuid;
	} else
		src = SWGR_ENOMEM;
	if (src == SWGR_OK) {
		k->rec->write(&body, v, false);
		src = swgr_buf_ok(&body) ? SWGR_OK : SWGR_ENOMEM;
	}
	k->rec->free_one(v);
	free(v);
	if (src == SWGR_OK)
		rc = send_change(d, a.partition, a.id, body.p, body.len);
	else {
		swgr_err_set(&err, src, "out of memory");
		rc = cli_fail(&err);
	}
	swgr_buf_free(&body);
	return rc;
}

static int
run_delete(int argc, char **argv, const void *ctx)
{
	const struct remote *d = ctx;
	struct args a;
	int rc;

	if ((rc = parse_remote(d, argc, argv, &a)) != CLI_RUN)
		return rc;
	return send_change(d, a.partition, a.id, NULL, 0);
}

static const struct remote offer_get = { &offers, &get_action,
    "Get an offer, or a page of the partition's offers without ID" };
static const struct remote offer_post = { &offers, &post_action,
    "Load a new offer (OfferRecord JSON)" };
static const struct remote offer_put = { &offers, &put_action,
    "Update or create an offer (a full OfferRecord file works)" };
static const struct remote offer_delete = { &offers, &delete_action, "Delete an offer" };
static const struct remote meta_get = { &metadata, &get_action,
    "Get offer metadata, or a page of the partition's metadata without ID" };
static const struct remote meta_post = { &metadata, &post_action,
    "Load new offer metadata (OfferMetadata JSON)" };
static const struct remote meta_put = { &metadata, &put_action,
    "Update or create offer metadata (a full OfferMetadata file works)" };
static const struct remote meta_delete = { &metadata, &delete_action,
    "Delete offer metadata (fails while offers reference it)" };

static const struct cli_sub metadata_subs[] = {
	{ "new", NULL, "Generate offer metadata JSON", run_new, &meta_new },
	{ "get", NULL, "Get offer metadata", run_get, &meta_get },
	{ "post", NULL, "Load new offer metadata", run_post_put, &meta_post },
	{ "put", NULL, "Update or create offer metadata", run_post_put, &meta_put },
	{ "delete", NULL, "Delete offer metadata", run_delete, &meta_delete },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct cli_group metadata_group = { "swgr offer metadata",
    "Manage offer metadata", metadata_subs };

static const struct cli_sub offer_subs[] = {
	{ "token", NULL, "Manage offer service tokens", cli_token, "offer" },
	{ "new", NULL, "Generate offer JSON", run_new, &offer_new },
	{ "get", NULL, "Get an offer, or a page of offers", run_get, &offer_get },
	{ "post", NULL, "Load a new offer", run_post_put, &offer_post },
	{ "put", NULL, "Update or create an offer", run_post_put, &offer_put },
	{ "delete", NULL, "Delete an offer", run_delete, &offer_delete },
	{ "metadata", NULL, "Manage offer metadata", cli_run_group, &metadata_group },
	{ "address", NULL, "Manage Lightning Addresses", cli_run_group, &cli_address },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct cli_group cli_offer = { "swgr offer", "Manage offers", offer_subs };
