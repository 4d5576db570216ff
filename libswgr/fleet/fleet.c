/* The fleet: the node clients of this instance's backends, kept in line with the discovery store (spec §9.1, §9.2). */
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet.h"
#include "core/log.h"

struct swgr_fleet_node {
	int		 refs;		/* atomic */
	struct swgr_pubkey pk;
	char		 name[SWGR_PUBKEY_STRLEN + 1];
	char		*impl;		/* the implementation JSON it was made from */
	struct swgr_ln_opts opts;
	struct swgr_ln_client *c;	/* NULL: could not be made */
	char		*error;		/* why not (the cause, without the backend's name), or NULL */
	struct swgr_gate gate;		/* invoice calls out (swgr_fleet_node_gate) */
};

struct swgr_fleet {
	struct swgr_store *store;
	char *const	*partitions;
	size_t		 npartitions;
	struct swgr_ln_opts opts;
	const char	*target;
	bool		 listed;	/* etag is from a list that was applied */
	uint64_t	 etag;
	struct swgr_fleet_member *v;
	size_t		 n;
};

bool
swgr_fleet_partition_in(char *const *v, size_t n, const char *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], p) == 0)
			return true;
	return false;
}

bool
swgr_fleet_partitions_meet(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	for (i = 0; i < na; i++)
		if (swgr_fleet_partition_in(b, nb, a[i]))
			return true;
	return false;
}

/* ---- nodes ---- */

struct swgr_fleet_node *
swgr_fleet_node_ref(struct swgr_fleet_node *n)
{
	__atomic_add_fetch(&n->refs, 1, __ATOMIC_ACQ_REL);
	return n;
}

void
swgr_fleet_node_put(struct swgr_fleet_node *n)
{
	if (n == NULL || __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	swgr_ln_client_free(n->c);
	swgr_gate_destroy(&n->gate);
	free(n->impl);
	free(n->error);
	free(n);
}

struct swgr_ln_client *
swgr_fleet_node_client(const struct swgr_fleet_node *n)
{
	return n->c;
}

const char *
swgr_fleet_node_error(const struct swgr_fleet_node *n)
{
	return n->c != NULL ? NULL : n->error != NULL ? n->error : "no client (out of memory)";
}

struct swgr_gate *
swgr_fleet_node_gate(struct swgr_fleet_node *n)
{
	return &n->gate;
}

const char *
swgr_fleet_node_name(const struct swgr_fleet_node *n)
{
	return n->name;
}

/*
 * A node for (pk, impl) with no client yet; NULL if out of memory.
 */
static struct swgr_fleet_node *
node_alloc(const struct swgr_pubkey *pk, const char *impl, const struct swgr_ln_opts *opts)
{
	struct swgr_fleet_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL || (n->impl = strdup(impl)) == NULL) {
		free(n);
		return NULL;
	}
	n->refs = 1;
	swgr_gate_init(&n->gate);
	n->pk = *pk;
	swgr_pubkey_format(pk, n->name);
	n->opts = *opts;
	return n;
}

enum swgr_rc
swgr_fleet_node_redial(const struct swgr_fleet_node *n, struct swgr_fleet_node **out,
    struct swgr_err *err)
{
	struct swgr_fleet_node *r;
	enum swgr_rc rc;

