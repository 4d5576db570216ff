/*
 * bench/hello.c: the ceiling of the benchmark.  A hello-world FastCGI responder
 * built like swgr's (libfcgi, FCGX_Accept_r worker threads on the socket that
 * spawn-fcgi hands over on fd 0), answering every request with a fixed JSON
 * body of the size of a pay request answer.  No routing, no parsing, no logging.
 *
 *   gcc -O2 -pthread -o hello bench/hello.c -lfcgi
 *   spawn-fcgi -s SOCK -M 0666 -- ./hello -t 32
 *
 * Not part of the autotools build: bench/run.sh compiles it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

/* As long as the payRequest answer of the benchmark's offer (~330 bytes of JSON). */
static const char body[] =
    "{\"callback\":\"http://localhost/offers/default/00000000-0000-0000-0000-000000000000/"
    "invoice\",\"maxSendable\":100000000,\"minSendable\":1000,\"tag\":\"payRequest\","
    "\"metadata\":\"[[\\\"text/plain\\\",\\\"hello world: the ceiling of the swgr "
    "benchmark, a fixed answer of about the size of a payRequest\\\"]]\"}";

static char head[256];
static size_t headlen;

static void *
worker(void *arg)
{
	FCGX_Request r;

	(void)arg;
	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&r) == 0) {
		FCGX_PutStr(head, (int)headlen, r.out);
		FCGX_PutStr(body, (int)sizeof(body) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	unsigned long i, n = 32;
	pthread_t *th;
	sigset_t set;
	int ch, sig;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't' || (n = strtoul(optarg, NULL, 10)) < 1 || n > 4096) {
			fprintf(stderr, "usage: %s [-t THREADS]\n", argv[0]);
			return 2;
		}
	}
	headlen = (size_t)snprintf(head, sizeof(head), "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "Access-Control-Allow-Origin: *\r\n\r\n", (int)sizeof(body) - 1);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_IsCGI()) {
		fprintf(stderr, "%s: fd 0 is not a FastCGI socket (run under spawn-fcgi)\n", argv[0]);
		return 1;
	}
	if ((th = calloc(n, sizeof(*th))) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 1;
	sigwait(&set, &sig);	/* SIGTERM: exit at once, nothing to finish */
	return 0;
}
