/*
 * libFuzzer harness for the configuration (libswgr/config/): the whole load of
 * a YAML file (${VAR} expansion, the strict YAML reader, every section's keys,
 * the secrets file, {secret.NAME} in database URIs), and the expansion and
 * dotenv parsers alone.
 *
 * Input: the configuration text, then optionally a NUL byte and the text of
 * the secrets file, written to $SWGR_FUZZ_DIR/secrets.env (seeds name it as
 * "secrets: ${SWGR_FUZZ_DIR}/secrets.env").  FUZZ_A, FUZZ_B and FUZZ_EMPTY are
 * set in the environment for the expansion to find.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/err.h"
#include "core/log.h"

static char dir[] = "/tmp/swgr-fuzz-config.XXXXXX";
static char cfgpath[sizeof(dir) + 16], secpath[sizeof(dir) + 16];

static void
cleanup(void)
{
	unlink(cfgpath);
	unlink(secpath);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(cfgpath, sizeof(cfgpath), "%s/config.yaml", dir);
	snprintf(secpath, sizeof(secpath), "%s/secrets.env", dir);
	atexit(cleanup);
	setenv("SWGR_FUZZ_DIR", dir, 1);
	setenv("FUZZ_A", "alpha", 1);
	setenv("FUZZ_B", "sqlite://:memory:", 1);
	setenv("FUZZ_EMPTY", "", 1);
	/* The loader's INFO and WARN lines about secrets: not wanted on the fuzzer's output. */
	if (swgr_log_open("/dev/null", SWGR_LOG_OFF, NULL) != SWGR_OK)
		abort();
	return 0;
}

static void
put(const char *path, const uint8_t *p, size_t n)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (n > 0 && fwrite(p, 1, n, f) != n)
		abort();
	if (fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t clen = nul != NULL ? (size_t)(nul - data) : size;
	struct swgr_config cfg;
	struct swgr_secrets sec = { 0 };
	struct swgr_err err = { 0 };
	char *text, *stext, *out = NULL;

	put(cfgpath, data, clen);
	put(secpath, nul != NULL ? nul + 1 : data, nul != NULL ? size - clen - 1 : 0);
	memset(&cfg, 0, sizeof(cfg));
	if (swgr_config_load(cfgpath, &cfg, &err) == SWGR_OK) {
		char inst[256];

		swgr_config_instance(&cfg, inst, sizeof(inst));
		(void)swgr_config_stale_after(&cfg);
		swgr_config_free(&cfg);
	}

	/* The parts alone, on NUL-terminated copies. */
	if ((text = strndup((const char *)data, clen)) == NULL)
		return 0;
	if (swgr_config_expand_env(text, &out, &err) == SWGR_OK)
		free(out);
	out = NULL;
	stext = nul != NULL ? strndup((const char *)nul + 1, size - clen - 1) : NULL;
	if (swgr_secrets_parse(stext != NULL ? stext : "", &sec, &err) == SWGR_OK) {
		if (swgr_config_expand_secrets(text, &sec, &out, &err) == SWGR_OK)
			free(out);
		swgr_secrets_free(&sec);
	}
	free(stext);
	free(text);
	return 0;
}
