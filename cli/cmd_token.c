/* swgr discovery|offer token key|mint|mint-all|verify (spec §15.3). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "cli.h"
#include "auth/token.h"

static struct {
	const char	*pub;
	const char	*priv;
	const char	*key;
	const char	*expires;
	const char	*output;
	const char	*token;
} o;

#define OPT_PUBLIC_OUT	{ "public", 'p', "FILE", true, "Public key output path (SPKI PEM)", &o.pub }
#define OPT_PRIVATE_OUT	{ "private", 'k', "FILE", true, "Private key output path (PKCS#8 PEM, mode 0600)", &o.priv }
#define OPT_EXPIRES	{ "expires", 'e', "SECONDS", true, "Expires, seconds from now", &o.expires }
#define OPT_OUTPUT	{ "output", 'o', "FILE", false, "Token output path, defaults to stdout", &o.output }

static const struct cli_opt key_opts[] = { OPT_PUBLIC_OUT, OPT_PRIVATE_OUT, CLI_OPT_END };
static const struct cli_opt mint_opts[] = {
	{ "key", 'k', "FILE", true, "ECDSA prime256v1 private key, PKCS#8 PEM", &o.key },
	OPT_EXPIRES, OPT_OUTPUT, CLI_OPT_END
};
static const struct cli_opt mint_all_opts[] = {
	OPT_PUBLIC_OUT, OPT_PRIVATE_OUT, OPT_EXPIRES, OPT_OUTPUT, CLI_OPT_END
};
static const struct cli_opt verify_opts[] = {
	{ "public", 'p', "FILE", true, "ECDSA prime256v1 public key, SPKI PEM", &o.pub },
	{ "token", 't', "FILE", false, "Token input path, defaults to stdin", &o.token },
	{ "output", 'o', "FILE", false, "Claims output path, defaults to stdout", &o.output },
	CLI_OPT_END
};

/* Parses --expires and gives the absolute exp; false after a usage message. */
static bool
expiry(const char *path, int64_t *exp)
{
	unsigned long long secs;
	int64_t now = (int64_t)time(NULL);

	if (!cli_parse_count(o.expires, &secs) ||
	    secs > (unsigned long long)(INT64_MAX - now)) {
		cli_usage(path, "invalid value '%s' for '--expires <SECONDS>': "
		    "want a number of seconds", o.expires);
		return false;
	}
	*exp = now + (int64_t)secs;
	return true;
}

/* Mints a token for aud with the private key at path and writes it. */
static int
mint_write(const char *keypath, const char *aud, int64_t exp)
{
	struct swgr_err err;
	EVP_PKEY *key = NULL;
	char *tok = NULL;
	enum swgr_rc rc;

	if ((rc = swgr_token_load_private(keypath, &key, &err)) == SWGR_OK &&
	    (rc = swgr_token_mint(key, aud, exp, &tok, &err)) == SWGR_OK)
		rc = cli_write(o.output, "token", tok, strlen(tok), 0600, &err);
	free(tok);
	EVP_PKEY_free(key);
	return cli_exit(rc, &err);
}

static int
run_key(const char *aud, int64_t exp)
{
	struct swgr_err err;

	(void)aud;
	(void)exp;
	return cli_exit(swgr_token_keygen(o.pub, o.priv, &err), &err);
}

static int
run_mint(const char *aud, int64_t exp)
{
	return mint_write(o.key, aud, exp);
}

static int
run_mint_all(const char *aud, int64_t exp)
{
	struct swgr_err err;

	if (swgr_token_keygen(o.pub, o.priv, &err) != SWGR_OK)
		return cli_fail(&err);
	return mint_write(o.priv, aud, exp);
}

static int
run_verify(const char *aud, int64_t exp)
{
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	EVP_PKEY *key = NULL;
	char *tok = NULL;
	enum swgr_rc rc;
	size_t len;

	if ((rc = swgr_token_load_public(o.pub, &key, &err)) == SWGR_OK &&
	    (rc = cli_read(o.token, "token", &tok, &len, &err)) == SWGR_OK &&
	    (rc = swgr_token_verify(key, aud, tok, len, (int64_t)time(NULL), 0, &exp,
	    &err)) != SWGR_OK)
		swgr_err_wrap(&err, "validating token");
	if (rc == SWGR_OK) {
		swgr_buf_printf(&out, "{\n  \"aud\": \"%s\",\n  \"exp\": %lld\n}\n", aud,
		    (long long)exp);
		rc = cli_write_buf(o.output, "claims", &out, &err);
	}
	swgr_buf_free(&out);
	free(tok);
	EVP_PKEY_free(key);
	return cli_exit(rc, &err);
}

/*
 * A token subcommand: its name and line in the group's list, its help (a
 * format of at most one %s, the audience), its options, whether it takes
 * --expires, and what it does once they are parsed.
 */
struct token_cmd {
	const char		*name;
	const char		*summary;
	const char		*about;
	const struct cli_opt	*opts;
	bool			 expires;
	int			(*run)(const char *aud, int64_t exp);
};

static const struct token_cmd token_cmds[] = {
	{ "key", "Generate an ECDSA prime256v1 key pair, PEM encoded",
	    "Generate an ECDSA prime256v1 key pair, PEM encoded", key_opts, false,
	    run_key },
	{ "mint", "Mint a service token",
	    "Mint a %s service token (written without a trailing newline)", mint_opts,
	    true, run_mint },
	{ "mint-all", "Generate a key pair and mint a token with it",
	    "Generate a key pair and mint a %s service token with it", mint_all_opts,
	    true, run_mint_all },
	{ "verify", "Verify a service token", "Verify a %s service token as the "
	    "service does and print its claims", verify_opts, false, run_verify },
};

#define NTOKEN	(sizeof(token_cmds) / sizeof(token_cmds[0]))

/* The context of a token subcommand's row: the audience and the subcommand. */
struct token_ctx {
	const char		*aud;
	const struct token_cmd	*tc;
};

/* Parses the arguments of "swgr <aud> token <name>" and runs it. */
static int
run_token(int argc, char **argv, const void *ctx)
{
	const struct token_ctx *t = ctx;
	char path[64], about[128];
	const struct cli_cmd cmd = { path, NULL, about, NULL, t->tc->opts, 0, 0, NULL };
	const char *pos[1];
	int64_t exp = 0;
	size_t npos;
	int rc;

	snprintf(path, sizeof(path), "swgr %s token %s", t->aud, t->tc->name);
	snprintf(about, sizeof(about), t->tc->about, t->aud);
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (t->tc->expires && !expiry(path, &exp))
		return CLI_EXIT_USAGE;
	return t->tc->run(t->aud, exp);
}

int
cli_token(int argc, char **argv, const void *aud)
{
	struct token_ctx ctx[NTOKEN];
	struct cli_sub subs[NTOKEN + 1];
	char path[64];
	size_t i;

	/* The audience rides along in each row's context. */
	for (i = 0; i < NTOKEN; i++) {
		ctx[i].aud = aud;
		ctx[i].tc = &token_cmds[i];
		subs[i] = (struct cli_sub){ token_cmds[i].name, NULL, token_cmds[i].summary,
		    run_token, &ctx[i] };
	}
	subs[NTOKEN] = (struct cli_sub){ NULL, NULL, NULL, NULL, NULL };
	snprintf(path, sizeof(path), "swgr %s token", (const char *)aud);
	return cli_dispatch(path, "Manage service tokens", subs, argc, argv);
}
