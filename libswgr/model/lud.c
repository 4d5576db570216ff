/*
 * Our LUD additions to offer metadata: the successAction of LUD-09 and the
 * payerData of LUD-18, read from their JSON (checked, 422 messages naming
 * the member) and written in one canonical form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json.h"
#include "core/utf8.h"
#include "model/model.h"
#include "model/model_int.h"

static const char *const payer_kinds[SWGR_PAYER_KINDS] = {
	"name", "pubkey", "identifier", "email"
};

const char *
swgr_payer_kind_name(unsigned i)
{
	return i < SWGR_PAYER_KINDS ? payer_kinds[i] : NULL;
}

size_t
swgr_sa_url_host(const char *url, const char **host)
{
	const char *p = strstr(url, "://");

	*host = p != NULL ? p + 3 : url;
	return strcspn(*host, "/?#");
}

/* The string member key of o (required) into *out: 1 to max characters, no U+0000. */
static enum swgr_rc
text_member(struct json_object *o, const char *name, const char *key, size_t max, char **out,
    struct swgr_err *err)
{
	struct json_object *v;
	const char *s;
	size_t len, i = 0, n = 0;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return swgr_err_set(err, SWGR_ESHAPE, "%s.%s: missing field", name, key);
	if (!json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_ESHAPE, "%s.%s: expected a string", name, key);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	while (i < len) {
		swgr_utf8_next(s, len, &i);
		n++;
	}
	if (n == 0 || n > max || memchr(s, '\0', len) != NULL)
		return swgr_err_set(err, SWGR_ESHAPE, "%s.%s: expected 1 to %zu characters%s",
		    name, key, max, memchr(s, '\0', len) != NULL ? ", no U+0000" : "");
	if ((*out = strndup(s, len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s.%s: out of memory", name, key);
	return SWGR_OK;
}

/* Whether every member of o is one of keys (NULL-terminated); *bad the first that is not. */
static bool
only_keys(struct json_object *o, const char *const *keys, const char **bad)
{
	const char *const *k;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (k = keys; *k != NULL && strcmp(*k, key) != 0; k++)
			;
		if (*k == NULL) {
			*bad = key;
			return false;
		}
	}
	return true;
}

/* A url of a successAction: http or https, a host, printable ASCII, no user info. */
static enum swgr_rc
check_url(const char *url, struct swgr_err *err)
{
	const char *host, *p;
	size_t hlen;

	if (strlen(url) > SWGR_SA_URL_MAX)
		return swgr_err_set(err, SWGR_ESHAPE, "successAction.url: longer than %d bytes",
		    SWGR_SA_URL_MAX);
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return swgr_err_set(err, SWGR_ESHAPE, "successAction.url: expected an https:// "
		    "or http:// URL");
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return swgr_err_set(err, SWGR_ESHAPE, "successAction.url: spaces, control "
			    "and non-ASCII characters must be percent-encoded");
	hlen = swgr_sa_url_host(url, &host);
	if (hlen == 0 || memchr(host, '@', hlen) != NULL)
		return swgr_err_set(err, SWGR_ESHAPE, "successAction.url: expected a host%s",
		    hlen == 0 ? "" : " without user info");
	return SWGR_OK;
}

enum swgr_rc
swgr_success_action_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	static const char *const msg_keys[] = { "tag", "message", NULL };
	static const char *const url_keys[] = { "tag", "description", "url", NULL };
	struct swgr_metadata *m = rec;
	struct json_object *tag;
	const char *t, *bad = NULL;
	char *url = NULL;
	enum swgr_rc rc;

	if (!json_object_is_type(v, json_type_object))
		return swgr_err_set(err, SWGR_ESHAPE, "successAction: expected an object or null");
	if (!json_object_object_get_ex(v, "tag", &tag) || !json_object_is_type(tag, json_type_string))
		return swgr_err_set(err, SWGR_ESHAPE, "successAction.tag: expected \"message\" or "
		    "\"url\"");
	t = json_object_get_string(tag);
	if (strcmp(t, "message") == 0) {
		if (!only_keys(v, msg_keys, &bad))
			return swgr_err_set(err, SWGR_ESHAPE, "successAction.%s: unknown field of a "
			    "message (tag, message)", bad);
		if ((rc = text_member(v, "successAction", "message", SWGR_SA_TEXT_MAX, &m->sa_text,
		    err)) != SWGR_OK)
			return rc;
		m->sa_kind = SWGR_SA_MESSAGE;
		return SWGR_OK;
	}
	if (strcmp(t, "url") != 0)
		return swgr_err_set(err, SWGR_ESHAPE, "successAction.tag: '%s' is not supported: "
		    "expected \"message\" or \"url\" (a wallet refuses to pay for a tag it does not "
		    "know)", t);
	if (!only_keys(v, url_keys, &bad))
		return swgr_err_set(err, SWGR_ESHAPE, "successAction.%s: unknown field of a url "
		    "(tag, description, url)", bad);
	if ((rc = text_member(v, "successAction", "description", SWGR_SA_TEXT_MAX, &m->sa_text,
	    err)) != SWGR_OK ||
	    (rc = text_member(v, "successAction", "url", SWGR_SA_URL_MAX, &url, err)) != SWGR_OK ||
	    (rc = check_url(url, err)) != SWGR_OK) {
		free(url);
		free(m->sa_text);
		m->sa_text = NULL;
		return rc;
	}
	m->sa_url = url;
	m->sa_kind = SWGR_SA_URL;
	return SWGR_OK;
}

enum swgr_rc
swgr_payer_data_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	struct swgr_metadata *m = rec;
	struct json_object *mand;
	unsigned i;

