/* Diagnosing a failed TLS connection to a node with a handshake of our own. */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/grpc.h"
#include "net/grpc_int.h"

/*
 * A TLS handshake of our own, made with the channel's material when a
 * connection fails, to tell the operator why: gRPC reports a refused client
 * certificate as "Socket closed".
 */
struct swgr_grpc_probe {
	char	*host;		/* to connect to */
	char	*port;
	char	*name;		/* to check on the certificate: domain or host */
	char	*roots, *cert, *key;
	int	 system_roots;	/* OpenSSL's default paths are trusted too */
};

void
swgr_grpc_probe_free(struct swgr_grpc_probe *p)
{
	if (p == NULL)
		return;
	if (p->key != NULL)
		memset(p->key, 0, strlen(p->key));
	free(p->host);
	free(p->port);
	free(p->name);
	free(p->roots);
	free(p->cert);
	free(p->key);
	free(p);
}

static char *
dup_or_null(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = 1;
	return d;
}

enum swgr_rc
swgr_grpc_probe_new(const char *target, const struct swgr_grpc_tls *tls, struct swgr_grpc_probe **out,
    struct swgr_err *err)
{
	struct swgr_grpc_probe *p;
	const char *colon, *h = target, *hend;
	int oom = 0;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	if (target[0] == '[' && (hend = strchr(target, ']')) != NULL) {
		h = target + 1;
		colon = hend[1] == ':' ? hend + 1 : NULL;
	} else {
		colon = strrchr(target, ':');
		hend = colon != NULL ? colon : target + strlen(target);
	}
	p->host = strndup(h, (size_t)(hend - h));
	p->port = strdup(colon != NULL ? colon + 1 : "443");
	p->name = dup_or_null(tls->domain != NULL && tls->domain[0] ? tls->domain : p->host, &oom);
	p->roots = dup_or_null(tls->roots, &oom);
	p->system_roots = tls->system_roots || tls->roots == NULL;
	p->cert = dup_or_null(tls->cert, &oom);
	p->key = dup_or_null(tls->key, &oom);
	if (oom || p->host == NULL || p->port == NULL) {
		swgr_grpc_probe_free(p);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	*out = p;
	return SWGR_OK;
}

/* snprintf for findings: a long one is cut, never an error. */
static void
say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* A TCP connection to the probe's host within secs, or -1 with why set. */
static int
probe_connect(const struct swgr_grpc_probe *p, double secs, char *why, size_t len)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv;
	int fd = -1, e, cerr = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(p->host, p->port, &hints, &res)) != 0) {
		say(why, len, "cannot resolve %s: %s", p->host, gai_strerror(e));
		return -1;
	}
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			cerr = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		say(why, len, "cannot connect to %s:%s: %s (node down or wrong port?)", p->host,
		    p->port, strerror(cerr));
	return fd;
}

/*
 * The trust store of the channel: OpenSSL's default paths (SSL_CERT_FILE,
 * SSL_CERT_DIR, as swgr_trust_system_pem reads them) and the PEM certificates
 * of pem.
 */
static void
probe_roots(SSL_CTX *ctx, int system_roots, const char *pem)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	BIO *bio;
	X509 *x;

	if (system_roots)
		SSL_CTX_set_default_verify_paths(ctx);
	if (pem == NULL || (bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_STORE_add_cert(store, x);
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
}

static int
probe_keypair(SSL_CTX *ctx, const struct swgr_grpc_probe *p)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *bio;
	int ok = 0;

	if ((bio = BIO_new_mem_buf(p->cert, -1)) != NULL) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if ((bio = BIO_new_mem_buf(p->key, -1)) != NULL) {
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (x != NULL && pk != NULL)
		ok = SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, pk) == 1;
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok;
}

/* The last OpenSSL error as text, without the "error:0A000086:" prefix. */
static const char *
ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r;

	if (e == 0)
		return "the connection was closed";
	r = ERR_reason_error_string(e);
	snprintf(buf, len, "%s", r != NULL ? r : "unknown TLS error");
	return buf;
}

/*
 * Connects and shakes hands as gRPC would (SNI and name check with the
 * domain, ALPN h2, the client certificate), within secs; writes the finding
 * into why.  The node's first HTTP/2 frame proves the client certificate was
 * accepted: with TLS 1.3 a refusal only arrives after the handshake.
 */
void
swgr_grpc_probe_run(const struct swgr_grpc_probe *p, double secs, char *why, size_t len)
{
	static const unsigned char alpn[] = "\x02h2";
	struct in6_addr a6;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509_VERIFY_PARAM *vp;
	char buf[160];
	long v;
	int fd;

	if (secs < 0.05)
		return;
	if ((fd = probe_connect(p, secs, why, len)) < 0)
		return;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL || (ssl = SSL_new(ctx)) == NULL)
		goto out;
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	probe_roots(ctx, p->system_roots, p->roots);
	if (p->cert != NULL && p->key != NULL && (!probe_keypair(ctx, p) ||
	    SSL_use_certificate(ssl, SSL_CTX_get0_certificate(ctx)) != 1 ||
	    SSL_use_PrivateKey(ssl, SSL_CTX_get0_privatekey(ctx)) != 1)) {
		say(why, len, "the client certificate or key cannot be used");
		goto out;
	}
	SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1);
	vp = SSL_get0_param(ssl);
	if (inet_pton(AF_INET, p->name, &a6) == 1 || inet_pton(AF_INET6, p->name, &a6) == 1)
		X509_VERIFY_PARAM_set1_ip_asc(vp, p->name);
	else {
		SSL_set_tlsext_host_name(ssl, p->name);
		X509_VERIFY_PARAM_set1_host(vp, p->name, 0);
	}
	SSL_set_fd(ssl, fd);
	ERR_clear_error();
	if (SSL_connect(ssl) != 1) {
		v = SSL_get_verify_result(ssl);
		if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
			say(why, len, "the node's certificate does not name '%s' (set \"domain\" "
			    "to a name it has)", p->name);
		else if (v != X509_V_OK)
			say(why, len, "the node's certificate is not trusted: %s (check its "
			    "CA/TLS certificate file and ln-trusted-roots)",
			    X509_verify_cert_error_string(v));
		else
			say(why, len, "handshake failed: %s", ssl_reason(buf, sizeof(buf)));
		goto out;
	}
	if (SSL_read(ssl, buf, 1) <= 0)
		say(why, len, "the node closed the connection right after the handshake (%s)%s",
		    ssl_reason(buf, sizeof(buf)), p->cert != NULL ? ": it refuses our client "
		    "certificate; is that signed by the node's CA?" : "");
	else
		say(why, len, "a direct TLS handshake works now");
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
}
