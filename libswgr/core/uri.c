/* URIs in messages: hiding their passwords. */
#include <stdbool.h>
#include <string.h>

#include "core/uri.h"

/* The part of out being filled: n bytes so far, room for outlen - 1 and the NUL. */
struct sink {
	char	*out;
	size_t	 outlen, n;
};

static void
put(struct sink *k, const char *p, size_t len)
{
	if (len > k->outlen - 1 - k->n)
		len = k->outlen - 1 - k->n;
	memcpy(k->out + k->n, p, len);
	k->n += len;
}

/* True if [p, e) is one or more {secret.NAME} placeholders and nothing else. */
static bool
only_placeholders(const char *p, const char *e)
{
	const char *q;

	if (p == e)
		return false;
	for (; p < e; p = q + 1)
		if (strncmp(p, "{secret.", 8) != 0 || (q = memchr(p, '}', (size_t)(e - p))) == NULL)
			return false;
	return true;
}

void
swgr_uri_redact(const char *uri, char *out, size_t outlen)
{
	struct sink k = { out, outlen, 0 };
	const char *auth, *at, *colon, *p, *q;

	if (outlen == 0)
		return;
	auth = (p = strstr(uri, "://")) != NULL ? p + 3 : uri;
	at = strrchr(auth, '@');
	colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon != NULL && !only_placeholders(colon + 1, at)) {
		put(&k, uri, (size_t)(colon + 1 - uri));
		put(&k, "****", 4);
		uri = at;
	}
	p = uri;
	while ((q = strcasestr(p, "password=")) != NULL) {
		put(&k, p, (size_t)(q - p) + 9);
		put(&k, "****", 4);
		q += 9;
		p = q + strcspn(q, "&#");
	}
	put(&k, p, strlen(p));
	out[k.n] = '\0';
}
