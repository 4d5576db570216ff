/* Backend URLs read strictly: one host and port over http or https, its gRPC target, an allow-list. */
#ifndef SWGR_ENDPOINT_H
#define SWGR_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum swgr_endpoint_family { SWGR_EP_NAME, SWGR_EP_IPV4, SWGR_EP_IPV6 };

struct swgr_endpoint {
	bool		 tls;		/* https */
	enum swgr_endpoint_family family;
	char		 host[254];	/* a name (lowercase), a dotted quad or an IPv6 text, no brackets */
	uint8_t		 addr[16];	/* IPV4: 4 bytes, IPV6: 16 */
	uint16_t	 port;		/* given, else 443 (https) or 80 (http) */
};

/*
 * Reads url as scheme://host[:port][/]: scheme http or https (either case),
 * host a DNS name (letters, digits, '-', '_', '.', its last label not
 * numeric), a dotted-quad IPv4 address or an [IPv6] address, port 1 to
 * 65535; no user information, no path but "/", no query or fragment.
 * Everything else (unix:, unix-abstract:, ipv4: lists, commas, other
 * schemes) is SWGR_EINVAL with a message saying what is wrong.
 */
enum swgr_rc	 swgr_endpoint_parse(const char *url, struct swgr_endpoint *ep,
		    struct swgr_err *err);

/* "host:port" ("[v6]:port"): the authority, at most 262 bytes with the NUL. */
void		 swgr_endpoint_hostport(const struct swgr_endpoint *ep, char *out, size_t len);
#define SWGR_ENDPOINT_TARGET_MAX	272
/*
 * The gRPC target of this one address: "dns:///host:port" for a name,
 * "ipv4:a.b.c.d:port", "ipv6:[addr]:port".
 */
void		 swgr_endpoint_grpc_target(const struct swgr_endpoint *ep, char *out, size_t len);

/* Whether ep is on this host: 127.0.0.0/8, ::1 (or ::ffff:127.x), or the name "localhost". */
bool		 swgr_endpoint_loopback(const struct swgr_endpoint *ep);

/*
 * Whether ep is allowed by hosts (node-access.backend-hosts; n == 0 allows
 * any): a name matches an entry equal to it (case ignored), an address an
 * entry that is that address or a CIDR block holding it ("10.0.0.0/8",
 * "fd00::/8").  A name is never resolved to match a block.  SWGR_EINVAL
 * naming the host otherwise.
 */
enum swgr_rc	 swgr_endpoint_allowed(const struct swgr_endpoint *ep, char *const *hosts,
		    size_t n, struct swgr_err *err);

/* Whether s is a valid backend-hosts entry (a name, an address or a CIDR block). */
bool		 swgr_endpoint_host_entry_ok(const char *s);

#endif
