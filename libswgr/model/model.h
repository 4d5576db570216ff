/* The records of the API: backends, offers, offer metadata, Lightning Addresses; their JSON forms (spec §7). */
#ifndef SWGR_MODEL_H
#define SWGR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/uuid.h"
#include "core/pubkey.h"
#include "core/time.h"

#define SWGR_WEIGHT_MAX	2147483647	/* DB column is signed 32-bit (spec §16.2) */
#define SWGR_MSAT_MAX	UINT64_C(2100000000000000000)	/* 21 million BTC in msat */

/* A Lightning node of the fleet.  All strings malloc'd; free with swgr_backend_free. */
struct swgr_backend {
	struct swgr_pubkey pk;
	char		*name;		/* NULL when absent */
	char	       **partitions;	/* sorted ascending (byte order), unique */
	size_t		 npartitions;
	int64_t		 weight;	/* 0 .. SWGR_WEIGHT_MAX */
	bool		 enabled;
	char		*implementation; /* compact JSON, object keys sorted at every level */
	struct swgr_time created_at;	/* store bookkeeping, not in JSON */
	struct swgr_time updated_at;
};

/* PATCH body: only the fields flagged present are applied. */
struct swgr_backend_patch {
	char		*name;		/* NULL = unchanged */
	bool		 has_partitions;
	char	       **partitions;
	size_t		 npartitions;
	bool		 has_weight;
	int64_t		 weight;
	bool		 has_enabled;
	bool		 enabled;
};

enum swgr_image_kind { SWGR_IMAGE_NONE, SWGR_IMAGE_PNG, SWGR_IMAGE_JPEG };
enum swgr_ident_kind { SWGR_IDENT_NONE, SWGR_IDENT_EMAIL, SWGR_IDENT_TEXT };

/* Ours: the LUD-09 successAction a wallet shows once the invoice is paid. */
enum swgr_sa_kind { SWGR_SA_NONE, SWGR_SA_MESSAGE, SWGR_SA_URL };
#define SWGR_SA_TEXT_MAX	144	/* characters of a message or description (LUD-09) */
#define SWGR_SA_URL_MAX		1024	/* bytes of a url */

/* Ours: the LUD-18 payer identities a pay request asks for, as bits. */
#define SWGR_PAYER_NAME		0x1u
#define SWGR_PAYER_PUBKEY	0x2u
#define SWGR_PAYER_IDENTIFIER	0x4u
#define SWGR_PAYER_EMAIL	0x8u
#define SWGR_PAYER_KINDS	4

struct swgr_metadata {
	struct swgr_uuid id;
	char		*partition;
	char		*text;
	char		*long_text;	/* NULL when absent */
	enum swgr_image_kind image_kind;
	uint8_t		*image;		/* decoded bytes */
	size_t		 image_len;
	enum swgr_ident_kind ident_kind;
	char		*identifier;	/* as given */
	/* Ours, in the JSON after identifier when present (LUD-09, LUD-18). */
	enum swgr_sa_kind sa_kind;
	char		*sa_text;	/* the message, or the url's description */
	char		*sa_url;	/* SWGR_SA_URL: http(s), no user info */
	unsigned	 payer_asked;	/* SWGR_PAYER_*; 0: no payerData */
	unsigned	 payer_mandatory;	/* of payer_asked */
	struct swgr_time created_at;
	struct swgr_time updated_at;
};

struct swgr_offer {
	char		*partition;
	struct swgr_uuid id;
	uint64_t	 max_sendable;
	uint64_t	 min_sendable;
	struct swgr_uuid metadata_id;
	struct swgr_metadata *metadata;	/* embedded only for GET ?sparse=false */
	struct swgr_time timestamp;
	bool		 has_expires;
	struct swgr_time expires;
	struct swgr_time created_at;
	struct swgr_time updated_at;
};

/*
 * A Lightning Address (LUD-16): username@domain pays the offer of the
 * partition.  Identity is (domain, username), both in their canonical
 * lowercase form (core/lnaddr.h).
 */
struct swgr_address {
	char		*domain;
	char		*username;
	char		*partition;
	struct swgr_uuid offer;		/* must exist in the partition */
	bool		 enabled;	/* true when the JSON has none */
	struct swgr_time created_at;
	struct swgr_time updated_at;
};

/*
 * Ours: the record of an invoice swgr-lnurl handed out.  Times in
 * milliseconds since the epoch.  Strings malloc'd (swgr_invoice_free);
 * domain and username NULL for an offer's own callback.
 */
struct swgr_invoice {
	uint8_t		 payment_hash[32];
	char		*bolt11;
	char		*partition;
	struct swgr_uuid offer;
	char		*domain;	/* the Lightning Address, or NULL */
	char		*username;
	struct swgr_pubkey backend;	/* the node that issued it */
	uint64_t	 amount_msat;
	char		*comment;	/* LUD-12, as given; NULL: none */
	char		*payer_data;	/* LUD-18, as committed; NULL: none */
	int64_t		 created_ms;
	int64_t		 expires_ms;
};

void	 swgr_invoice_free(struct swgr_invoice *v);
void	 swgr_invoices_free(struct swgr_invoice *v, size_t n);	/* frees members and v */
/*
 * {"paymentHash","bolt11","partition","offer",["address",]"backend","amountMsat",
 * ["comment",]["payerData",]"createdAt","expiresAt"}: the optional members only when
 * set, the times RFC 3339 with milliseconds.
 */
