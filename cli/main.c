/* The swgr command: global options, the shared option parser, logging and file I/O. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "cli.h"

#ifndef PACKAGE_VERSION
#error "PACKAGE_VERSION comes from configure.ac (AC_INIT) through DEFS"
#endif

#define READ_MAX	(16 * 1024 * 1024)	/* largest input file accepted */

static enum swgr_log_level log_level = SWGR_LOG_INFO;

static const char *const level_names[] = {
	"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"
};

void
cli_log_level(enum swgr_log_level level)
{
	log_level = level;
}

void
cli_log(enum swgr_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == SWGR_LOG_OFF || level > log_level)
		return;
	fprintf(stderr, "[%s] ", level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_fail(const struct swgr_err *err)
{
	cli_log(SWGR_LOG_ERROR, "%s", err->msg[0] != '\0' ? err->msg :
	    swgr_rc_name(err->rc));
	return CLI_EXIT_ERR;
}

int
cli_exit(enum swgr_rc rc, const struct swgr_err *err)
{
	return rc == SWGR_OK ? CLI_EXIT_OK : cli_fail(err);
}

int
cli_usage(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nFor more information, try '%s --help'.\n", path);
	return CLI_EXIT_USAGE;
}

/* "-o, --output <FILE>" for help and messages. */
static void
opt_name(const struct cli_opt *o, char *buf, size_t sz)
{
	if (o->metavar != NULL)
		snprintf(buf, sz, "--%s <%s>", o->lng, o->metavar);
	else
		snprintf(buf, sz, "--%s", o->lng);
}

static void
print_help(const struct cli_cmd *cmd)
{
	const struct cli_opt *o;
	char name[80], flag[96];

	printf("%s\n\nUsage: %s [OPTIONS]%s%s\n\n", cmd->about, cmd->path,
	    cmd->synopsis != NULL ? " " : "",
	    cmd->synopsis != NULL ? cmd->synopsis : "");
	if (cmd->args_help != NULL)
		printf("Arguments:\n%s\n", cmd->args_help);
	printf("Options:\n");
	for (o = cmd->opts; o != NULL && o->lng != NULL; o++) {
		opt_name(o, name, sizeof(name));
		if (o->shrt != 0)
			snprintf(flag, sizeof(flag), "-%c, %s", o->shrt, name);
		else
			snprintf(flag, sizeof(flag), "    %s", name);
		printf("  %-32s %s%s\n", flag, o->help,
		    o->required ? " (required)" : "");
	}
	printf("  %-32s %s\n", "-h, --help", "Print help");
	if (cmd->footer != NULL)
		printf("\n%s", cmd->footer);
}

static const struct cli_opt *
find_long(const struct cli_opt *opts, const char *name, size_t len)
{
	for (; opts != NULL && opts->lng != NULL; opts++)
		if (strlen(opts->lng) == len && strncmp(opts->lng, name, len) == 0)
			return opts;
	return NULL;
}

static const struct cli_opt *
find_short(const struct cli_opt *opts, char c)
{
	for (; opts != NULL && opts->lng != NULL; opts++)
		if (opts->shrt == c)
			return opts;
	return NULL;
}

/* Stores v for o; a second occurrence is a usage error. */
static int
set_opt(const struct cli_cmd *cmd, const struct cli_opt *o, const char *v)
{
	char name[80];

	if (*o->val != NULL) {
		opt_name(o, name, sizeof(name));
		return cli_usage(cmd->path,
		    "the argument '%s' cannot be used multiple times", name);
	}
	*o->val = v;
	return CLI_RUN;
}

/* Stores the value of o: inl (given with the option) if not NULL, else the next argument. */
static int
set_value(const struct cli_cmd *cmd, const struct cli_opt *o, const char *inl,
    int argc, char **argv, int *i)
{
	char name[80];

	if (inl == NULL && *i + 1 < argc)
		inl = argv[++*i];
	else if (inl == NULL) {
		opt_name(o, name, sizeof(name));
		return cli_usage(cmd->path, "a value is required "
		    "for '%s' but none was supplied", name);
	}
	return set_opt(cmd, o, inl);
}

int
cli_parse(const struct cli_cmd *cmd, int argc, char **argv,
    const char **pos, size_t *npos)
{
	const struct cli_opt *o;
	const char *a, *eq;
	char name[80];
	bool only_pos = false;
	size_t nlen;
	int i, rc;

	*npos = 0;
	for (o = cmd->opts; o != NULL && o->lng != NULL; o++)
		*o->val = NULL;
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (*npos == cmd->maxpos)
				return cli_usage(cmd->path,
				    "unexpected argument '%s' found", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (a[1] == '-') {
			a += 2;
			eq = strchr(a, '=');
			nlen = eq != NULL ? (size_t)(eq - a) : strlen(a);
			if (nlen == 4 && strncmp(a, "help", 4) == 0) {
				print_help(cmd);
				return CLI_EXIT_OK;
			}
			o = find_long(cmd->opts, a, nlen);
			if (o == NULL)
				return cli_usage(cmd->path,
				    "unexpected argument '%s' found", argv[i]);
			if (o->metavar == NULL && eq != NULL)
				return cli_usage(cmd->path, "unexpected "
				    "value for '--%s'", o->lng);
			if ((rc = o->metavar == NULL ? set_opt(cmd, o, "") :
			    set_value(cmd, o, eq != NULL ? eq + 1 : NULL, argc, argv,
			    &i)) != CLI_RUN)
				return rc;
			continue;
		}
		/* Short options: flags may be grouped, a value ends the group. */
		for (a++; *a != '\0'; a++) {
			if (*a == 'h') {
				print_help(cmd);
				return CLI_EXIT_OK;
			}
			if ((o = find_short(cmd->opts, *a)) == NULL)
				return cli_usage(cmd->path,
				    "unexpected argument '-%c' found", *a);
			if (o->metavar == NULL) {
				if ((rc = set_opt(cmd, o, "")) != CLI_RUN)
					return rc;
				continue;
			}
			if ((rc = set_value(cmd, o, a[1] == '\0' ? NULL : a[1] == '=' ?
			    a + 2 : a + 1, argc, argv, &i)) != CLI_RUN)
				return rc;
			break;
		}
	}
	for (o = cmd->opts; o != NULL && o->lng != NULL; o++) {
		if (o->required && *o->val == NULL) {
			opt_name(o, name, sizeof(name));
			return cli_usage(cmd->path, "the following required "
			    "arguments were not provided: %s", name);
		}
	}
	if (*npos < cmd->minpos)
		return cli_usage(cmd->path, "the following required arguments "
		    "were not provided: %s", cmd->synopsis);
	return CLI_RUN;
}

static void
print_group_help(FILE *f, const char *path, const char *about,
    const struct cli_sub *subs)
{
	const struct cli_sub *s;
	char name[64];

	fprintf(f, "%s\n\nUsage: %s <COMMAND>\n\nCommands:\n", about, path);
	for (s = subs; s->name != NULL; s++) {
		if (s->alias != NULL)
			snprintf(name, sizeof(name), "%s, %s", s->name, s->alias);
		else
			snprintf(name, sizeof(name), "%s", s->name);
		fprintf(f, "  %-12s %s\n", name, s->about);
	}
	fprintf(f, "\nOptions:\n  %-12s Print help\n\n"
	    "Run '%s <COMMAND> --help' for the options of a command.\n",
	    "-h, --help", path);
}

int
cli_dispatch(const char *path, const char *about, const struct cli_sub *subs,
    int argc, char **argv)
{
	const struct cli_sub *s;

	if (argc == 0) {
		print_group_help(stderr, path, about, subs);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		print_group_help(stdout, path, about, subs);
		return CLI_EXIT_OK;
	}
	for (s = subs; s->name != NULL; s++) {
		if (strcmp(argv[0], s->name) == 0 ||
		    (s->alias != NULL && strcmp(argv[0], s->alias) == 0))
			return s->run(argc - 1, argv + 1, s->ctx);
	}
	if (argv[0][0] == '-')
		return cli_usage(path, "unexpected argument '%s' found", argv[0]);
	return cli_usage(path, "unrecognized subcommand '%s'", argv[0]);
}

int
cli_run_group(int argc, char **argv, const void *ctx)
{
	const struct cli_group *g = ctx;

	return cli_dispatch(g->path, g->about, g->subs, argc, argv);
}

const char *
cli_input_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
}

