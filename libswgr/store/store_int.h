/* Private to the store: the interface between store.c and the store kinds (SQL in sql*.c, HTTP in http.c). */
#ifndef SWGR_STORE_INT_H
#define SWGR_STORE_INT_H

#include "store/store.h"

/*
 * One operations table per store: discovery (spec §4, §11.1) and offers
 * (§5) with the Lightning Addresses that pay them.  impl is the kind's own state.  The contract of each operation is
 * that of the public function of the same name in store.h; a write is the
 * post (put false, created NULL) or the put of the record.
 */
struct st_discovery_ops {
	enum swgr_rc	(*etag)(void *impl, uint64_t *etag, struct swgr_err *err);
	enum swgr_rc	(*list)(void *impl, uint64_t *etag, struct swgr_backend **out, size_t *n,
			    struct swgr_err *err);
	enum swgr_rc	(*get)(void *impl, const struct swgr_pubkey *pk, struct swgr_backend *out,
			    struct swgr_err *err);
	enum swgr_rc	(*write)(void *impl, const struct swgr_backend *b, bool put, bool *created,
			    struct swgr_err *err);
	enum swgr_rc	(*patch)(void *impl, const struct swgr_pubkey *pk,
			    const struct swgr_backend_patch *p, struct swgr_err *err);
	enum swgr_rc	(*del)(void *impl, const struct swgr_pubkey *pk, struct swgr_err *err);
};

struct st_offer_ops {
	enum swgr_rc	(*offer_get)(void *impl, const char *partition, const struct swgr_uuid *id,
			    bool with_metadata, struct swgr_offer *out, struct swgr_err *err);
	enum swgr_rc	(*offer_page)(void *impl, const char *partition, uint64_t start,
			    uint64_t count, struct swgr_offer **out, size_t *n, struct swgr_err *err);
	enum swgr_rc	(*offer_write)(void *impl, const struct swgr_offer *o, bool put, bool *created,
			    struct swgr_err *err);
	enum swgr_rc	(*offer_delete)(void *impl, const char *partition,
			    const struct swgr_uuid *id, struct swgr_err *err);
	enum swgr_rc	(*metadata_get)(void *impl, const char *partition,
			    const struct swgr_uuid *id, struct swgr_metadata *out, struct swgr_err *err);
	enum swgr_rc	(*metadata_page)(void *impl, const char *partition, uint64_t start,
			    uint64_t count, struct swgr_metadata **out, size_t *n, struct swgr_err *err);
	enum swgr_rc	(*metadata_write)(void *impl, const struct swgr_metadata *m, bool put,
			    bool *created, struct swgr_err *err);
	enum swgr_rc	(*metadata_delete)(void *impl, const char *partition,
			    const struct swgr_uuid *id, struct swgr_err *err);
	enum swgr_rc	(*address_get)(void *impl, const char *domain, const char *username,
			    struct swgr_address *out, struct swgr_err *err);
	enum swgr_rc	(*address_page)(void *impl, const char *domain, uint64_t start,
			    uint64_t count, struct swgr_address **out, size_t *n, struct swgr_err *err);
	enum swgr_rc	(*address_write)(void *impl, const struct swgr_address *a, bool put,
			    bool *created, struct swgr_err *err);
	enum swgr_rc	(*address_delete)(void *impl, const char *domain, const char *username,
			    struct swgr_err *err);
};

/* The model's frees of n records and their array, as the array readers take them. */
void		 st_free_backends(void *v, size_t n);
void		 st_free_offers(void *v, size_t n);
void		 st_free_metadatas(void *v, size_t n);
void		 st_free_addresses(void *v, size_t n);

struct sql_store;

/*
 * An open store: its kind's two tables over impl, and where node status
 * lives (always a SQL store: impl itself for a SQL store holding status,
 * or a store of its own, own_status, closed with this one).
 */
struct swgr_store {
	const char	*kind;		/* "sql" or "http", for messages */
	const struct st_discovery_ops *discovery;
	const struct st_offer_ops *offer;
	void		*impl;
	void		(*close)(void *impl);
	struct sql_store *status;	/* NULL: this store holds no node status */
	struct sql_store *own_status;
};

/*
 * The HTTP store of cfg (type http): reads the authorization file and the
 * trusted roots now, contacts nobody until the first call.  which names the
 * store in messages ("discover", "offer").  Close with st_http_close.
 */
enum swgr_rc	 st_http_open(const struct swgr_store_cfg *cfg, const char *which, void **out,
		    struct swgr_err *err);
void		 st_http_close(void *impl);
extern const struct st_discovery_ops st_http_discovery;
extern const struct st_offer_ops st_http_offer;

/*
 * The SQL store holding st's node status, or an error naming why there is
 * none: SWGR_NOTFOUND with *out set when its tables are missing (a process
 * that does not make them, before swgr-monitord has run).
 */
enum swgr_rc	 st_status_of(struct swgr_store *st, struct sql_store **out, struct swgr_err *err);

#endif
