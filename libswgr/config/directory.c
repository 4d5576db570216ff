/* The store.address-directory section of the configuration: an LDAP directory of Lightning Addresses. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/yaml_int.h"
#include "core/err.h"
#include "core/lnaddr.h"

/* An LDAP attribute description: a letter, then letters, digits and '-' (RFC 4512 descr). */
static bool
ldap_attr_ok(const char *a)
{
	if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z')))
		return false;
	for (a++; *a != '\0'; a++)
		if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') ||
		    (*a >= '0' && *a <= '9') || *a == '-'))
			return false;
	return true;
}

/* The attribute keys of store.address-directory: present or defaulted, each a descr. */
static enum swgr_rc
read_ldap_attrs(const struct swgr_yaml_map *m, struct swgr_ldap_cfg *d)
{
	static const char *keys[] = { "username-attribute", "offer-attribute" };
	char **vals[] = { &d->username_attribute, &d->offer_attribute };
	enum swgr_rc rc;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((rc = swgr_yaml_str(m, keys[i], false, vals[i])) != SWGR_OK)
			return rc;
		if (*vals[i] != NULL && !ldap_attr_ok(*vals[i]))
			return swgr_yaml_fail(m, keys[i], swgr_yaml_key_line(m, keys[i]),
			    "'%s' is not an attribute name (a letter, then letters, digits, '-')",
			    *vals[i]);
	}
	if (d->username_attribute == NULL && (d->username_attribute = strdup("uid")) == NULL)
		return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	return SWGR_OK;
}

/*
 * The search filter: "(...)" with {username} at least once, where the
 * username goes (escaped per RFC 4515); default (<username-attribute>={username}).
 */
static enum swgr_rc
read_ldap_filter(const struct swgr_yaml_map *m, struct swgr_ldap_cfg *d)
{
	const char *key = "filter";
	size_t n;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_str(m, key, false, &d->filter)) != SWGR_OK)
		return rc;
	if (d->filter == NULL) {
		n = strlen(d->username_attribute) + sizeof("(={username})");
		if ((d->filter = malloc(n)) == NULL)
			return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
		snprintf(d->filter, n, "(%s={username})", d->username_attribute);
		return SWGR_OK;
	}
	n = strlen(d->filter);
	if (n < 2 || d->filter[0] != '(' || d->filter[n - 1] != ')' ||
	    strstr(d->filter, "{username}") == NULL)
		return swgr_yaml_fail(m, key, swgr_yaml_key_line(m, key), "expected an LDAP filter "
		    "in parentheses with {username} where the username goes, as (uid={username})");
	return SWGR_OK;
}

/* default-offer (a UUID), partition (default "default") and domains (each a domain name). */
static enum swgr_rc
read_ldap_target(const struct swgr_yaml_map *m, struct swgr_ldap_cfg *d)
{
	char canon[SWGR_LNADDR_DOMAIN_MAX + 1], *def = NULL;
	struct swgr_err derr = { 0 };
	size_t i;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_str(m, "default-offer", false, &def)) != SWGR_OK)
		return rc;
	if (def != NULL) {
		rc = swgr_uuid_parse(def, strlen(def), &d->default_offer);
		free(def);
		if (rc != SWGR_OK)
			return swgr_yaml_fail(m, "default-offer", swgr_yaml_key_line(m,
			    "default-offer"), "expected the id (a UUID) of an offer");
		d->has_default_offer = true;
	} else if (d->offer_attribute == NULL)
		return swgr_yaml_fail(m, "default-offer", swgr_yaml_key_line(m, "type"),
		    "required without offer-attribute (the offer every address pays)");
	if ((rc = swgr_yaml_str(m, "partition", false, &d->partition)) != SWGR_OK)
		return rc;
	if (d->partition == NULL && (d->partition = strdup("default")) == NULL)
		return swgr_err_set(m->c->err, SWGR_ENOMEM, "reading configuration: out of memory");
	if ((rc = swgr_yaml_strlist(m, "domains", &d->domains, &d->ndomains)) != SWGR_OK)
		return rc;
	if (d->ndomains == 0)
		return swgr_yaml_fail(m, "domains", swgr_yaml_key_line(m, "domains"),
		    "expected the domains whose addresses the directory holds");
	for (i = 0; i < d->ndomains; i++) {
		if (swgr_lnaddr_domain(d->domains[i], strlen(d->domains[i]), canon, &derr) != SWGR_OK)
			return swgr_yaml_fail(m, "domains", swgr_yaml_key_line(m, "domains"),
			    "'%s': %s", d->domains[i], derr.msg);
		memcpy(d->domains[i], canon, strlen(canon) + 1);	/* no longer than it was */
	}
	return SWGR_OK;
}

