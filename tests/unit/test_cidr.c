/* Unit tests of IP addresses and CIDR blocks (core/cidr.c): parsing, refusals with their reasons, matching, IPv4-mapped addresses. */
#include <stdio.h>
#include <string.h>

#include "core/cidr.h"
#include "t.h"

/* Parses s, which must be good; *c is the block. */
static bool
good(const char *s, struct swgr_cidr *c)
{
	struct swgr_err err = { 0 };

	if (swgr_cidr_parse(s, c, &err) == SWGR_OK)
		return true;
	fprintf(stderr, "'%s' refused: %s\n", s, err.msg);
	return false;
}

static void
test_parse(void)
{
	struct swgr_cidr c;

	CHECK(good("127.0.0.1", &c) && !c.v6 && c.bits == 32 && c.addr[0] == 127 && c.addr[3] == 1);
	CHECK(good("10.0.0.0/8", &c) && !c.v6 && c.bits == 8 && c.addr[0] == 10);
	CHECK(good("0.0.0.0/0", &c) && !c.v6 && c.bits == 0);
	CHECK(good("192.168.1.128/25", &c) && c.bits == 25);
	CHECK(good("::1", &c) && c.v6 && c.bits == 128 && c.addr[15] == 1);
	CHECK(good("::/0", &c) && c.v6 && c.bits == 0);
	CHECK(good("2001:db8::/32", &c) && c.v6 && c.bits == 32 && c.addr[0] == 0x20);
	CHECK(good("fd00::/8", &c) && c.v6 && c.bits == 8);
	/* IPv4-mapped: kept as IPv4, the prefix less the 96 bits of ::ffff:0:0/96 */
	CHECK(good("::ffff:10.0.0.0/104", &c) && !c.v6 && c.bits == 8 && c.addr[0] == 10);
	CHECK(good("::ffff:127.0.0.1", &c) && !c.v6 && c.bits == 32 && c.addr[0] == 127);
}

/* s is refused, with a reason that contains want. */
static void
bad(const char *s, const char *want)
{
	struct swgr_err err = { 0 };
	struct swgr_cidr c;

	if (swgr_cidr_parse(s, &c, &err) != SWGR_EINVAL) {
		fprintf(stderr, "'%s' was accepted\n", s);
		FAIL("a bad address or block accepted");
		return;
	}
	if (strstr(err.msg, want) == NULL)
		fprintf(stderr, "'%s': reason \"%s\" lacks \"%s\"\n", s, err.msg, want);
	CHECK(strstr(err.msg, want) != NULL);
}

static void
test_refused(void)
{
	bad("", "no address");
	bad("/8", "no address");
	bad("garbage", "no IPv4 or IPv6 address");
	bad("localhost", "no IPv4 or IPv6 address");
	bad("10.0.0", "no IPv4 or IPv6 address");
	bad("10.0.0.256", "no IPv4 or IPv6 address");
	bad("010.0.0.1", "no IPv4 or IPv6 address");		/* octal in some parsers */
	bad(" 10.0.0.1", "no IPv4 or IPv6 address");
	bad("fe80::1%eth0", "no IPv4 or IPv6 address");		/* a zone is no block */
	bad("[::1]", "no IPv4 or IPv6 address");
	bad("::1::2", "no IPv4 or IPv6 address");
	bad("10.0.0.0/33", "prefix length 33 is over 32");
	bad("::/129", "prefix length 129 is over 128");
	bad("10.0.0.0/", "prefix length after '/'");
	bad("10.0.0.0/-1", "prefix length after '/'");
	bad("10.0.0.0/+8", "prefix length after '/'");
	bad("10.0.0.0/08", "prefix length after '/'");
	bad("10.0.0.0/8/8", "prefix length after '/'");
	bad("10.0.0.0/ 8", "prefix length after '/'");
	bad("10.0.0.0/99999999999999999999", "prefix length after '/'");
	bad("10.0.0.0/abc", "prefix length after '/'");
	bad("10.0.0.1/8", "bits set past the /8 prefix");
	bad("2001:db8::1/32", "bits set past the /32 prefix");
	bad("::ffff:10.0.0.0/95", "96 to 128 bits");
	bad("1111111111111111111111111111111111111111111111111111111111111111111111", "too long");
}

static void
test_match(void)
{
	struct swgr_cidr list[3];
	struct swgr_cidr one;

	CHECK(good("127.0.0.1", &list[0]) && good("10.0.0.0/8", &list[1]) &&
	    good("2001:db8::/32", &list[2]));
	CHECK(swgr_cidr_match(list, 3, "127.0.0.1"));
	CHECK(!swgr_cidr_match(list, 3, "127.0.0.2"));
	CHECK(swgr_cidr_match(list, 3, "10.255.255.255"));
	CHECK(!swgr_cidr_match(list, 3, "11.0.0.0"));
	CHECK(swgr_cidr_match(list, 3, "2001:db8:ffff::1"));
	CHECK(swgr_cidr_match(list, 3, "2001:DB8::1"));
	CHECK(!swgr_cidr_match(list, 3, "2001:db9::1"));
	CHECK(!swgr_cidr_match(list, 3, "::1"));
	/* a dual-stack listener's IPv4 client */
	CHECK(swgr_cidr_match(list, 3, "::ffff:10.1.2.3"));
	CHECK(!swgr_cidr_match(list, 3, "::ffff:11.1.2.3"));
	/* what is no address never matches */
	CHECK(!swgr_cidr_match(list, 3, NULL));
	CHECK(!swgr_cidr_match(list, 3, ""));
	CHECK(!swgr_cidr_match(list, 3, "10.0.0.0/8"));
	CHECK(!swgr_cidr_match(list, 3, "unix:"));
	CHECK(!swgr_cidr_match(list, 3, "127.0.0.1 "));
	CHECK(!swgr_cidr_match(list, 0, "127.0.0.1"));
	/* a prefix that ends inside a byte */
	CHECK(good("192.168.1.128/25", &list[0]));
	CHECK(swgr_cidr_match(list, 1, "192.168.1.200"));
	CHECK(!swgr_cidr_match(list, 1, "192.168.1.127"));
	CHECK(good("0.0.0.0/0", &list[0]));
	CHECK(swgr_cidr_match(list, 1, "203.0.113.9"));
	CHECK(!swgr_cidr_match(list, 1, "2001:db8::1"));	/* IPv4 blocks hold no IPv6 */
	CHECK(good("::/0", &list[0]));
	CHECK(swgr_cidr_match(list, 1, "fe80::1"));
	CHECK(!swgr_cidr_match(list, 1, "1.2.3.4"));
	CHECK(swgr_cidr_addr("1.2.3.4", &one) && one.bits == 32 && !one.v6);
	CHECK(!swgr_cidr_addr("1.2.3.4/32", &one));
}

int
main(void)
{
	test_parse();
	test_refused();
	test_match();
	return t_done("test_cidr");
}
