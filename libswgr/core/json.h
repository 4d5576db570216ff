/*
 * JSON text: a writer byte-compatible with serde_json (core/json.c), and the
 * strict reader in front of json-c (core/json_parse.c).
 */
#ifndef SWGR_JSON_H
#define SWGR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct json_object;

/* serde_json refuses input nested this deep (arrays and objects). */
#define SWGR_JSON_DEPTH_MAX	128

/*
 * A writer appends one JSON value to a buffer, compact or in serde_json's
 * PrettyFormatter style (2-space indent, "key": value, empty [] and {}).
 * Callers emit a well-formed sequence: swgr_jw_key before every value inside
 * an object, nothing else.  Errors surface as the buffer's oom flag.
 */
struct swgr_jw {
	struct swgr_buf	*b;
	bool		 pretty;
	bool		 after_key;	/* a key was written, its value is next */
	int		 depth;
	bool		 has[SWGR_JSON_DEPTH_MAX + 8];	/* per level: a member written */
};

void	 swgr_jw_init(struct swgr_jw *jw, struct swgr_buf *b, bool pretty);
void	 swgr_jw_obj_open(struct swgr_jw *jw);
void	 swgr_jw_obj_close(struct swgr_jw *jw);
void	 swgr_jw_arr_open(struct swgr_jw *jw);
void	 swgr_jw_arr_close(struct swgr_jw *jw);
void	 swgr_jw_key(struct swgr_jw *jw, const char *key);
void	 swgr_jw_str(struct swgr_jw *jw, const char *s);
void	 swgr_jw_strn(struct swgr_jw *jw, const char *s, size_t len);
void	 swgr_jw_u64(struct swgr_jw *jw, uint64_t v);
void	 swgr_jw_i64(struct swgr_jw *jw, int64_t v);
/* Finite doubles as serde_json (ryu) writes them: 1.0, 0.25, 1e20, 1.5e-7. */
void	 swgr_jw_double(struct swgr_jw *jw, double v);
void	 swgr_jw_bool(struct swgr_jw *jw, bool v);
void	 swgr_jw_null(struct swgr_jw *jw);
/*
 * A json-c value; sorted: object keys in byte order at every level (else
 * in their stored order).
 */
void	 swgr_jw_value(struct swgr_jw *jw, struct json_object *v, bool sorted);
/*
 * A value already serialised as JSON text: copied as-is in compact mode,
 * re-indented in pretty mode (as-is if it does not parse).
 */
void	 swgr_jw_raw(struct swgr_jw *jw, const char *json, size_t len);

/*
 * Appends s escaped as serde_json does, without the surrounding quotes:
 * \" \\ \b \t \n \f \r, other U+0000-U+001F as \u00xx, everything else raw.
 */
void	 swgr_json_escape(struct swgr_buf *b, const char *s, size_t len);
/* The same, with the quotes: a complete JSON string. */
void	 swgr_json_string(struct swgr_buf *b, const char *s, size_t len);

/*
 * Rewriting JSON text (it is read by swgr_json_parse, so its errors are
 * those): canonical is compact with object keys sorted at every level, into
 * a malloc'd *out the caller frees; pretty re-indents in serde_json's pretty
 * style, appended to out.
 */
enum swgr_rc	 swgr_json_canonical(const char *text, size_t len, char **out, struct swgr_err *err);
enum swgr_rc	 swgr_json_pretty(const char *text, size_t len, struct swgr_buf *out,
		    struct swgr_err *err);

/*
 * Parses text (need not be NUL-terminated) with serde_json's strictness:
 * valid UTF-8, RFC 8259 grammar, only space/tab/LF/CR as whitespace, no
 * control characters or lone surrogates in strings, depth below
 * SWGR_JSON_DEPTH_MAX, finite numbers, nothing but whitespace after the
 * value.  Integers beyond the 64-bit ranges and "-0" become doubles, as in
 * serde_json.  Returns SWGR_OK with *out to be released by json_object_put
 * (NULL for the JSON null), SWGR_ESYNTAX, SWGR_ESHAPE for an object key
 * containing U+0000 (json-c cannot hold it), or SWGR_ENOMEM.
 */
enum swgr_rc	 swgr_json_parse(const char *text, size_t len, struct json_object **out,
		    struct swgr_err *err);

#endif
