/*
 * libFuzzer harness for what an admin writes into a backend and what the
 * configuration lists about hosts (libswgr/core/endpoint.c, core/cidr.c):
 * the backend URL read strictly, its gRPC target, authority and loopback
 * test, the backend-hosts allow-list, and address blocks parsed and matched.
 *
 * Input: the text up to the first NUL is the URL (and, alone, a block and an
 * allow-list entry); the text after it, if any, is an address matched
 * against the block.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cidr.h"
#include "core/endpoint.h"
#include "core/err.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const hosts[] = { "lnd.example.com", "10.0.0.0/8", "fd00::/8", "::1" };
	char target[SWGR_ENDPOINT_TARGET_MAX], hostport[SWGR_ENDPOINT_TARGET_MAX];
	char again[SWGR_ENDPOINT_TARGET_MAX + 8];
	struct swgr_endpoint ep, ep2;
	struct swgr_cidr block;
	struct swgr_err err = { 0 };
	char *text, *addr;
	size_t n;

	if ((text = malloc(size + 2)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	n = strlen(text);
	addr = n < size ? text + n + 1 : NULL;
	if (swgr_endpoint_parse(text, &ep, &err) == SWGR_OK) {
		swgr_endpoint_grpc_target(&ep, target, sizeof(target));
		swgr_endpoint_hostport(&ep, hostport, sizeof(hostport));
		(void)swgr_endpoint_loopback(&ep);
		(void)swgr_endpoint_allowed(&ep, hosts, sizeof(hosts) / sizeof(hosts[0]), &err);
		/* the authority it gives is read back as the same endpoint */
		snprintf(again, sizeof(again), "http://%s", hostport);
		if (swgr_endpoint_parse(again, &ep2, &err) != SWGR_OK ||
		    strcmp(ep2.host, ep.host) != 0 || ep2.port != ep.port)
			abort();
	}
	(void)swgr_endpoint_host_entry_ok(text);
	if (swgr_cidr_parse(text, &block, &err) == SWGR_OK && addr != NULL)
		(void)swgr_cidr_match(&block, 1, addr);
	free(text);
	return 0;
}
