/* JSON <-> resource structs, driven by the field tables of model/. Decoding checks
 * everything a client can get wrong (unknown or read-only fields, types, lengths,
 * enums, validators, required fields) and names the field in the error. */
#ifndef KZ_CODEC_JSON_FIELDS_H
#define KZ_CODEC_JSON_FIELDS_H

#include "codec/json/json_write.h"
#include "model/field.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"

#include <jansson.h>
#include <stdbool.h>

/* Makes jansson allocate through util/alloc.c (json_set_alloc_funcs), so that the tests'
 * allocation faults bite inside it too. Idempotent and thread-safe; call it before other
 * threads use jansson (main does, and so does opening or creating a node). Blocks jansson
 * allocated before the first call are plain malloc blocks, which kz_free frees too. */
void kz_json_init(void);

typedef enum kz_decode_mode {
    KZ_DECODE_CREATE,  /* required fields enforced, null means absent */
    KZ_DECODE_UPDATE,  /* PATCH: only given fields change, null clears, immutable refused */
    KZ_DECODE_REPLICA, /* a whole object as another node stored it: as CREATE, and the
                          fields its server set (id, times, derived) are taken too */
} kz_decode_mode;

/* Decodes obj into out (a struct described by s). Strings are copied into a; out keeps
 * its previous values for fields not given, so an update decodes over the stored
 * object. *given (may be NULL) receives the fields present in obj.
 * KZ_EINVAL with err->field set on any violation; out may then be partly written. */
kz_rc kz_json_decode(const json_t *obj, const kz_schema *s, void *out, kz_decode_mode mode,
                     kz_arena *a, kz_fieldset *given, kz_err *err);

/* A new JSON object with every field of obj except write-only ones; unset strings and
 * times are null. Returns a new reference (caller json_decref's it), NULL on ENOMEM. */
json_t *kz_json_encode(const kz_schema *s, const void *obj);


/* A PATCH body applied to a stored object (a kz_apply_fn for service update calls). */
typedef struct kz_json_patch {
    const json_t *body;
    const kz_schema *schema;
    kz_arena *arena;
} kz_json_patch;
kz_rc kz_json_apply_patch(void *obj, void *patch, kz_err *err);

/* Sets key in o to a new string/time/null value, stealing nothing from the caller. */
int kz_json_set_str(json_t *o, const char *key, const char *v);
int kz_json_set_time(json_t *o, const char *key, kz_time t);

/* Decodes a JSON array of strings, each checked with check (may be NULL) and at most
 * max_len code points; at most max_items items. */
kz_rc kz_json_strlist(const json_t *arr, const char *field, size_t max_items, size_t max_len,
                      kz_valid_fn check, kz_arena *a, kz_strlist *out, kz_err *err);

/* Prepends prefix to err->field ("items[3]." + "value"). */
void kz_err_prefix(kz_err *err, const char *prefix);

#endif
