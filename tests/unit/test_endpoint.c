/* Unit tests of backend URLs (core/endpoint.c): what is accepted, each refusal, the gRPC targets, loopback, the allow-list. */
#include <stdio.h>
#include <string.h>

#include "core/endpoint.h"
#include "kit.h"
#include "t.h"

/* url parses; its gRPC target and host:port are as given. */
static void
ok(const char *url, const char *target, const char *hostport, int tls)
{
	struct swgr_endpoint ep;
	struct swgr_err e = { 0 };
	char t[SWGR_ENDPOINT_TARGET_MAX], hp[300];

	if (swgr_endpoint_parse(url, &ep, &e) != SWGR_OK) {
		fprintf(stderr, "%s: %s\n", url, e.msg);
		FAIL("refused a good URL");
		return;
	}
	swgr_endpoint_grpc_target(&ep, t, sizeof(t));
	swgr_endpoint_hostport(&ep, hp, sizeof(hp));
	CHECK_STR(t, target);
	CHECK_STR(hp, hostport);
	CHECK_INT(ep.tls, tls);
}

/* url is refused with a message holding why. */
static void
no(const char *url, const char *why)
{
	struct swgr_endpoint ep;
	struct swgr_err e = { 0 };

	CHECK_INT(swgr_endpoint_parse(url, &ep, &e), SWGR_EINVAL);
	if (!kit_contains(e.msg, why))
		fprintf(stderr, "  for %s\n", url);
}

static void
test_parse(void)
{
	ok("https://127.0.0.1:10009/", "ipv4:127.0.0.1:10009", "127.0.0.1:10009", 1);
	ok("https://127.0.0.1:10009", "ipv4:127.0.0.1:10009", "127.0.0.1:10009", 1);
	ok("http://10.1.2.3", "ipv4:10.1.2.3:80", "10.1.2.3:80", 0);
	ok("https://Node-1.Example.com", "dns:///node-1.example.com:443",
	    "node-1.example.com:443", 1);
	ok("HTTPS://lnd:10009/", "dns:///lnd:10009", "lnd:10009", 1);
	ok("https://[::1]:9736/", "ipv6:[::1]:9736", "[::1]:9736", 1);
	ok("https://[2001:db8::1]", "ipv6:[2001:db8::1]:443", "[2001:db8::1]:443", 1);

	no("unix:/var/run/lnd.sock", "expected an http:// or https:// URL");
	no("unix:///var/run/lnd.sock", "expected an http:// or https:// URL");
	no("unix-abstract:lnd", "expected an http:// or https:// URL");
	no("ipv4:127.0.0.1:10009,10.0.0.1:10009", "expected an http:// or https:// URL");
	no("dns:///lnd:10009", "expected an http:// or https:// URL");
	no("ftp://lnd:21/", "expected an http:// or https:// URL");
	no("file:///etc/passwd", "expected an http:// or https:// URL");
	no("https://127.0.0.1:1,127.0.0.1:2/", "one host only");
	no("https://a.example,b.example/", "one host only");
	no("https://user:pw@lnd:10009/", "user information");
	no("https://lnd:10009/v1/invoices", "no path");
	no("https://lnd:10009/?x=1", "no path");
	no("https://lnd:10009#f", "no path");
	no("https://lnd:10009//", "no path");
	no("https://", "no host");
	no("https:///", "no host");
	no("https://:10009/", "neither a DNS name");
	no("https://lnd:0/", "the port");
	no("https://lnd:65536/", "the port");
	no("https://lnd:123456/", "the port");
	no("https://lnd:/", "an empty port");
	no("https://lnd:1x/", "the port");
	no("https://lnd:1:2/", "the port");
	no("https://127.1:10009/", "neither a DNS name");
	no("https://0x7f000001/", "neither a DNS name");
	no("https://2130706433/", "neither a DNS name");
	no("https://a..b/", "neither a DNS name");
	no("https://a%2fb/", "'%'");
	no("https://a b/", "a space");
	no("https://[::1/", "unclosed");
	no("https://[127.0.0.1]:1/", "not an IPv6 address");
	no("https://[fe80::1%eth0]:1/", "'%'");
	no("https://[::1]x/", "expected ':port'");
	no("https://::1:10009/", "neither a DNS name");
	no(NULL, "missing");
}

