/* The swgr command: option parsing, command tables, logging, file I/O and the admin HTTP client. */
#ifndef SWGR_CLI_H
#define SWGR_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "model/model.h"
#include "net/http.h"

/* Exit statuses (spec §15). */
#define CLI_EXIT_OK	0
#define CLI_EXIT_ERR	1	/* runtime error, logged as "[ERROR] ..." */
#define CLI_EXIT_USAGE	2	/* bad command line */

/* cli_parse() result meaning "go on and run the command". */
#define CLI_RUN		(-1)

/*
 * One option of a command.  A value option stores its argument in *val; a
 * flag (metavar NULL) stores "".  Options given twice are usage errors.
 */
struct cli_opt {
	const char	 *lng;		/* long name without "--" */
	char		  shrt;		/* short letter, or 0 */
	const char	 *metavar;	/* e.g. "FILE"; NULL for a flag */
	bool		  required;
	const char	 *help;
	const char	**val;
};

/* A leaf command: its help text and what it accepts. */
struct cli_cmd {
	const char		*path;		/* "swgr discovery get" */
	const char		*synopsis;	/* positionals, e.g. "[PUBLIC_KEY]" */
	const char		*about;
	const char		*args_help;	/* "Arguments:" lines, or NULL */
	const struct cli_opt	*opts;		/* terminated by an all-zero entry */
	size_t			 minpos;
	size_t			 maxpos;
	const char		*footer;	/* text after the options, or NULL */
};

/*
 * Parses the arguments after the command name: long and short options
 * ("--opt value", "--opt=value", "-o value", "-ovalue"), "--" ending options,
 * "-" as a plain argument, positionals into pos[0..maxpos).  -h/--help prints
 * the command's help on stdout.  Returns CLI_RUN to go on, CLI_EXIT_OK after
 * help, CLI_EXIT_USAGE after a usage message on stderr.
 */
int	 cli_parse(const struct cli_cmd *cmd, int argc, char **argv,
	    const char **pos, size_t *npos);
