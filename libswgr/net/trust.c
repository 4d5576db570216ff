/* The system trust store as PEM text, each certificate once; the first certificate of a PEM text. */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "net/trust.h"

#define TRUST_FILE_MAX	(8 * 1024 * 1024)

static const char begin[] = "-----BEGIN CERTIFICATE-----";
static const char end[] = "-----END CERTIFICATE-----";

/* A certificate already appended: where its block is in the output. */
struct seen {
	uint64_t	 hash;
	size_t		 off, len;
};

struct pems {
	struct swgr_buf	*out;
	struct seen	*v;
	size_t		 n, cap;
};

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* FNV-1a over the block without its line breaks: the same certificate hashes alike. */
static uint64_t
block_hash(const char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++)
		if (!blank(p[i]))
			h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* Whether two blocks hold the same text once line breaks are ignored. */
static int
block_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < alen && blank(a[i]))
			i++;
		while (j < blen && blank(b[j]))
			j++;
		if (i == alen || j == blen)
			return i == alen && j == blen;
		if (a[i++] != b[j++])
			return 0;
	}
}

/* Appends the block p (len bytes) unless an equal one is there; 1 if appended. */
static int
add_block(struct pems *s, const char *p, size_t len)
{
	uint64_t h = block_hash(p, len);
	struct seen *nv;
	size_t i, ncap;

	for (i = 0; i < s->n; i++)
		if (s->v[i].hash == h && block_equal(s->out->p + s->v[i].off, s->v[i].len, p, len))
			return 0;
	if (s->n == s->cap) {
		ncap = s->cap ? s->cap * 2 : 256;
		if ((nv = realloc(s->v, ncap * sizeof(*nv))) == NULL)
			return 0;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n].hash = h;
	s->v[s->n].off = s->out->len;
	s->v[s->n].len = len;
	swgr_buf_put(s->out, p, len);
	swgr_buf_putc(s->out, '\n');
	if (!swgr_buf_ok(s->out))
		return 0;
	s->n++;
	return 1;
}

/* Appends each certificate block of the PEM text p (NUL-terminated). */
static size_t
add_text(struct pems *s, const char *p)
{
	const char *b, *e;
	size_t added = 0;

	while ((b = strstr(p, begin)) != NULL && (e = strstr(b, end)) != NULL) {
		e += sizeof(end) - 1;
		added += (size_t)add_block(s, b, (size_t)(e - b));
		p = e;
	}
	return added;
}

static size_t
add_file(struct pems *s, const char *path)
{
	struct swgr_buf f = { 0 };
	size_t added = 0;

	if (swgr_buf_read_file(&f, path, TRUST_FILE_MAX) == 0 && f.len > 0)
		added = add_text(s, f.p);
	swgr_buf_free(&f);
	return added;
}

size_t
swgr_trust_system_pem(struct swgr_buf *b)
{
	struct pems s = { b, NULL, 0, 0 };
	const char *p = getenv(X509_get_default_cert_file_env());
	char *dirs, *dir, *save = NULL, path[4096];
	struct dirent *de;
	size_t added;
	DIR *d;

	added = add_file(&s, p != NULL && *p != '\0' ? p : X509_get_default_cert_file());
	if ((p = getenv(X509_get_default_cert_dir_env())) != NULL && *p != '\0' &&
	    (dirs = strdup(p)) != NULL) {
		for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
			if ((d = opendir(dir)) == NULL)
				continue;
			while ((de = readdir(d)) != NULL)
				if (de->d_name[0] != '.' &&
				    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
					added += add_file(&s, path);
			closedir(d);
		}
		free(dirs);
	}
	free(s.v);
	return added;
}

X509 *
swgr_trust_pem_first(const char *p, size_t len)
{
	X509 *x = NULL;
	BIO *bio;

	if (len <= INT_MAX && (bio = BIO_new_mem_buf(p, (int)len)) != NULL) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	return x;
}