	if (!json_object_is_type(v, json_type_object) || json_object_object_length(v) == 0)
		return swgr_err_set(err, SWGR_ESHAPE, "payerData: expected an object naming at "
		    "least one of name, pubkey, identifier, email, or null");
	json_object_object_foreach(v, key, val) {
		for (i = 0; i < SWGR_PAYER_KINDS && strcmp(payer_kinds[i], key) != 0; i++)
			;
		if (i == SWGR_PAYER_KINDS)
			return swgr_err_set(err, SWGR_ESHAPE, "payerData.%s: %s", key,
			    strcmp(key, "auth") == 0 ? "LUD-18 auth (a LUD-04 signature) is not "
			    "supported" : "unknown identity: expected name, pubkey, identifier or "
			    "email");
		if (!json_object_is_type(val, json_type_object) ||
		    json_object_object_length(val) != 1 ||
		    !json_object_object_get_ex(val, "mandatory", &mand) ||
		    !json_object_is_type(mand, json_type_boolean))
			return swgr_err_set(err, SWGR_ESHAPE, "payerData.%s: expected "
			    "{\"mandatory\": true or false}", key);
		m->payer_asked |= 1u << i;
		if (json_object_get_boolean(mand))
			m->payer_mandatory |= 1u << i;
	}
	return SWGR_OK;
}

void
swgr_success_action_json(struct swgr_buf *b, const struct swgr_metadata *m)
{
	if (m->sa_kind == SWGR_SA_NONE || m->sa_text == NULL)
		return;
	if (m->sa_kind == SWGR_SA_MESSAGE) {
		swgr_buf_puts(b, "{\"tag\":\"message\",\"message\":");
		swgr_json_string(b, m->sa_text, strlen(m->sa_text));
	} else {
		swgr_buf_puts(b, "{\"tag\":\"url\",\"description\":");
		swgr_json_string(b, m->sa_text, strlen(m->sa_text));
		swgr_buf_puts(b, ",\"url\":");
		swgr_json_string(b, m->sa_url != NULL ? m->sa_url : "",
		    m->sa_url != NULL ? strlen(m->sa_url) : 0);
	}
	swgr_buf_puts(b, "}");
}

void
swgr_payer_data_json(struct swgr_buf *b, unsigned asked, unsigned mandatory)
{
	const char *sep = "{";
	unsigned i;

	if (asked == 0)
		return;
	for (i = 0; i < SWGR_PAYER_KINDS; i++)
		if (asked & (1u << i)) {
			swgr_buf_printf(b, "%s\"%s\":{\"mandatory\":%s}", sep, payer_kinds[i],
			    mandatory & (1u << i) ? "true" : "false");
			sep = ",";
		}
	swgr_buf_puts(b, "}");
}