static int
loop(const char *url)
{
	struct swgr_endpoint ep;
	struct swgr_err e = { 0 };

	return swgr_endpoint_parse(url, &ep, &e) == SWGR_OK && swgr_endpoint_loopback(&ep);
}

static void
test_loopback(void)
{
	CHECK(loop("http://127.0.0.1:8080"));
	CHECK(loop("http://127.9.9.9:8080"));
	CHECK(loop("http://[::1]:8080"));
	CHECK(loop("http://[::ffff:127.0.0.1]:8080"));
	CHECK(loop("http://localhost:8080"));
	CHECK(loop("http://LOCALHOST:8080"));
	CHECK(!loop("http://10.0.0.1:8080"));
	CHECK(!loop("http://128.0.0.1:8080"));
	CHECK(!loop("http://[::2]:8080"));
	CHECK(!loop("http://localhost.example.com:8080"));
	CHECK(!loop("http://lnd:8080"));
}

static enum swgr_rc
allowed(const char *url, char *const *hosts, size_t n, char *msg, size_t len)
{
	struct swgr_endpoint ep;
	struct swgr_err e = { 0 };
	enum swgr_rc rc;

	if (swgr_endpoint_parse(url, &ep, &e) != SWGR_OK)
		return SWGR_EINTERNAL;
	rc = swgr_endpoint_allowed(&ep, hosts, n, &e);
	snprintf(msg, len, "%s", rc == SWGR_OK ? "" : e.msg);
	return rc;
}

static void
test_allowed(void)
{
	char *hosts[] = { "lnd.example.com", "10.0.0.0/8", "192.168.1.7", "fd00::/8",
	    "172.16.0.0/12" };
	size_t n = sizeof(hosts) / sizeof(hosts[0]);
	char msg[512];

	CHECK_INT(allowed("https://evil.example:1", NULL, 0, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://LND.example.com:10009/", hosts, n, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://10.200.3.4:10009/", hosts, n, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://192.168.1.7:1/", hosts, n, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://172.31.255.255:1/", hosts, n, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://[fd12::5]:1/", hosts, n, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://[::ffff:10.0.0.9]:1/", hosts, n, msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(allowed("https://172.32.0.1:1/", hosts, n, msg, sizeof(msg)), SWGR_EINVAL);
	CHECK(kit_contains(msg, "'172.32.0.1' is not in node-access.backend-hosts"));
	CHECK_INT(allowed("https://192.168.1.8:1/", hosts, n, msg, sizeof(msg)), SWGR_EINVAL);
	CHECK_INT(allowed("https://127.0.0.1:1/", hosts, n, msg, sizeof(msg)), SWGR_EINVAL);
	CHECK_INT(allowed("https://[fe80::1]:1/", hosts, n, msg, sizeof(msg)), SWGR_EINVAL);
	CHECK_INT(allowed("https://example.com:1/", hosts, n, msg, sizeof(msg)), SWGR_EINVAL);
	CHECK(kit_contains(msg, "a name must be listed"));
	CHECK_INT(allowed("https://x.lnd.example.com:1/", hosts, n, msg, sizeof(msg)), SWGR_EINVAL);

	CHECK(swgr_endpoint_host_entry_ok("lnd.example.com"));
	CHECK(swgr_endpoint_host_entry_ok("10.0.0.0/8"));
	CHECK(swgr_endpoint_host_entry_ok("::1"));
	CHECK(swgr_endpoint_host_entry_ok("fd00::/8"));
	CHECK(!swgr_endpoint_host_entry_ok("10.0.0.0/33"));
	CHECK(!swgr_endpoint_host_entry_ok("10.0.0.0/"));
	CHECK(!swgr_endpoint_host_entry_ok("fd00::/129"));
	CHECK(!swgr_endpoint_host_entry_ok("unix:/x"));
	CHECK(!swgr_endpoint_host_entry_ok(""));
	CHECK(!swgr_endpoint_host_entry_ok(NULL));
}

int
main(void)
{
	test_parse();
	test_loopback();
	test_allowed();
	return t_done("test_endpoint");
}