void	 swgr_invoice_to_json(struct swgr_buf *b, const struct swgr_invoice *v, bool pretty);
void	 swgr_invoices_to_json(struct swgr_buf *b, const struct swgr_invoice *v, size_t n,
	    bool pretty);

/*
 * The successAction object of m (nothing when it has none) and the
 * payerData object of asked/mandatory (nothing when asked is 0), compact,
 * the members in a fixed order, appended to b.
 */
void	 swgr_success_action_json(struct swgr_buf *b, const struct swgr_metadata *m);
void	 swgr_payer_data_json(struct swgr_buf *b, unsigned asked, unsigned mandatory);
/* The name of the payer identity bit (SWGR_PAYER_NAME: "name"), i from 0. */
const char *swgr_payer_kind_name(unsigned i);
/* The host[:port] of a successAction url (after "://", before '/', '?' or '#'), its length. */
size_t	 swgr_sa_url_host(const char *url, const char **host);

void	 swgr_backend_free(struct swgr_backend *b);	/* frees members, not b */
void	 swgr_backend_patch_free(struct swgr_backend_patch *p);
void	 swgr_metadata_free(struct swgr_metadata *m);
void	 swgr_offer_free(struct swgr_offer *o);
void	 swgr_backends_free(struct swgr_backend *v, size_t n);	/* frees members and v */
void	 swgr_metadatas_free(struct swgr_metadata *v, size_t n);
void	 swgr_offers_free(struct swgr_offer *v, size_t n);
void	 swgr_address_free(struct swgr_address *a);
void	 swgr_addresses_free(struct swgr_address *v, size_t n);
/*
 * The amounts of an offer an admin service takes: 1 <= minSendable <=
 * maxSendable <= SWGR_MSAT_MAX.  SWGR_ESHAPE (422) with a message naming
 * the field otherwise.  Not applied to offers read back from a store.
 */
enum swgr_rc swgr_offer_check(const struct swgr_offer *o, struct swgr_err *err);
/* Sorts and de-duplicates a partition list in place. */
void	 swgr_partitions_normalise(char **v, size_t *n);

/*
 * Which JSON shape to read.  FULL carries the identity fields (publicKey for
 * backends, partition and id for offers and metadata, domain and username
 * for addresses); SPARSE does not (PUT
 * bodies), and identity fields present in a SPARSE body are ignored.
 */
enum swgr_shape { SWGR_SHAPE_FULL, SWGR_SHAPE_SPARSE };

/*
 * Parsers: text is the request body (need not be NUL-terminated).
 * Return SWGR_OK; SWGR_ESYNTAX for malformed JSON (400); SWGR_ESHAPE for a
 * missing field, wrong type or invalid value (422), with a message naming
 * the field.  Unknown fields are ignored.  On success the caller owns *out.
 */
enum swgr_rc swgr_backend_from_json(const char *text, size_t len, enum swgr_shape shape,
	    struct swgr_backend *out, struct swgr_err *err);
enum swgr_rc swgr_backend_patch_from_json(const char *text, size_t len,
	    struct swgr_backend_patch *out, struct swgr_err *err);
enum swgr_rc swgr_offer_from_json(const char *text, size_t len, enum swgr_shape shape,
	    struct swgr_offer *out, struct swgr_err *err);
enum swgr_rc swgr_metadata_from_json(const char *text, size_t len, enum swgr_shape shape,
	    struct swgr_metadata *out, struct swgr_err *err);
/*
 * An address: domain and username must follow core/lnaddr.h and are
 * stored lowercase; 422 naming the field otherwise.
 */
enum swgr_rc swgr_address_from_json(const char *text, size_t len, enum swgr_shape shape,
	    struct swgr_address *out, struct swgr_err *err);
/* The stored metadata column (OfferMetadataSparse JSON) into the sparse fields of out. */
enum swgr_rc swgr_metadata_sparse_from_json(const char *text, size_t len,
	    struct swgr_metadata *out, struct swgr_err *err);

/*
 * Writers append the JSON form to b, in the field order of spec §7.
 * pretty: serde_json's pretty style (2-space indent, ": "), for the CLI.
 */
void	 swgr_backend_to_json(struct swgr_buf *b, const struct swgr_backend *v, bool pretty);
void	 swgr_backends_to_json(struct swgr_buf *b, const struct swgr_backend *v, size_t n, bool pretty);
void	 swgr_offer_to_json(struct swgr_buf *b, const struct swgr_offer *v, bool pretty);
void	 swgr_offers_to_json(struct swgr_buf *b, const struct swgr_offer *v, size_t n, bool pretty);
void	 swgr_metadata_to_json(struct swgr_buf *b, const struct swgr_metadata *v, bool pretty);
void	 swgr_metadatas_to_json(struct swgr_buf *b, const struct swgr_metadata *v, size_t n, bool pretty);
void	 swgr_address_to_json(struct swgr_buf *b, const struct swgr_address *v, bool pretty);
void	 swgr_addresses_to_json(struct swgr_buf *b, const struct swgr_address *v, size_t n,
	    bool pretty);
/* The OfferMetadataSparse JSON (no id/partition): the stored metadata column. */
void	 swgr_metadata_sparse_to_json(struct swgr_buf *b, const struct swgr_metadata *v);

#endif