/* Prints "<path>: <message>" and the --help hint on stderr; returns CLI_EXIT_USAGE. */
int	 cli_usage(const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * A row of a command group: run gets the arguments after the name and ctx,
 * the command's own data (its descriptor, the token audience, a group).
 */
struct cli_sub {
	const char	*name;
	const char	*alias;		/* or NULL */
	const char	*about;
	int		(*run)(int argc, char **argv, const void *ctx);
	const void	*ctx;
};

/* A command group ("swgr discovery"): subcommands dispatched by name. */
struct cli_group {
	const char		*path;
	const char		*about;
	const struct cli_sub	*subs;		/* terminated by a NULL name */
};

/*
 * Runs the subcommand named by argv[0] with the remaining arguments.  No
 * subcommand is a usage error; -h/--help/help prints the list.  Returns the
 * exit status.
 */
int	 cli_dispatch(const char *path, const char *about,
	    const struct cli_sub *subs, int argc, char **argv);
/* cli_dispatch of the struct cli_group ctx: the run of a group's row. */
int	 cli_run_group(int argc, char **argv, const void *ctx);

/* Diagnostics on stderr as "[LEVEL] message", filtered by the -l level. */
void	 cli_log_level(enum swgr_log_level level);
void	 cli_log(enum swgr_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Logs err's message at ERROR and returns CLI_EXIT_ERR. */
int	 cli_fail(const struct swgr_err *err);
/* CLI_EXIT_OK if rc is SWGR_OK, else cli_fail(err). */
int	 cli_exit(enum swgr_rc rc, const struct swgr_err *err);

/*
 * Whole-file I/O; path NULL or "-" means stdin/stdout.  cli_read's *out is
 * malloc'd and NUL-terminated.  cli_write creates files with mode (umask
 * applies) and writes exactly len bytes.
 */
enum swgr_rc cli_read(const char *path, const char *what, char **out, size_t *len,
	    struct swgr_err *err);
enum swgr_rc cli_write(const char *path, const char *what, const char *p, size_t len,
	    int mode, struct swgr_err *err);
/* Parses a non-negative decimal (usize) option value; false if invalid. */
bool	 cli_parse_count(const char *s, unsigned long long *out);
/* How messages name an input path: "stdin" for NULL or "-", else path. */
const char *cli_input_name(const char *path);
/* cli_write of b (mode 0644); SWGR_ENOMEM if b ran out of memory. */
enum swgr_rc cli_write_buf(const char *path, const char *what, const struct swgr_buf *b,
	    struct swgr_err *err);
/* cli_write_buf of the JSON text b and a newline. */
enum swgr_rc cli_write_json(const char *path, const char *what, struct swgr_buf *b,
	    struct swgr_err *err);

/* The end of an option table. */
#define CLI_OPT_END	{ NULL, 0, NULL, false, NULL, NULL }

/*
 * A record type of the admin services (model/model.h), type-erased so
 * that one reader, writer and request serves backends, offers and
 * metadata.  CLI_REC(name, one, many) defines the table `name` over
 * struct swgr_<one> and the swgr_<one>_* / swgr_<many>_* functions.
 */
struct cli_rec {
	size_t		 size;
	enum swgr_rc	(*parse)(const char *, size_t, enum swgr_shape, void *,
			    struct swgr_err *);
	void		(*write)(struct swgr_buf *, const void *, bool);
	void		(*write_all)(struct swgr_buf *, const void *, size_t, bool);
	void		(*free_one)(void *);
	void		(*free_all)(void *, size_t);
};

#define CLI_REC(name, one, many)					\
static enum swgr_rc							\
name##_parse(const char *t, size_t n, enum swgr_shape s, void *v,	\
    struct swgr_err *e)							\
{									\
	return swgr_##one##_from_json(t, n, s, v, e);			\
}									\
static void								\
name##_write(struct swgr_buf *b, const void *v, bool p)			\
{									\
	swgr_##one##_to_json(b, v, p);					\
}									\
static void								\
name##_write_all(struct swgr_buf *b, const void *v, size_t n, bool p)	\
{									\
	swgr_##many##_to_json(b, v, n, p);				\
}									\
static void name##_free(void *v) { swgr_##one##_free(v); }		\
static void name##_free_all(void *v, size_t n) { swgr_##many##_free(v, n); } \
static const struct cli_rec name = { sizeof(struct swgr_##one),	\
	name##_parse, name##_write, name##_write_all, name##_free,	\
	name##_free_all }

/*
 * Reads the JSON input at path (cli_read) as one record of rec in shape:
 * *out calloc'd, free with rec->free_one and free.  Read errors name the
 * input as "reading <noun>", parse errors as "parsing <noun> from: <path>".
 */
enum swgr_rc cli_read_rec(const char *path, const char *noun, const struct cli_rec *rec,
	    enum swgr_shape shape, void **out, struct swgr_err *err);

/* -b/-a/-t of every remote command (spec §15.2). */
struct cli_client {
	const char	*base_url;
	const char	*auth_path;
	const char	*roots_path;
};

/* The options the remote commands of both services share: -o, -i and the client's. */
struct cli_io {
	const char		*output;
	const char		*input;
	struct cli_client	 client;
};

#define CLI_OPT_OUTPUT(io)	{ "output", 'o', "FILE", false, "Output path, defaults to stdout", &(io).output }
#define CLI_OPT_INPUT(io)	{ "input", 'i', "FILE", false, "JSON source path, defaults to stdin", &(io).input }

#define CLI_CLIENT_OPTS(c, ENV)						\
	{ "base-url", 'b', "URL", false,				\
	    "Service base URL [env: " ENV "_STORE_HTTP_BASE_URL]",	\
	    &(c).base_url },						\
	{ "authorization-path", 'a', "FILE", false,			\
	    "Bearer token file [env: " ENV "_STORE_HTTP_AUTHORIZATION]",\
	    &(c).auth_path },						\
	{ "trusted-roots", 't', "PEM", false,				\
	    "Extra trusted root certificates, PEM "			\
	    "[env: " ENV "_STORE_HTTP_TRUSTED_ROOTS]",			\
	    &(c).roots_path }

#define CLI_CLIENT_FOOTER						\
	"HTTPS servers are verified against the system roots (SSL_CERT_FILE,\n" \
	"SSL_CERT_DIR) plus --trusted-roots.  Connect and total timeouts are\n" \
	"1 second each; SWGR_HTTP_TIMEOUT_SECS=<seconds> overrides both.\n"

/*
 * Resolves the client options against the environment variables named
 * <env>_STORE_HTTP_* ("DISCOVERY" or "OFFER"), reads the authorization file
 * (trimmed of ASCII whitespace) and the trusted roots, and makes the
 * client (libswgr/net/http.h).  *out must be freed with
 * swgr_http_client_free if and only if SWGR_OK is returned.
 */
enum swgr_rc cli_http_open(const char *env, const struct cli_client *c,
	    struct swgr_http_client **out, struct swgr_err *err);
/*
 * swgr_http_do of q (segments percent-encoded, "?query" if not NULL, a JSON
 * body if not NULL), logged at DEBUG.  Any HTTP status is SWGR_OK; free r
 * with swgr_http_resp_free in either case.
 */
enum swgr_rc cli_http_request(struct swgr_http_client *h, const struct swgr_http_req *q,
	    struct swgr_http_resp *r, struct swgr_err *err);
/*
 * GET q of one record of rec, written to out as pretty JSON.  404 is
 * SWGR_NOTFOUND "<missing><last segment> not found"; another status than
 * 200 the HTTP status error; a body that is not a record SWGR_EUPSTREAM
 * "<parsing> <url>: ...".
 */
enum swgr_rc cli_get_one(struct swgr_http_client *h, const struct swgr_http_req *q,
	    const struct cli_rec *rec, const char *missing, const char *parsing,
	    struct swgr_buf *out, struct swgr_err *err);
/*
 * GET q of an array of records of rec into *v, *n (free with
 * rec->free_all); errors as cli_get_one's, without the 404.
 */
enum swgr_rc cli_get_all(struct swgr_http_client *h, const struct swgr_http_req *q,
	    const struct cli_rec *rec, const char *parsing, void **v, size_t *n,
	    struct swgr_err *err);

/*
 * What an answer to a change means: the INFO prefix for 201 (created) and
 * 204 (updated), the error prefix for 404 (missing, SWGR_NOTFOUND) and 409
 * (conflict, SWGR_CONFLICT); NULL where the status is not expected, so
 * that it is the HTTP status error.
 */
struct cli_outcome {
	const char	*created;
	const char	*updated;
	const char	*missing;
	const char	*conflict;
};

/*
 * Sends q over a client opened from env and c and reports the outcome by
 * oc: "[INFO] <prefix><label>" on success, "[ERROR] <prefix><id>" on 404
 * or 409, else the error.  Returns the command's exit status.
 */
int	 cli_send(const char *env, const struct cli_client *c, const struct swgr_http_req *q,
	    const struct cli_outcome *oc, const char *id, const char *label);

/*
 * Command groups, one per file (cli_address: swgr offer address); token's
 * ctx is the audience ("discovery", "offer").
 */
extern const struct cli_group cli_discovery, cli_offer, cli_address;
int	 cli_token(int argc, char **argv, const void *aud);
/* swgr discovery status (cmd_status.c): exit 0 all healthy, 1 a problem, 2 no answer. */
int	 cli_discovery_status(int argc, char **argv, const void *ctx);

#endif
