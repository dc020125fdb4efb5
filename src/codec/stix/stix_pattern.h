/* The STIX 2.1 patterning language (STIX 2.1 part 9): a parser that builds the whole
 * expression tree (observation expressions joined by AND, OR and FOLLOWEDBY, with
 * WITHIN, REPEATS and START/STOP qualifiers; comparison expressions joined by AND and
 * OR; every comparison operator, NOT, EXISTS, object paths with dictionary keys, list
 * indexes and quoted keys; every literal kind), and the mapping between the patterns
 * that say "this one observable" and Kizuna's indicator types:
 *
 *   ipv4    [ipv4-addr:value = '198.51.100.7']
 *   cidr    [ipv4-addr:value = '198.51.100.0/24']  (or ipv6-addr)
 *   ipv6    [ipv6-addr:value = '2001:db8::1']
 *   domain  [domain-name:value = 'example.org']
 *   url     [url:value = 'https://example.org/a']
 *   email   [email-addr:value = 'a@example.org']
 *   md5, sha1, sha256   [file:hashes.'SHA-256' = '...']   (MD5, 'SHA-1', 'SHA-256')
 *   asn     [autonomous-system:number = 64500]
 *
 * Any other pattern parses, but is not one indicator: the importer keeps it verbatim.
 * No I/O; everything is allocated in the caller's arena. Thread-safe. */
#ifndef KZ_CODEC_STIX_PATTERN_H
#define KZ_CODEC_STIX_PATTERN_H

#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KZ_PATTERN_MAX = 1 << 20,   /* bytes of one pattern */
    KZ_PATTERN_DEPTH = 64,      /* nesting of parentheses and brackets */
};

typedef enum kz_sp_kind {
    KZ_SP_FOLLOWEDBY, KZ_SP_OBS_OR, KZ_SP_OBS_AND,  /* observation operators on a, b */
    KZ_SP_OBSERVATION,                              /* [ a ] */
    KZ_SP_WITHIN, KZ_SP_REPEATS, KZ_SP_STARTSTOP,   /* a qualifier of observation a */
    KZ_SP_OR, KZ_SP_AND,                            /* comparison operators on a, b */
    KZ_SP_TEST,                                     /* path op value */
} kz_sp_kind;

typedef enum kz_sp_op {
    KZ_SP_EQ, KZ_SP_NE, KZ_SP_LT, KZ_SP_LE, KZ_SP_GT, KZ_SP_GE, KZ_SP_IN, KZ_SP_LIKE,
    KZ_SP_MATCHES, KZ_SP_ISSUBSET, KZ_SP_ISSUPERSET, KZ_SP_EXISTS,
} kz_sp_op;

typedef enum kz_sp_lit {
    KZ_SPL_NONE, KZ_SPL_STRING, KZ_SPL_INT, KZ_SPL_FLOAT, KZ_SPL_BOOL, KZ_SPL_TIME, KZ_SPL_HEX,
    KZ_SPL_BINARY, KZ_SPL_SET,
} kz_sp_lit;

typedef struct kz_sp_value {
    kz_sp_lit kind;
    char *s;                 /* STRING: unescaped (may hold NUL bytes: see len); HEX,
                                BINARY, TIME: the text between the quotes */
    size_t len;
    int64_t i;               /* INT */
    double f;                /* FLOAT */
    bool b;                  /* BOOL */
    kz_time t;               /* TIME */
    struct kz_sp_value *items;  /* SET */
    size_t n;
} kz_sp_value;

/* One step of an object path after the object type: a key (".name" or ".'quoted'") or
 * a list index ("[3]", "[-1]", "[*]"). */
typedef struct kz_sp_step {
    char *key;               /* NULL for an index */
    int64_t index;
    bool any;                /* [*] */
} kz_sp_step;

typedef struct kz_sp_path {
    char *type;              /* "ipv4-addr" */
    kz_sp_step *steps;       /* at least one: the first property */
    size_t n;
} kz_sp_path;

typedef struct kz_sp_node {
    kz_sp_kind kind;
    struct kz_sp_node *a, *b;
    /* KZ_SP_TEST */
    bool negated;            /* NOT before the operator */
    kz_sp_op op;
    kz_sp_path path;
    kz_sp_value value;       /* KZ_SPL_NONE for EXISTS */
    /* qualifiers */
    double within;           /* seconds */
    int64_t repeats;
    kz_time start, stop;
} kz_sp_node;

/* Parses p[0..n). On success *out is the root. KZ_EINVAL with field "pattern" and a
 * message that gives the 1-based column and what was expected; KZ_ETOOBIG past
 * KZ_PATTERN_MAX; KZ_ENOMEM. */
kz_rc kz_stix_pattern_parse(const char *p, size_t n, kz_arena *a, kz_sp_node **out, kz_err *err);

/* When root is exactly one observation of one equality test on a supported path
 * ([type:path = literal], no NOT, no qualifier), the Kizuna indicator type it names and
 * its value as text (not yet normalized; arena memory). Returns false otherwise. */
bool kz_stix_pattern_indicator(const kz_sp_node *root, kz_arena *a, int *ind_type, const char **value);

/* Appends the STIX pattern of a Kizuna indicator (type, normalized value) to b:
 * "[ipv4-addr:value = '198.51.100.7']". Quotes and backslashes in the value are
 * escaped as the grammar requires. KZ_EINVAL for an unknown type. */
kz_rc kz_stix_pattern_write(kz_buf *b, int ind_type, const char *value);

/* The STIX observable of a Kizuna indicator type for observed-data and export:
 * "ipv4-addr", "file", ...; NULL for an unknown type. */
const char *kz_stix_observable_type(int ind_type);

#endif