/*
 * uri: one or more ldap:// or ldaps:// URIs (libldap tries a list separated
 * by spaces or commas in turn), all of one scheme, so that a bind meant for
 * TLS never goes to a server in clear.
 */
static enum swgr_rc
check_uris(const struct swgr_yaml_map *m, const char *uri)
{
	const char *p = uri;
	int tls = -1;		/* of the first URI: 1 ldaps, 0 ldap */
	size_t n;

	for (;;) {
		p += strspn(p, " ,");
		if (*p == '\0')
			break;
		n = strcspn(p, " ,");
		if (!((n > 7 && strncmp(p, "ldap://", 7) == 0) ||
		    (n > 8 && strncmp(p, "ldaps://", 8) == 0)))
			return swgr_yaml_fail(m, "uri", swgr_yaml_key_line(m, "uri"),
			    "'%.*s': expected an ldap:// or ldaps:// URI", (int)n, p);
		if (tls < 0)
			tls = p[4] == 's';
		else if (tls != (p[4] == 's'))
			return swgr_yaml_fail(m, "uri", swgr_yaml_key_line(m, "uri"),
			    "mixes ldap:// and ldaps://: a bind meant for TLS could go in clear");
		p += n;
	}
	if (tls < 0)
		return swgr_yaml_fail(m, "uri", swgr_yaml_key_line(m, "uri"),
		    "expected an ldap:// or ldaps:// URI");
	return SWGR_OK;
}

/* store.address-directory (ours, optional): type ldap and its keys (struct swgr_ldap_cfg). */
enum swgr_rc
swgr_config_read_directory(const struct swgr_yaml_map *store, struct swgr_ldap_cfg *d)
{
	struct swgr_yaml_map m;
	yaml_node_t *n;
	const char *type;
	bool has = false;
	enum swgr_rc rc;

	if ((rc = swgr_yaml_mapping(store, "address-directory", false, &m)) != SWGR_OK ||
	    m.node == NULL)
		return rc;
	if ((rc = swgr_yaml_scalar(&m, "type", true, "ldap", &type, &n)) != SWGR_OK)
		return rc;
	if (strcmp(type, "ldap") != 0)
		return swgr_yaml_fail(&m, "type", swgr_yaml_line(n), "expected ldap");
	d->present = true;
	if ((rc = swgr_yaml_str(&m, "uri", true, &d->uri)) != SWGR_OK ||
	    (rc = swgr_yaml_str(&m, "base-dn", true, &d->base_dn)) != SWGR_OK ||
	    (rc = swgr_yaml_str(&m, "bind-dn", false, &d->bind_dn)) != SWGR_OK ||
	    (rc = swgr_yaml_str(&m, "password-file", d->bind_dn != NULL,
	    &d->password_file)) != SWGR_OK ||
	    (rc = read_ldap_attrs(&m, d)) != SWGR_OK || (rc = read_ldap_filter(&m, d)) != SWGR_OK ||
	    (rc = read_ldap_target(&m, d)) != SWGR_OK)
		return rc;
	if ((rc = check_uris(&m, d->uri)) != SWGR_OK)
		return rc;
	if (d->password_file != NULL && d->bind_dn == NULL)
		return swgr_yaml_fail(&m, "password-file", swgr_yaml_key_line(&m, "password-file"),
		    "needs bind-dn (a password with an empty DN is no bind LDAP knows)");
	d->refresh_secs = SWGR_LDAP_REFRESH_DEFAULT;
	d->timeout_secs = SWGR_LDAP_TIMEOUT_DEFAULT;
	d->stale_max_secs = SWGR_STORE_STALE_MAX_DEFAULT;
	if ((rc = swgr_yaml_float(&m, "refresh-secs", false, true, &d->refresh_secs,
	    &has)) != SWGR_OK)
		return rc;
	if (d->refresh_secs <= 0)
		return swgr_yaml_fail(&m, "refresh-secs", swgr_yaml_key_line(&m, "refresh-secs"),
		    "expected a positive number of seconds");
	if ((rc = swgr_yaml_float(&m, "timeout-secs", false, true, &d->timeout_secs,
	    &has)) != SWGR_OK)
		return rc;
	if (d->timeout_secs < 0.001 || d->timeout_secs > 300)
		return swgr_yaml_fail(&m, "timeout-secs", swgr_yaml_key_line(&m, "timeout-secs"),
		    "expected 0.001 to 300 seconds");
	return swgr_yaml_float(&m, "stale-max-secs", false, true, &d->stale_max_secs, NULL);
}
