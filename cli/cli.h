/* The swgr command: option parsing, command tables, logging, file I/O and the admin HTTP client. */
#ifndef SWGR_CLI_H
#define SWGR_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
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

/* A command group ("swgr discovery"): subcommands dispatched by name. */
struct cli_sub {
	const char	*name;
	const char	*alias;		/* or NULL */
	const char	*about;
	int		(*run)(int argc, char **argv, const char *ctx);
	const char	*ctx;		/* passed to run (e.g. the token audience) */
};

/*
 * Runs the subcommand named by argv[0] with the remaining arguments.  No
 * subcommand is a usage error; -h/--help/help prints the list.  Returns the
 * exit status.
 */
int	 cli_dispatch(const char *path, const char *about,
	    const struct cli_sub *subs, int argc, char **argv);

/* Diagnostics on stderr as "[LEVEL] message", filtered by the -l level. */
void	 cli_log_level(enum swgr_log_level level);
void	 cli_log(enum swgr_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Logs err's message at ERROR and returns CLI_EXIT_ERR. */
int	 cli_fail(const struct swgr_err *err);

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

/* -b/-a/-t of every remote command (spec §15.2). */
struct cli_client {
	const char	*base_url;
	const char	*auth_path;
	const char	*roots_path;
};

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
 * One request to <base>/<seg>/<seg>... (each segment percent-encoded),
 * with "?query" if query is not NULL and a JSON body if body is not NULL,
 * logged at DEBUG.  As swgr_http_do: any HTTP status is SWGR_OK; free r
 * with swgr_http_resp_free in either case.
 */
enum swgr_rc cli_http_request(struct swgr_http_client *h, const char *method,
	    const char *const *segs, size_t nsegs, const char *query,
	    const char *body, size_t bodylen, const char *what,
	    struct swgr_http_resp *r, struct swgr_err *err);
/*
 * Splits a JSON array text into the compact texts of its elements
 * (*elems and each element malloc'd; free with swgr_strv_free).
 */
enum swgr_rc cli_json_array(const char *text, size_t len, char ***elems,
	    size_t *n, struct swgr_err *err);

/* Command groups, one per file. */
int	 cli_discovery(int argc, char **argv, const char *ctx);
int	 cli_offer(int argc, char **argv, const char *ctx);
int	 cli_token(int argc, char **argv, const char *aud);

#endif
