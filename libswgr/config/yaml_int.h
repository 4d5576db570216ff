/*
 * Private to config/: the strict reader of typed values out of one YAML
 * document (scalars of YAML 1.2's core schema, mappings, lists), each error
 * naming the file, the line and the dotted key.
 */
#ifndef SWGR_CONFIG_YAML_INT_H
#define SWGR_CONFIG_YAML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "core/err.h"

/* One configuration file being read. */
struct swgr_yaml_doc {
	const char	*path;
	yaml_document_t	*doc;
	struct swgr_err	*err;
	char		*used;		/* per node: a key node that swgr_yaml_find found */
};

/* A mapping of the file, with the dotted key and line that name it. */
struct swgr_yaml_map {
	const struct swgr_yaml_doc *c;
	yaml_node_t	*node;		/* NULL: absent */
	char		 name[128];
	int		 line;
};

/*
 * Parses text, the contents of the file at path, as one YAML document and
 * hands its top-level mapping to read(root, arg); an empty document is not
 * handed over (every section absent).  Refuses a syntax error, a top level
 * that is not a mapping, a duplicate key in any mapping (naming the dotted
 * path and the line of the second one) and a second document.  Returns what
 * read returns, or the error.  After a read that succeeded, *unknown (when
 * unknown is not NULL) is the first key read never looked for, as
 * "parsing YAML configuration from file '<path>': line L: <dotted key>:
 * unknown key" (malloc'd), or NULL when there is none.
 */
enum swgr_rc	 swgr_yaml_parse(const char *path, const char *text,
		    enum swgr_rc (*read)(const struct swgr_yaml_map *root, void *arg), void *arg,
		    char **unknown, struct swgr_err *err);

/* Fails with "...: line L: <map>.<key>: <message>" (just <key> at the top level). */
enum swgr_rc	 swgr_yaml_fail(const struct swgr_yaml_map *m, const char *key, int line,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The 1-based line where node n starts. */
int		 swgr_yaml_line(const yaml_node_t *n);
/* The value of key in m, or NULL when m is absent or lacks it; *kline (if given) is the key's line. */
yaml_node_t	*swgr_yaml_find(const struct swgr_yaml_map *m, const char *key, int *kline);
/* The line of key in m (of m itself if absent): where a whole-value error points. */
int		 swgr_yaml_key_line(const struct swgr_yaml_map *m, const char *key);

/*
 * The readers of one key of m.  req: an absent key is an error naming it,
 * and a null one fails with "expected <what>"; otherwise an absent or null
 * key leaves the output alone (and *has, where given, false).
 */
/* Key's non-null value (*out; NULL when absent or null). */
enum swgr_rc	 swgr_yaml_value(const struct swgr_yaml_map *m, const char *key, bool req,
		    const char *what, yaml_node_t **out);
/* Like swgr_yaml_value for a scalar: *s is its text, NULL when absent; *node (if given) its node. */
enum swgr_rc	 swgr_yaml_scalar(const struct swgr_yaml_map *m, const char *key, bool req,
		    const char *what, const char **s, yaml_node_t **node);
/* A string value (any scalar but null); *out is malloc'd (an old *out freed), NULL when absent. */
enum swgr_rc	 swgr_yaml_str(const struct swgr_yaml_map *m, const char *key, bool req, char **out);
/* An unsigned integer no larger than max, written as a plain (unquoted) YAML integer. */
enum swgr_rc	 swgr_yaml_uint(const struct swgr_yaml_map *m, const char *key, bool req,
		    uint64_t max, uint64_t *out, bool *has);
enum swgr_rc	 swgr_yaml_u32(const struct swgr_yaml_map *m, const char *key, bool req,
		    uint32_t *out, bool *has);
/* A required unsigned integer of 0 to 255. */
enum swgr_rc	 swgr_yaml_u8(const struct swgr_yaml_map *m, const char *key, uint8_t *out);
/* A plain YAML number (integers accepted); nonneg refuses negatives, as durations must. */
enum swgr_rc	 swgr_yaml_float(const struct swgr_yaml_map *m, const char *key, bool req,
		    bool nonneg, double *out, bool *has);
/* A required true or false. */
enum swgr_rc	 swgr_yaml_bool(const struct swgr_yaml_map *m, const char *key, bool *out);
/*
 * A required list of strings; duplicates are dropped (the original keeps a
 * set).  *out (NULL-terminated, *nout entries) is the caller's to free with
 * swgr_strv_free, also after an error.
 */
enum swgr_rc	 swgr_yaml_strlist(const struct swgr_yaml_map *m, const char *key, char ***out,
		    size_t *nout);
/* The mapping under key (sub->node NULL when absent or null and not req). */
enum swgr_rc	 swgr_yaml_mapping(const struct swgr_yaml_map *m, const char *key, bool req,
		    struct swgr_yaml_map *sub);
/* A required "IPv4:port" or "[IPv6]:port", as Rust's SocketAddr parses (no host names). */
enum swgr_rc	 swgr_yaml_addr(const struct swgr_yaml_map *m, const char *key, char **out);

#endif
