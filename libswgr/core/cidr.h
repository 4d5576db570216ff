/* IP addresses and CIDR blocks: parsing "10.0.0.0/8", "::1", "127.0.0.1", matching an address against a list. */
#ifndef SWGR_CIDR_H
#define SWGR_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SWGR_CIDR_STRMAX	64	/* longer text is no address */

/*
 * One block of addresses: the first bits of addr.  IPv4 blocks are kept as
 * IPv4 (4 bytes), also when written as IPv4-mapped IPv6 ("::ffff:10.0.0.0/104"),
 * so that "10.0.0.0/8" matches the client "::ffff:10.1.2.3" of a dual-stack
 * listener and the other way round.
 */
struct swgr_cidr {
	bool		 v6;
	uint8_t		 addr[16];	/* IPv4: the first 4 bytes */
	unsigned	 bits;		/* 0..32 or 0..128 */
};

/*
 * Parses "ADDR" (a single address: /32 or /128) or "ADDR/BITS" into *out:
 * ADDR an IPv4 dotted quad (no leading zeros) or an IPv6 address (no zone),
 * BITS decimal without sign or leading zeros, at most 32 or 128.  A block
 * with bits set beyond its prefix ("10.0.0.1/8") is refused: it is not
 * clear whether the address or the block was meant.  SWGR_EINVAL with the
 * reason in err, naming s.
 */
enum swgr_rc	 swgr_cidr_parse(const char *s, struct swgr_cidr *out, struct swgr_err *err);

/*
 * Parses one address s (no prefix) into *out as a /32 or /128 block: false
 * if s is none.
 */
bool		 swgr_cidr_addr(const char *s, struct swgr_cidr *out);

/* True if block c holds every address of the single address a. */
bool		 swgr_cidr_contains(const struct swgr_cidr *c, const struct swgr_cidr *a);

/*
 * True if the address text addr (as REMOTE_ADDR gives it) is in one of the
 * n blocks of list.  False for NULL, empty or unparsable text.
 */
bool		 swgr_cidr_match(const struct swgr_cidr *list, size_t n, const char *addr);

#endif
