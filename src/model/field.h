/* Field descriptors: one table per resource names each field, its type, where it sits
 * in the C struct, and its limits. The JSON codec, the store's bind/read helpers and
 * the docs all walk the same table, so a field is declared once. */
#ifndef KZ_MODEL_FIELD_H
#define KZ_MODEL_FIELD_H

#include "model/enums.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kz_strlist {
    char **v;     /* items, owned by the same arena as the struct */
    size_t n;
} kz_strlist;

typedef enum kz_ftype {
    KZ_FT_STR,      /* char *: one line of text */
    KZ_FT_TEXT,     /* char *: text that may span lines */
    KZ_FT_ENUM,     /* int: index into field.en */
    KZ_FT_INT,      /* int64_t */
    KZ_FT_BOOL,     /* bool */
    KZ_FT_TIME,     /* kz_time; 0 means unset */
    KZ_FT_STRLIST,  /* kz_strlist */
} kz_ftype;

enum {
    KZ_FF_REQUIRED = 1 << 0,   /* must be given on create */
    KZ_FF_READONLY = 1 << 1,   /* set by the server; a client sending it gets 400 */
    KZ_FF_IMMUTABLE = 1 << 2,  /* given on create, refused on update */
    KZ_FF_NOSTORE = 1 << 3,    /* not a column of the resource's table */
    KZ_FF_WRITEONLY = 1 << 4,  /* accepted on input, never encoded in output */
};

typedef kz_rc (*kz_valid_fn)(const char *value, const char *field, kz_err *err);

typedef struct kz_field {
    const char *name;
    kz_ftype type;
    size_t offset;            /* offsetof the member in the resource struct */
    unsigned flags;
    size_t max;               /* code points for strings, items for lists, max for INT */
    const kz_enum *en;        /* KZ_FT_ENUM */
    kz_valid_fn check;        /* extra rule for strings and list items, may be NULL */
} kz_field;

typedef struct kz_schema {
    const char *name;         /* "contact" */
    const kz_field *fields;
    size_t count;
} kz_schema;

/* Index of the field called name, or -1. */
int kz_schema_find(const kz_schema *s, const char *name);

/* Bit i set = fields[i] given. Schemas have at most 64 fields. */
typedef uint64_t kz_fieldset;

/* Checks that every KZ_FF_REQUIRED field is in `given`, naming the first missing one. */
kz_rc kz_schema_require(const kz_schema *s, kz_fieldset given, kz_err *err);

/* Replaces every string and list of obj (all fields of s) by copies in a, so that obj
 * no longer points into memory someone else may free. 0, or -1 on ENOMEM. */
struct kz_arena;
int kz_schema_own(const kz_schema *s, void *obj, struct kz_arena *a);

/* Member access by descriptor. */
#define KZ_FIELD_PTR(obj, f) ((void *)((char *)(obj) + (f)->offset))

#endif
