/*
 * Lightning Addresses from an LDAP directory: one subtree search per lookup
 * over OpenLDAP's libldap, opened on first use (a process without a
 * directory never maps it), on one connection kept across lookups.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <ldap.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "store/directory.h"
#include "core/clock.h"
#include "core/dl.h"
#include "core/lnaddr.h"
#include "core/log.h"
#include "core/uuid.h"

#define DIR_PASSWORD_MAX	4096	/* bytes of the password file */
#define DIR_SONAME		"libldap-2.5.so.0"

/* libldap, opened by swgr_directory_open (swgr_dlopen): the functions used. */
#define DIR_FUNCS(X) \
	X(ldap_initialize) X(ldap_set_option) X(ldap_sasl_bind_s) X(ldap_search_ext_s) \
	X(ldap_count_entries) X(ldap_first_entry) X(ldap_get_values_len) \
	X(ldap_value_free_len) X(ldap_msgfree) X(ldap_unbind_ext_s) X(ldap_err2string) \
	X(ldap_get_dn) X(ldap_memfree)

static struct {
#define DIR_PTR(f)	__typeof__(f) *f;
	DIR_FUNCS(DIR_PTR)
#undef DIR_PTR
} lb;
static pthread_once_t dir_once = PTHREAD_ONCE_INIT;
static char	 dir_nolib[256];	/* why libldap is not loaded; empty once it is */

struct swgr_directory {
	const struct swgr_ldap_cfg *cfg;
	pthread_mutex_t	 mu;
	LDAP		*ld;		/* under mu; NULL: not connected */
};

