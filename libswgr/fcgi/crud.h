/* The admin services' CRUD handlers: POST, GET, PUT, PATCH, DELETE and pages of records, one implementation over a descriptor per record kind (crud.c). */
#ifndef SWGR_CRUD_H
#define SWGR_CRUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/lnaddr.h"
#include "core/pubkey.h"
#include "core/uuid.h"
#include "fcgi/responder.h"
#include "model/model.h"
#include "store/store.h"

/* The record types of model/model.h that the handlers parse, write and free. */
enum swgr_crud_type {
	SWGR_CRUD_BACKEND,
	SWGR_CRUD_BACKEND_PATCH,	/* a PATCH body: parsed and freed, never written */
	SWGR_CRUD_OFFER,
	SWGR_CRUD_METADATA,
	SWGR_CRUD_ADDRESS,
};

/* One record as a handler holds it; a kind's ops use the member of its type. */
union swgr_crud_rec {
	struct swgr_backend backend;
	struct swgr_backend_patch patch;
	struct swgr_offer offer;
	struct swgr_metadata metadata;
	struct swgr_address address;
};

/* A page of records as a kind's page op returns it (freed by the handler). */
union swgr_crud_page {
	struct swgr_offer *offers;
	struct swgr_metadata *metadata;
	struct swgr_address *addresses;
};

/* What the request names: the record's key (the kind's key op fills it), a GET's option. */
struct swgr_crud_key {
	struct swgr_pubkey pk;		/* /discovery/{publicKey} */
	const char	*partition;	/* /offers|metadata/{partition}/{id}: c->req->seg[1] */
	struct swgr_uuid id;
	bool		 with_metadata;	/* GET of an offer: ?sparse=false */
	/* /addresses/{domain}[/{username}], canonical (core/lnaddr.h) */
	char		 domain[SWGR_LNADDR_DOMAIN_MAX + 1];
	char		 username[SWGR_LNADDR_USER_MAX + 1];
};

/*
 * A record kind of an admin service: the type of its records, how its path
 * key is read, how its store is called.  A route names it as its arg
 * (struct swgr_route) and one of the handlers below as its fn; ops that the
 * kind's routes do not reach may be NULL.  Ops with an err set it as the
 * store does; the handler answers (swgr_ctx_store_fail).
 */
struct swgr_crud {
	enum swgr_crud_type type;
	/* The key of the path into *k; false with the answer made (400, 404). */
	bool		(*key)(struct swgr_ctx *c, struct swgr_crud_key *k);
	/*
	 * PUT, PATCH: the body is read and parsed before the key (as the
	 * original discovery's extractors do), else the key is read first.
	 */
	bool		 body_first;
	/* GET of one record: its query, read before the key (NULL: none); false with the answer made. */
	bool		(*query)(struct swgr_ctx *c, struct swgr_crud_key *k);
	enum swgr_rc	(*get)(struct swgr_store *st, const struct swgr_crud_key *k,
			    union swgr_crud_rec *out, struct swgr_err *err);
	enum swgr_rc	(*post)(struct swgr_store *st, const union swgr_crud_rec *r,
			    struct swgr_err *err);
	/* POST: the Location of r (with 201, and with 409), appended to b. */
	void		(*location)(const union swgr_crud_rec *r, struct swgr_buf *b);
	/* PUT: the path's key into the parsed body r (NULL: none); false when out of memory (500). */
	bool		(*set_key)(union swgr_crud_rec *r, const struct swgr_crud_key *k);
	/* PUT: create (*created) or replace; PATCH: apply, *created left false. */
	enum swgr_rc	(*put)(struct swgr_store *st, const struct swgr_crud_key *k,
			    const union swgr_crud_rec *r, bool *created, struct swgr_err *err);
	enum swgr_rc	(*del)(struct swgr_store *st, const struct swgr_crud_key *k,
			    struct swgr_err *err);
	/*
	 * GET of a page: what the path /<kind>/{...} names, into *k (NULL:
	 * k->partition is c->req->seg[1]); false with the answer made.
	 */
	bool		(*page_key)(struct swgr_ctx *c, struct swgr_crud_key *k);
	enum swgr_rc	(*page)(struct swgr_store *st, const struct swgr_crud_key *k,
			    uint64_t start, uint64_t count, union swgr_crud_page *out, size_t *n,
			    struct swgr_err *err);
	/*
	 * POST, PUT: what the kind checks of a parsed record beyond its shape,
	 * before the store is called (NULL: nothing).  SWGR_ESHAPE (422) or
	 * another code with err set; the handler answers.
	 */
	enum swgr_rc	(*check)(struct swgr_ctx *c, const union swgr_crud_rec *r,
			    struct swgr_err *err);
};

/*
 * The handlers; c->arg is the route's struct swgr_crud.  Bodies are read by
 * swgr_ctx_body (415, 413, 400) and parsed (400, 422) before the store is
 * called; store failures go through swgr_ctx_store_fail (404, 409, 5xx).
 */
/* POST: the body in the full shape; 201 with Location, or 409 with the same Location. */
void		 swgr_crud_post(struct swgr_ctx *c);
/* GET of one record: 200 NOCACHE JSON, or 404. */
void		 swgr_crud_get(struct swgr_ctx *c);
/* PUT (the body in the sparse shape): 201 created, 204 replaced; PATCH with a patch kind: 204. */
void		 swgr_crud_put(struct swgr_ctx *c);
/* DELETE: 204, or 404. */
void		 swgr_crud_delete(struct swgr_ctx *c);
/*
 * GET of a page of what the path names (the kind's page_key; else the
 * partition c->req->seg[1]): ?start= (default 0) and
 * ?count= (default and at most the section's max-page-size, else 400);
 * 200 NOCACHE JSON.
 */
void		 swgr_crud_page(struct swgr_ctx *c);
/* ?start=&count= of a page: defaults 0 and max-page-size; count over it 400 (answered, false). */
bool		 swgr_crud_page_query(struct swgr_ctx *c, uint64_t *start, uint64_t *count);

#endif
