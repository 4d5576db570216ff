/* The system trust store as PEM text, each certificate once. */
#ifndef SWGR_TRUST_H
#define SWGR_TRUST_H

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

#endif
