/* The client address of a request (spec §13): forwarding headers in order, canonical form. */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fcgi/fcgi.h"

/* Parses s[0..len) (surrounding OWS trimmed) as an IPv4 or IPv6 address into out. */
static bool
ip_parse(const char *s, size_t len, char out[SWGR_IP_STRMAX])
{
	char tmp[SWGR_IP_STRMAX];
	unsigned char addr[16];

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* inet_pton takes only the canonical dotted quad (no leading zeros): it is its own form. */
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		memcpy(out, tmp, len + 1);
		return true;
	}
	if (inet_pton(AF_INET6, tmp, addr) == 1)
		return inet_ntop(AF_INET6, addr, out, SWGR_IP_STRMAX) != NULL;
	return false;
}

/* A Forwarded node: "1.2.3.4", "1.2.3.4:80", "[v6]", "[v6]:80", maybe quoted. */
static bool
ip_parse_node(const char *s, size_t len, char out[SWGR_IP_STRMAX])
{
	const char *c;

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
		s++, len -= 2;
	if (len > 0 && s[0] == '[') {
		if ((c = memchr(s, ']', len)) == NULL)
			return false;
		return ip_parse(s + 1, (size_t)(c - s - 1), out);
	}
	if ((c = memchr(s, ':', len)) != NULL && memchr(c + 1, ':', len - (size_t)(c + 1 - s)) == NULL)
		len = (size_t)(c - s);
	return ip_parse(s, len, out);
}

/* The for= node of one Forwarded element (pairs separated by ';'). */
static bool
forwarded_for(const char *s, size_t len, char out[SWGR_IP_STRMAX])
{
	const char *p = s, *end = s + len, *semi;

	while (p < end) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		while (p < semi && (*p == ' ' || *p == '\t'))
			p++;
		if (semi - p > 4 && strncasecmp(p, "for=", 4) == 0)
			return ip_parse_node(p + 4, (size_t)(semi - p - 4), out);
		p = semi + 1;
	}
	return false;
}

/* The right-most comma-separated element of v that pick() accepts. */
static bool
rightmost(const char *v, bool (*pick)(const char *, size_t, char *), char out[SWGR_IP_STRMAX])
{
	const char *end = v + strlen(v), *p;

	for (;;) {
		for (p = end; p > v && p[-1] != ','; p--)
			continue;
		if (pick(p, (size_t)(end - p), out))
			return true;
		if (p == v)
			return false;
		end = p - 1;
	}
}

void
swgr_client_ip(const struct swgr_env *e, char out[SWGR_IP_STRMAX])
{
	static const enum swgr_param direct[] = { SWGR_P_CF_CONNECTING_IP,
	    SWGR_P_CLOUDFRONT_VIEWER_ADDRESS, SWGR_P_FLY_CLIENT_IP, SWGR_P_X_REAL_IP,
	    SWGR_P_TRUE_CLIENT_IP };
	const char *v, *c;
	size_t i;

	for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		if ((v = e->v[direct[i]]) == NULL)
			continue;
		if (direct[i] != SWGR_P_CLOUDFRONT_VIEWER_ADDRESS) {
			if (ip_parse(v, strlen(v), out))
				return;
			continue;
		}
		/* CloudFront-Viewer-Address: "<ip>:<port>", IPv6 unbracketed. */
		if ((c = strrchr(v, ':')) != NULL && ip_parse(v, (size_t)(c - v), out))
			return;
	}
	if ((v = e->v[SWGR_P_FORWARDED]) != NULL && rightmost(v, forwarded_for, out))
		return;
	if ((v = e->v[SWGR_P_X_FORWARDED_FOR]) != NULL && rightmost(v, ip_parse, out))
		return;
	if ((v = e->v[SWGR_P_REMOTE_ADDR]) != NULL && ip_parse(v, strlen(v), out))
		return;
	strcpy(out, "-");
}