static void
dir_load(void)
{
	void *h;

	if ((h = swgr_dlopen(DIR_SONAME, "libldap-2.5-0", dir_nolib, sizeof(dir_nolib))) == NULL)
		return;
#define DIR_SYM(f)							\
	if ((lb.f = (__typeof__(lb.f))dlsym(h, #f)) == NULL) {		\
		snprintf(dir_nolib, sizeof(dir_nolib), DIR_SONAME " has no %s", #f); \
		return;							\
	}
	DIR_FUNCS(DIR_SYM)
#undef DIR_SYM
}

static enum swgr_rc
loaded(struct swgr_err *err)
{
	pthread_once(&dir_once, dir_load);
	if (dir_nolib[0] != '\0')
		return swgr_err_set(err, SWGR_EINVAL, "store.address-directory: %s", dir_nolib);
	return SWGR_OK;
}

/*
 * The whole file at path into b with read(2) (no stdio buffer, no copy on
 * the stack to leave the password behind).  0 or an errno value.
 */
static int
read_secret(const char *path, struct swgr_buf *b)
{
	struct stat sb;
	ssize_t r;
	size_t got = 0;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return errno;
	if (fstat(fd, &sb) != 0)
		e = errno;
	else if (!S_ISREG(sb.st_mode))
		e = EINVAL;
	else if (sb.st_size > DIR_PASSWORD_MAX)
		e = EFBIG;
	else if ((b->p = malloc((size_t)sb.st_size + 1)) == NULL)
		e = ENOMEM;
	while (e == 0 && got < (size_t)sb.st_size) {
		if ((r = read(fd, b->p + got, (size_t)sb.st_size - got)) < 0 && errno != EINTR)
			e = errno;
		else if (r == 0)
			break;
		else if (r > 0)
			got += (size_t)r;
	}
	close(fd);
	if (b->p != NULL) {
		b->p[got] = '\0';
		b->len = got;
		b->cap = (size_t)sb.st_size + 1;
	}
	return e;
}

/* The password of the bind, trimmed of its line end, into b (the caller wipes it). */
static enum swgr_rc
read_password(const struct swgr_ldap_cfg *cfg, struct swgr_buf *b, struct swgr_err *err)
{
	int errn;

	if ((errn = read_secret(cfg->password_file, b)) != 0)
		return swgr_err_set(err, SWGR_EINVAL, "store.address-directory: reading "
		    "password-file %s: %s", cfg->password_file, strerror(errn));
	while (b->len > 0 && (b->p[b->len - 1] == '\n' || b->p[b->len - 1] == '\r'))
		b->p[--b->len] = '\0';
	if (b->len == 0 || memchr(b->p, '\0', b->len) != NULL)
		return swgr_err_set(err, SWGR_EINVAL, "store.address-directory: password-file "
		    "%s: %s", cfg->password_file, b->len == 0 ? "empty" : "holds a NUL byte");
	return SWGR_OK;
}

enum swgr_rc
swgr_directory_check(const struct swgr_ldap_cfg *cfg, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	enum swgr_rc rc;

	if ((rc = loaded(err)) != SWGR_OK || cfg->password_file == NULL)
		return rc;
	rc = read_password(cfg, &b, err);
	if (b.p != NULL)
		explicit_bzero(b.p, b.cap);
	swgr_buf_free(&b);
	return rc;
}

enum swgr_rc
swgr_directory_open(const struct swgr_ldap_cfg *cfg, struct swgr_directory **out,
    struct swgr_err *err)
{
	struct swgr_directory *d;
	enum swgr_rc rc;

	*out = NULL;
	if ((rc = loaded(err)) != SWGR_OK)
		return rc;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	d->cfg = cfg;
	pthread_mutex_init(&d->mu, NULL);
	*out = d;
	return SWGR_OK;
}

static void
disconnect(struct swgr_directory *d)
{
	if (d->ld != NULL)
		lb.ldap_unbind_ext_s(d->ld, NULL, NULL);
	d->ld = NULL;
}

void
swgr_directory_close(struct swgr_directory *d)
{
	if (d == NULL)
		return;
	disconnect(d);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

bool
swgr_directory_serves(const struct swgr_directory *d, const char *domain)
{
	size_t i;

	for (i = 0; i < d->cfg->ndomains; i++)
		if (strcmp(d->cfg->domains[i], domain) == 0)
			return true;
	return false;
}

void
swgr_directory_filter(struct swgr_buf *b, const char *tmpl, const char *username)
{
	static const char ph[] = "{username}";
	const char *p, *u;

	while ((p = strstr(tmpl, ph)) != NULL) {
		swgr_buf_put(b, tmpl, (size_t)(p - tmpl));
		for (u = username; *u != '\0'; u++)
			if (strchr("*()\\", *u) != NULL)
				swgr_buf_printf(b, "\\%02x", (unsigned char)*u);
			else
				swgr_buf_put(b, u, 1);
		tmpl = p + sizeof(ph) - 1;
	}
	swgr_buf_puts(b, tmpl);
}

/* Whether rc says the connection is gone: a kept one is tried again, afresh, once. */
static bool
conn_lost(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR;
}

/* Whether rc leaves the connection of no more use (the next lookup connects again). */
static bool
conn_spoilt(int rc)
{
	return conn_lost(rc) || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY ||
	    rc == LDAP_TIMELIMIT_EXCEEDED || rc == LDAP_OTHER || rc == LDAP_LOCAL_ERROR;
}

/* The time left to deadline (CLOCK_MONOTONIC seconds) as a timeval, at least 1 ms. */
static struct timeval
left_of(double deadline)
{
	double left = deadline - swgr_mono_now();
	struct timeval tv;

	if (left < 0.001)
		left = 0.001;
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* d->ld connected and bound by deadline, or SWGR_EUPSTREAM.  Under mu. */
static enum swgr_rc
dir_connect(struct swgr_directory *d, double deadline, struct swgr_err *err)
{
	const struct swgr_ldap_cfg *cfg = d->cfg;
	struct timeval tv = left_of(deadline);
	struct swgr_buf pw = { 0 };
	struct berval cred = { 0, NULL };
	int v3 = LDAP_VERSION3, rc;
	enum swgr_rc src = SWGR_OK;

	if ((rc = lb.ldap_initialize(&d->ld, cfg->uri)) != LDAP_SUCCESS) {
		d->ld = NULL;
		return swgr_err_set(err, SWGR_EUPSTREAM, "the directory URI %s: %s", cfg->uri,
		    lb.ldap_err2string(rc));
	}
	if (lb.ldap_set_option(d->ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    lb.ldap_set_option(d->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    lb.ldap_set_option(d->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    lb.ldap_set_option(d->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS) {
		src = swgr_err_set(err, SWGR_EUPSTREAM, "setting the options of a connection to %s",
		    cfg->uri);
		goto out;
	}
	if (cfg->password_file != NULL) {
		if (read_password(cfg, &pw, err) != SWGR_OK) {
			src = err->rc = SWGR_EUPSTREAM;	/* no bind can be made */
			goto out;
		}
		cred.bv_val = pw.p;
		cred.bv_len = pw.len;
	}
	rc = lb.ldap_sasl_bind_s(d->ld, cfg->bind_dn != NULL ? cfg->bind_dn : "",
	    LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS)
		src = swgr_err_set(err, SWGR_EUPSTREAM, "binding to %s as %s: %s", cfg->uri,
		    cfg->bind_dn != NULL ? cfg->bind_dn : "anonymous", lb.ldap_err2string(rc));
out:
	if (pw.p != NULL)
		explicit_bzero(pw.p, pw.cap);
	swgr_buf_free(&pw);
	if (src != SWGR_OK)
		disconnect(d);
	return src;
}

/* Whether one of the values of attr in e is username (case aside: LDAP's uid matches so). */
static bool
has_value(LDAP *ld, LDAPMessage *e, const char *attr, const char *username)
{
	struct berval **v = lb.ldap_get_values_len(ld, e, attr);
	size_t n = strlen(username), i;
	bool yes = false;

	for (i = 0; v != NULL && v[i] != NULL && !yes; i++)
		yes = v[i]->bv_len == n && strncasecmp(v[i]->bv_val, username, n) == 0;
	lb.ldap_value_free_len(v);
	return yes;
}

/*
 * The offer of entry e: its offer-attribute's value (the first, a UUID),
 * else default-offer.  False, logged, when there is none to pay.
 */
static bool
offer_of(const struct swgr_directory *d, LDAP *ld, LDAPMessage *e, const char *key,
    struct swgr_uuid *out)
{
	const struct swgr_ldap_cfg *cfg = d->cfg;
	struct berval **v = NULL;
	char *dn;
	bool ok;

	if (cfg->offer_attribute != NULL)
		v = lb.ldap_get_values_len(ld, e, cfg->offer_attribute);
	if (v != NULL && v[0] != NULL) {
		ok = swgr_uuid_parse(v[0]->bv_val, v[0]->bv_len, out) == SWGR_OK;
		if (!ok) {
			dn = lb.ldap_get_dn(ld, e);
			swgr_log(SWGR_LOG_WARN, "swgr::directory", "%s (%s): its %s is not an offer "
			    "id (a UUID): the address is not served", key, dn != NULL ? dn : "?",
			    cfg->offer_attribute);
			lb.ldap_memfree(dn);
		}
	} else if ((ok = cfg->has_default_offer))
		*out = cfg->default_offer;
	else
		swgr_log(SWGR_LOG_WARN, "swgr::directory", "%s: its entry has no %s and there is "
		    "no default-offer: the address is not served", key, cfg->offer_attribute);
	lb.ldap_value_free_len(v);
	return ok;
}

/* The search's one entry into out, or SWGR_NOTFOUND. */
static enum swgr_rc
entry_of(const struct swgr_directory *d, LDAP *ld, LDAPMessage *res, int rc, const char *key,
    struct swgr_address *out, struct swgr_err *err)
{
	const struct swgr_ldap_cfg *cfg = d->cfg;
	LDAPMessage *e;
	int n = rc == LDAP_SUCCESS ? lb.ldap_count_entries(ld, res) : 2;

	if (n > 1) {
		swgr_log(SWGR_LOG_WARN, "swgr::directory", "%s: more than one entry under %s "
		    "matches %s: the address is not served", key, cfg->base_dn, cfg->filter);
		return swgr_err_set(err, SWGR_NOTFOUND, "no such address");
	}
	if (n < 1 || (e = lb.ldap_first_entry(ld, res)) == NULL ||
	    !has_value(ld, e, cfg->username_attribute, out->username) ||
	    !offer_of(d, ld, e, key, &out->offer))
		return swgr_err_set(err, SWGR_NOTFOUND, "no such address");
	if ((out->partition = strdup(cfg->partition)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	out->enabled = true;
	return SWGR_OK;
}

enum swgr_rc
swgr_directory_address_get(struct swgr_directory *d, const char *domain, const char *username,
    struct swgr_address *out, struct swgr_err *err)
{
	const struct swgr_ldap_cfg *cfg = d->cfg;
	char *attrs[3] = { cfg->username_attribute, cfg->offer_attribute, NULL };
	char key[SWGR_LNADDR_USER_MAX + 1 + SWGR_LNADDR_DOMAIN_MAX + 1];
	double deadline = swgr_mono_now() + cfg->timeout_secs;
	struct swgr_buf filter = { 0 };
	LDAPMessage *res = NULL;
	struct timeval tv;
	struct timespec until;
	enum swgr_rc src;
	int rc = LDAP_SUCCESS, tries;
	bool fresh;

	memset(out, 0, sizeof(*out));
	if (!swgr_directory_serves(d, domain))
		return swgr_err_set(err, SWGR_NOTFOUND, "no such address");
	snprintf(key, sizeof(key), "%s@%s", username, domain);
	swgr_directory_filter(&filter, cfg->filter, username);
	if (!swgr_buf_ok(&filter) || (out->username = strdup(username)) == NULL ||
	    (out->domain = strdup(domain)) == NULL) {
		swgr_buf_free(&filter);
		swgr_address_free(out);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	/*
	 * One deadline for the lookup, the wait for the connection included:
	 * lookups queue behind a slow one no longer than timeout-secs.
	 */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)cfg->timeout_secs;
	until.tv_nsec += (long)((cfg->timeout_secs - (double)(time_t)cfg->timeout_secs) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_mutex_timedlock(&d->mu, &until) != 0) {
		swgr_buf_free(&filter);
		swgr_address_free(out);
		return swgr_err_set(err, SWGR_ERETRY, "the address directory is busy: lookups "
		    "waited %.1f s for the one before", cfg->timeout_secs);
	}
	for (tries = 0; tries < 2; tries++) {
		fresh = d->ld == NULL;
		if (fresh && (src = dir_connect(d, deadline, err)) != SWGR_OK)
			goto out;
		tv = left_of(deadline);
		rc = lb.ldap_search_ext_s(d->ld, cfg->base_dn, LDAP_SCOPE_SUBTREE, filter.p,
		    attrs, 0, NULL, NULL, &tv, 2, &res);
		if (conn_spoilt(rc)) {
			lb.ldap_msgfree(res);
			res = NULL;
			disconnect(d);
		}
		/* a kept connection the server has closed since: once more, afresh */
		if (!conn_lost(rc) || fresh || swgr_mono_now() >= deadline)
			break;
	}
	if (conn_spoilt(rc))
		src = swgr_err_set(err, SWGR_EUPSTREAM, "searching %s: %s", cfg->uri,
		    lb.ldap_err2string(rc));
	else if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
		src = swgr_err_set(err, SWGR_EUPSTREAM, "searching %s under %s for %s: %s",
		    cfg->uri, cfg->base_dn, key, lb.ldap_err2string(rc));
	else
		src = entry_of(d, d->ld, res, rc, key, out, err);
out:
	lb.ldap_msgfree(res);
	pthread_mutex_unlock(&d->mu);
	swgr_buf_free(&filter);
	if (src != SWGR_OK)
		swgr_address_free(out);
	return src;
}