enum swgr_rc
cli_read(const char *path, const char *what, char **out, size_t *len,
    struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	bool std = path == NULL || strcmp(path, "-") == 0;
	const char *name = cli_input_name(path);
	char chunk[8192];
	ssize_t n;
	int fd;

	*out = NULL;
	if (std)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return swgr_err_set(err, SWGR_EINTERNAL, "reading %s: %s: %s",
		    what, name, strerror(errno));
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			swgr_err_set(err, SWGR_EINTERNAL, "reading %s: %s: %s",
			    what, name, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > READ_MAX) {
			swgr_err_set(err, SWGR_EINTERNAL, "reading %s: %s: "
			    "larger than %d bytes", what, name, READ_MAX);
			goto fail;
		}
		swgr_buf_put(&b, chunk, (size_t)n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if ((*out = swgr_buf_take(&b, len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "reading %s: out of memory",
		    what);
	return SWGR_OK;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	swgr_buf_free(&b);
	return err != NULL ? err->rc : SWGR_EINTERNAL;
}

enum swgr_rc
cli_write(const char *path, const char *what, const char *p, size_t len,
    int mode, struct swgr_err *err)
{
	const char *name = path == NULL || strcmp(path, "-") == 0 ? "stdout" : path;
	size_t off = 0;
	ssize_t n;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		fflush(stdout);
		fd = STDOUT_FILENO;
	} else if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return swgr_err_set(err, SWGR_EINTERNAL, "writing %s to: %s: %s",
		    what, name, strerror(errno));
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			swgr_err_set(err, SWGR_EINTERNAL, "writing %s to: %s: %s",
			    what, name, strerror(errno));
			if (fd != STDOUT_FILENO)
				close(fd);
			return SWGR_EINTERNAL;
		}
		off += (size_t)n;
	}
	if (fd != STDOUT_FILENO && close(fd) == -1)
		return swgr_err_set(err, SWGR_EINTERNAL, "writing %s to: %s: %s",
		    what, name, strerror(errno));
	return SWGR_OK;
}

