/* The system trust store as PEM text, each certificate once; the first certificate of a PEM text. */
#ifndef SWGR_TRUST_H
#define SWGR_TRUST_H

#include <stddef.h>

#include <openssl/x509.h>

#include "core/buf.h"

/*
 * Appends to b the certificates of the system trust store as OpenSSL finds
 * it: the file SSL_CERT_FILE (else OpenSSL's default bundle) and, when
 * SSL_CERT_DIR is set, every certificate file in its directories
 * (colon-separated).  Each certificate is appended once however many files
 * hold it: Debian's /etc/ssl/certs has every root three times (the bundle,
 * its own file, the hash link), and gRPC keeps a copy of the roots per
 * channel.  Unreadable files are skipped; returns the number of
 * certificates appended.  Check b with swgr_buf_ok().
 */
size_t	 swgr_trust_system_pem(struct swgr_buf *b);
/*
 * The first certificate of the PEM text p (len bytes), to be freed with
 * X509_free(), or NULL when there is none (or no memory); OpenSSL's error
 * queue is left empty.  Used to refuse a roots or certificate file that
 * holds no certificate, with a message naming it, before a TLS library sees it.
 */
X509	*swgr_trust_pem_first(const char *p, size_t len);

#endif
