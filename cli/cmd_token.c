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
#define OPT_END		{ NULL, 0, NULL, false, NULL, NULL }

static const struct cli_opt key_opts[] = { OPT_PUBLIC_OUT, OPT_PRIVATE_OUT, OPT_END };
static const struct cli_opt mint_opts[] = {
	{ "key", 'k', "FILE", true, "ECDSA prime256v1 private key, PKCS#8 PEM", &o.key },
	OPT_EXPIRES, OPT_OUTPUT, OPT_END
};
static const struct cli_opt mint_all_opts[] = {
	OPT_PUBLIC_OUT, OPT_PRIVATE_OUT, OPT_EXPIRES, OPT_OUTPUT, OPT_END
};
static const struct cli_opt verify_opts[] = {
	{ "public", 'p', "FILE", true, "ECDSA prime256v1 public key, SPKI PEM", &o.pub },
	{ "token", 't', "FILE", false, "Token input path, defaults to stdin", &o.token },
	{ "output", 'o', "FILE", false, "Claims output path, defaults to stdout", &o.output },
	OPT_END
};

/* The command path for messages: "swgr <aud> token <name>". */
static void
cmd_path(char *buf, size_t sz, const char *aud, const char *name)
{
	snprintf(buf, sz, "swgr %s token %s", aud, name);
}

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
	int rc = CLI_EXIT_ERR;

	if (swgr_token_load_private(keypath, &key, &err) != SWGR_OK ||
	    swgr_token_mint(key, aud, exp, &tok, &err) != SWGR_OK ||
	    cli_write(o.output, "token", tok, strlen(tok), 0600, &err) != SWGR_OK)
		cli_fail(&err);
	else
		rc = CLI_EXIT_OK;
	free(tok);
	EVP_PKEY_free(key);
	return rc;
}

static int
cmd_key(int argc, char **argv, const char *aud)
{
	struct cli_cmd cmd = { NULL, NULL,
	    "Generate an ECDSA prime256v1 key pair, PEM encoded",
	    NULL, key_opts, 0, 0, NULL };
	struct swgr_err err;
	const char *pos[1];
	char path[64];
	size_t npos;
	int rc;

	cmd_path(path, sizeof(path), aud, "key");
	cmd.path = path;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (swgr_token_keygen(o.pub, o.priv, &err) != SWGR_OK)
		return cli_fail(&err);
	return CLI_EXIT_OK;
}

static int
cmd_mint(int argc, char **argv, const char *aud)
{
	struct cli_cmd cmd = { NULL, NULL, NULL, NULL, mint_opts, 0, 0, NULL };
	const char *pos[1];
	char path[64], about[96];
	int64_t exp;
	size_t npos;
	int rc;

	cmd_path(path, sizeof(path), aud, "mint");
	snprintf(about, sizeof(about), "Mint a %s service token "
	    "(written without a trailing newline)", aud);
	cmd.path = path;
	cmd.about = about;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (!expiry(path, &exp))
		return CLI_EXIT_USAGE;
	return mint_write(o.key, aud, exp);
}

static int
cmd_mint_all(int argc, char **argv, const char *aud)
{
	struct cli_cmd cmd = { NULL, NULL, NULL, NULL, mint_all_opts, 0, 0, NULL };
	struct swgr_err err;
	const char *pos[1];
	char path[64], about[96];
	int64_t exp;
	size_t npos;
	int rc;

	cmd_path(path, sizeof(path), aud, "mint-all");
	snprintf(about, sizeof(about), "Generate a key pair and mint a %s "
	    "service token with it", aud);
	cmd.path = path;
	cmd.about = about;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if (!expiry(path, &exp))
		return CLI_EXIT_USAGE;
	if (swgr_token_keygen(o.pub, o.priv, &err) != SWGR_OK)
		return cli_fail(&err);
	return mint_write(o.priv, aud, exp);
}

static int
cmd_verify(int argc, char **argv, const char *aud)
{
	struct cli_cmd cmd = { NULL, NULL, NULL, NULL, verify_opts, 0, 0, NULL };
	struct swgr_buf out = { 0 };
	struct swgr_err err;
	EVP_PKEY *key = NULL;
	const char *pos[1];
	char path[64], about[128], *tok = NULL;
	int64_t exp;
	size_t npos, len;
	int rc;

	cmd_path(path, sizeof(path), aud, "verify");
	snprintf(about, sizeof(about), "Verify a %s service token as the service "
	    "does and print its claims", aud);
	cmd.path = path;
	cmd.about = about;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	rc = CLI_EXIT_ERR;
	if (swgr_token_load_public(o.pub, &key, &err) != SWGR_OK ||
	    cli_read(o.token, "token", &tok, &len, &err) != SWGR_OK)
		goto fail;
	if (swgr_token_verify(key, aud, tok, len, (int64_t)time(NULL), &exp,
	    &err) != SWGR_OK) {
		swgr_err_wrap(&err, "validating token");
		goto fail;
	}
	swgr_buf_printf(&out, "{\n  \"aud\": \"%s\",\n  \"exp\": %lld\n}\n", aud,
	    (long long)exp);
	if (!swgr_buf_ok(&out)) {
		swgr_err_set(&err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	if (cli_write(o.output, "claims", out.p, out.len, 0644, &err) != SWGR_OK)
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_fail(&err);
out:
	swgr_buf_free(&out);
	free(tok);
	EVP_PKEY_free(key);
	return rc;
}

static const struct cli_sub token_subs[] = {
	{ "key", NULL, "Generate an ECDSA prime256v1 key pair, PEM encoded", cmd_key, NULL },
	{ "mint", NULL, "Mint a service token", cmd_mint, NULL },
	{ "mint-all", NULL, "Generate a key pair and mint a token with it", cmd_mint_all, NULL },
	{ "verify", NULL, "Verify a service token", cmd_verify, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
cli_token(int argc, char **argv, const char *aud)
{
	struct cli_sub subs[sizeof(token_subs) / sizeof(token_subs[0])];
	char path[64];
	size_t i;

	/* The audience rides along as each subcommand's context. */
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		subs[i] = token_subs[i];
		if (subs[i].name != NULL)
			subs[i].ctx = aud;
	}
	snprintf(path, sizeof(path), "swgr %s token", aud);
	return cli_dispatch(path, "Manage service tokens", subs, argc, argv);
}
