/* Backend URLs read strictly: one host and port over http or https, its gRPC target, an allow-list. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cidr.h"
#include "core/endpoint.h"

static enum swgr_rc
bad(struct swgr_err *err, const char *url, const char *why)
{
	return swgr_err_set(err, SWGR_EINVAL, "url '%.200s': %s", url, why);
}

/* Whether name (len bytes) is a DNS name we accept: labels of [A-Za-z0-9_-], the last not numeric. */
static bool
name_ok(const char *name, size_t len)
{
	size_t i, label = 0, last = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			last = i + 1;
			continue;
		}
		if (!isalnum(ch) && ch != '-' && ch != '_')
			return false;
		if (++label > 63)
			return false;
	}
	/* A last label of digits (or 0x...) is an address the resolver would take: refused. */
	return label > 0 && !isdigit((unsigned char)name[last]);
}

/* host (len bytes, brackets gone) into ep: an address of the family or a name; false if neither. */
static bool
host_set(struct swgr_endpoint *ep, const char *host, size_t len, bool bracketed)
{
	char tmp[sizeof(ep->host)];
	size_t i;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (bracketed) {
		if (inet_pton(AF_INET6, tmp, ep->addr) != 1)
			return false;
		ep->family = SWGR_EP_IPV6;
	} else if (inet_pton(AF_INET, tmp, ep->addr) == 1)
		ep->family = SWGR_EP_IPV4;
	else if (name_ok(tmp, len)) {
		ep->family = SWGR_EP_NAME;
		for (i = 0; i < len; i++)
			tmp[i] = (char)tolower((unsigned char)tmp[i]);
	} else
		return false;
	memcpy(ep->host, tmp, len + 1);
	return true;
}

enum swgr_rc
swgr_endpoint_parse(const char *url, struct swgr_endpoint *ep, struct swgr_err *err)
{
	const char *p, *auth, *end, *hend, *port;
	unsigned long v;
	char *stop;
	size_t i;

	memset(ep, 0, sizeof(*ep));
	if (url == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "url: missing");
	if (strncasecmp(url, "https://", 8) == 0) {
		ep->tls = true;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else
		return bad(err, url, "expected an http:// or https:// URL (unix:, unix-abstract:, "
		    "ipv4:, dns: and other schemes are refused)");
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++) {
		if (*p == '@')
			return bad(err, url, "user information (user@) is not allowed");
		if (*p == ',')
			return bad(err, url, "one host only: a list of addresses is refused");
		if ((unsigned char)*p <= ' ' || *p == '%' || *p == '\\')
			return bad(err, url, "a space, control character, '%' or '\\' in the host");
	}
	if (*end != '\0' && strcmp(end, "/") != 0)
		return bad(err, url, "no path, query or fragment is allowed beyond \"/\"");
	if (auth == end)
		return bad(err, url, "no host");
	if (*auth == '[') {
		if ((hend = memchr(auth, ']', (size_t)(end - auth))) == NULL)
			return bad(err, url, "an unclosed '[' in the host");
		if (!host_set(ep, auth + 1, (size_t)(hend - auth - 1), true))
			return bad(err, url, "not an IPv6 address between '[' and ']'");
		port = hend + 1;
		if (port != end && *port != ':')
			return bad(err, url, "expected ':port' after ']'");
	} else {
		port = memchr(auth, ':', (size_t)(end - auth));
		hend = port != NULL ? port : end;
		if (!host_set(ep, auth, (size_t)(hend - auth), false))
			return bad(err, url, "the host is neither a DNS name nor a dotted-quad IPv4 "
			    "address (IPv6 goes in brackets)");
		if (port == NULL)
			port = end;
	}
	if (port == end) {
		ep->port = ep->tls ? 443 : 80;
		return SWGR_OK;
	}
	port++;
	for (i = 0; port + i < end; i++)
		if (!isdigit((unsigned char)port[i]) || i >= 5)
			return bad(err, url, "the port must be a number from 1 to 65535");
	if (i == 0)
		return bad(err, url, "an empty port");
	v = strtoul(port, &stop, 10);
	if (v < 1 || v > 65535)
		return bad(err, url, "the port must be a number from 1 to 65535");
	ep->port = (uint16_t)v;
	return SWGR_OK;
}

void
swgr_endpoint_hostport(const struct swgr_endpoint *ep, char *out, size_t len)
{
	if (ep->family == SWGR_EP_IPV6)
		snprintf(out, len, "[%s]:%u", ep->host, (unsigned)ep->port);
	else
		snprintf(out, len, "%s:%u", ep->host, (unsigned)ep->port);
}

void
swgr_endpoint_grpc_target(const struct swgr_endpoint *ep, char *out, size_t len)
{
	switch (ep->family) {
	case SWGR_EP_NAME:
		snprintf(out, len, "dns:///%s:%u", ep->host, (unsigned)ep->port);
		break;
	case SWGR_EP_IPV4:
		snprintf(out, len, "ipv4:%s:%u", ep->host, (unsigned)ep->port);
		break;
	case SWGR_EP_IPV6:
		snprintf(out, len, "ipv6:[%s]:%u", ep->host, (unsigned)ep->port);
		break;
	}
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The IPv4 address of ep (a v4 one, or v4-mapped v6) into a4; false if it has none. */
static bool
as_v4(const struct swgr_endpoint *ep, uint8_t a4[4])
{
	if (ep->family == SWGR_EP_IPV4) {
		memcpy(a4, ep->addr, 4);
		return true;
	}
	if (ep->family == SWGR_EP_IPV6 && memcmp(ep->addr, v4mapped, 12) == 0) {
		memcpy(a4, ep->addr + 12, 4);
		return true;
	}
	return false;
}

bool
swgr_endpoint_loopback(const struct swgr_endpoint *ep)
{
	static const uint8_t one[16] = { [15] = 1 };
	uint8_t a4[4];

	if (as_v4(ep, a4))
		return a4[0] == 127;
	if (ep->family == SWGR_EP_IPV6)
		return memcmp(ep->addr, one, 16) == 0;
	return strcmp(ep->host, "localhost") == 0;
}

bool
swgr_endpoint_host_entry_ok(const char *s)
{
	struct swgr_cidr c;

	return s != NULL && (swgr_cidr_parse(s, &c, NULL) == SWGR_OK || name_ok(s, strlen(s)));
}

enum swgr_rc
swgr_endpoint_allowed(const struct swgr_endpoint *ep, char *const *hosts, size_t n,
    struct swgr_err *err)
{
	struct swgr_cidr c, a;
	size_t i;
	bool addr = ep->family != SWGR_EP_NAME && swgr_cidr_addr(ep->host, &a);

	if (n == 0)
		return SWGR_OK;
	for (i = 0; i < n; i++) {
		if (ep->family == SWGR_EP_NAME) {
			if (strcasecmp(hosts[i], ep->host) == 0)
				return SWGR_OK;
			continue;
		}
		if (addr && swgr_cidr_parse(hosts[i], &c, NULL) == SWGR_OK &&
		    swgr_cidr_contains(&c, &a))
			return SWGR_OK;
	}
	return swgr_err_set(err, SWGR_EINVAL, "host '%s' is not in node-access.backend-hosts%s",
	    ep->host, ep->family == SWGR_EP_NAME ? " (a name must be listed as it is written)" :
	    "");
}