enum swgr_rc
cli_read_rec(const char *path, const char *noun, const struct cli_rec *rec,
    enum swgr_shape shape, void **out, struct swgr_err *err)
{
	enum swgr_rc rc;
	size_t len;
	char *text;

	*out = NULL;
	if ((rc = cli_read(path, noun, &text, &len, err)) != SWGR_OK)
		return rc;
	if ((*out = calloc(1, rec->size)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	else if ((rc = rec->parse(text, len, shape, *out, err)) != SWGR_OK) {
		swgr_err_wrap(err, "parsing %s from: %s", noun, cli_input_name(path));
		free(*out);
		*out = NULL;
	}
	free(text);
	return rc;
}

enum swgr_rc
cli_write_buf(const char *path, const char *what, const struct swgr_buf *b,
    struct swgr_err *err)
{
	if (!swgr_buf_ok(b))
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return cli_write(path, what, b->p, b->len, 0644, err);
}

enum swgr_rc
cli_write_json(const char *path, const char *what, struct swgr_buf *b,
    struct swgr_err *err)
{
	swgr_buf_putc(b, '\n');
	return cli_write_buf(path, what, b, err);
}

bool
cli_parse_count(const char *s, unsigned long long *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The original's "swgr service": here the services are FastCGI responders. */
static int
cmd_service(int argc, char **argv, const void *ctx)
{
	static const char msg[] = "swgr service is not available in this suite: "
	    "the services run as the FastCGI\nresponders swgr-discovery, "
	    "swgr-offer and swgr-lnurl behind a web server; see swgr(1).\n";
	int i;

	(void)ctx;
	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(msg, stdout);
			return CLI_EXIT_OK;
		}
	}
	fputs(msg, stderr);
	return CLI_EXIT_USAGE;
}

static const struct cli_sub root_subs[] = {
	{ "service", NULL, "Run services (not here: use the FastCGI responders)",
	    cmd_service, NULL },
	{ "offer", NULL, "Manage offers", cli_run_group, &cli_offer },
	{ "discovery", NULL, "Manage discovery", cli_run_group, &cli_discovery },
	{ NULL, NULL, NULL, NULL, NULL }
};

static void
root_help(FILE *f)
{
	fprintf(f, "Admin client of the swgr LNURL balancer\n\n"
	    "Usage: swgr [OPTIONS] <COMMAND>\n\n"
	    "Commands:\n"
	    "  offer       Manage offers, offer metadata, addresses and offer tokens\n"
	    "  discovery   Manage backends and discovery tokens\n"
	    "  service     Not available: the services are FastCGI responders\n\n"
	    "Options:\n"
	    "  -l, --log-level <LEVEL>  off, error, warn, info (default), debug, "
	    "trace\n"
	    "  -h, --help               Print help\n"
	    "  -V, --version            Print version\n");
}

int
main(int argc, char **argv)
{
	enum swgr_log_level level;
	const char *lv = NULL;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			root_help(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("swgr (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
			return CLI_EXIT_OK;
		}
		if (lv != NULL && (strncmp(a, "-l", 2) == 0 ||
		    strncmp(a, "--log-level", 11) == 0))
			return cli_usage("swgr", "the argument '--log-level "
			    "<LEVEL>' cannot be used multiple times");
		if (strcmp(a, "-l") == 0 || strcmp(a, "--log-level") == 0) {
			if (i + 1 == argc)
				return cli_usage("swgr", "a value is required for "
				    "'--log-level <LEVEL>' but none was supplied");
			lv = argv[++i];
		} else if (strncmp(a, "--log-level=", 12) == 0)
			lv = a + 12;
		else if (strncmp(a, "-l", 2) == 0)
			lv = a[2] == '=' ? a + 3 : a + 2;
		else
			return cli_usage("swgr", "unexpected argument '%s' found", a);
		if (!swgr_log_level_parse(lv, &level))
			return cli_usage("swgr", "invalid value '%s' for "
			    "'--log-level <LEVEL>': one of off, error, warn, info, "
			    "debug, trace", lv);
		cli_log_level(level);
	}
	if (i == argc) {
		root_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		root_help(stdout);
		rc = CLI_EXIT_OK;
	} else
		rc = cli_dispatch("swgr", "Admin client of the swgr LNURL balancer",
		    root_subs, argc - i, argv + i);
	return rc;
}