	*out = NULL;
	if ((r = node_alloc(&n->pk, n->impl, &n->opts)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "backend %s: out of memory", n->name);
	if ((rc = swgr_ln_client_new(r->name, r->impl, &r->opts, &r->c, err)) != SWGR_OK) {
		swgr_fleet_node_put(r);
		return rc;
	}
	*out = r;
	return SWGR_OK;
}

/*
 * The cause in a client's error: its message names the backend
 * ("backend <key>: <cause>", ln.h); the name is not repeated in our line.
 */
static const char *
cause(const struct swgr_fleet_node *n, const char *msg)
{
	size_t k = strlen(n->name);

	if (strncmp(msg, "backend ", 8) == 0 && strncmp(msg + 8, n->name, k) == 0 &&
	    strncmp(msg + 8 + k, ": ", 2) == 0)
		return msg + 8 + k + 2;
	return msg;
}

/* A new node for b with its client made now (or NULL, logged); NULL if out of memory. */
static struct swgr_fleet_node *
node_new(const struct swgr_fleet *f, const struct swgr_backend *b)
{
	struct swgr_err err = { 0 };
	struct swgr_fleet_node *n;

	if ((n = node_alloc(&b->pk, b->implementation, &f->opts)) == NULL)
		return NULL;
	if (swgr_ln_client_new(n->name, n->impl, &n->opts, &n->c, &err) != SWGR_OK) {
		n->c = NULL;
		n->error = strdup(cause(n, err.msg[0] != '\0' ? err.msg : swgr_rc_name(err.rc)));
		swgr_log(SWGR_LOG_ERROR, f->target, "Failed to connect to backend %s: %s", n->name,
		    cause(n, err.msg[0] != '\0' ? err.msg : swgr_rc_name(err.rc)));
	}
	return n;
}

/* The node of b: the current list's, if b's definition is unchanged and its client was made. */
static struct swgr_fleet_node *
node_for(const struct swgr_fleet *f, const struct swgr_backend *b)
{
	struct swgr_fleet_node *n;
	size_t i;

	for (i = 0; i < f->n; i++) {
		n = f->v[i].node;
		if (memcmp(n->pk.b, b->pk.b, sizeof(b->pk.b)) != 0)
			continue;
		if (n->c != NULL && (strcmp(n->impl, b->implementation) == 0 ||
		    swgr_ln_impl_equal(n->impl, b->implementation)))
			return swgr_fleet_node_ref(n);
		break;
	}
	return node_new(f, b);
}

/* ---- the fleet ---- */

enum swgr_rc
swgr_fleet_new(struct swgr_store *store, char *const *partitions, size_t npartitions,
    const struct swgr_ln_opts *opts, const char *target, struct swgr_fleet **out,
    struct swgr_err *err)
{
	struct swgr_fleet *f;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	f->store = store;
	f->partitions = partitions;
	f->npartitions = npartitions;
	if (opts != NULL)
		f->opts = *opts;
	f->target = target;
	*out = f;
	return SWGR_OK;
}

static void
members_free(struct swgr_fleet_member *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		swgr_backend_free(&v[i].b);
		swgr_fleet_node_put(v[i].node);
	}
	free(v);
}

void
swgr_fleet_free(struct swgr_fleet *f)
{
	if (f == NULL)
		return;
	members_free(f->v, f->n);
	free(f);
}

void
swgr_fleet_invalidate(struct swgr_fleet *f)
{
	f->listed = false;
}

const struct swgr_fleet_member *
swgr_fleet_members(const struct swgr_fleet *f, size_t *n)
{
	*n = f->n;
	return f->v;
}

enum swgr_rc
swgr_fleet_reload(struct swgr_fleet *f, bool *changed, struct swgr_err *err)
{
	struct swgr_fleet_member *v = NULL;
	struct swgr_backend *b = NULL;
	enum swgr_rc rc;
	uint64_t etag;
	size_t nb = 0, nv = 0, i;

	*changed = false;
	if ((rc = swgr_store_backend_etag(f->store, &etag, err)) != SWGR_OK)
		return rc;
	if (f->listed && etag == f->etag)
		return SWGR_OK;
	if ((rc = swgr_store_backend_list(f->store, &etag, &b, &nb, err)) != SWGR_OK)
		return rc;
	if (nb > 0 && (v = calloc(nb, sizeof(*v))) == NULL) {
		swgr_backends_free(b, nb);
		return swgr_err_set(err, SWGR_ENOMEM, "reloading backends: out of memory");
	}
	for (i = 0; i < nb; i++) {
		if (!swgr_fleet_partitions_meet(b[i].partitions, b[i].npartitions, f->partitions,
		    f->npartitions))
			continue;
		if ((v[nv].node = node_for(f, &b[i])) == NULL) {
			members_free(v, nv);
			swgr_backends_free(b, nb);
			return swgr_err_set(err, SWGR_ENOMEM, "reloading backends: out of memory");
		}
		v[nv].b = b[i];
		memset(&b[i], 0, sizeof(b[i]));
		nv++;
	}
	swgr_backends_free(b, nb);
	members_free(f->v, f->n);
	f->v = v;
	f->n = nv;
	f->etag = etag;
	f->listed = true;
	*changed = true;
	return SWGR_OK;
}
