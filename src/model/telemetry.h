/* Telemetry as the matcher sees it: a log line parsed into fields, each with the kind
 * of value it holds. The log-format parsers (codec/) fill these; the matcher (engine/)
 * looks each field up by its kind. Plain structs: values point into the line or into
 * the parser's per-thread scratch, never owned. */
#ifndef KZ_MODEL_TELEMETRY_H
#define KZ_MODEL_TELEMETRY_H

#include "model/enums.h"

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

/* What a field holds, and so how it is matched. */
typedef enum kz_obs_kind {
    KZ_OBS_NONE,   /* not matched (timestamps, counters) */
    KZ_OBS_IP,     /* an address, possibly with a port ("192.0.2.1:443", "[2001:db8::1]:443") */
    KZ_OBS_HOST,   /* a host name (or an address literal), possibly with a port */
    KZ_OBS_URL,    /* an absolute URL */
    KZ_OBS_EMAIL,  /* an e-mail address, possibly in angle brackets */
    KZ_OBS_HASH,   /* md5, sha1 or sha256 in hex */
    KZ_OBS_AUTO,   /* decided by the value's shape: any of the above, or nothing */
    KZ_OBS_TEXT,   /* free text: addresses, names, URLs... are extracted from it */
    KZ_OBS_KIND_COUNT
} kz_obs_kind;

/* Wire names: "none", "ip", "host", "url", "email", "hash", "auto", "text". */
extern const kz_enum kz_obs_kind_enum;

typedef struct kz_logfield {
    const char *name;   /* the field's name in the log ("id.resp_h", "url", "3") */
    size_t name_len;
    const char *v;
    size_t len;
    kz_obs_kind kind;
} kz_logfield;

/* Most fields a line is parsed into; the rest of a line with more is not matched and the
 * line is counted as truncated. */
enum { KZ_MAX_FIELDS = 128 };

/* One parsed line. */
typedef struct kz_record {
    kz_logfield f[KZ_MAX_FIELDS];
    int n;
    const char *ts;      /* the timestamp as written, or NULL */
    size_t ts_len;
    const char *victim;  /* the victim key (source address or user), or NULL */
    size_t victim_len;
    const char *victim_field;
    size_t victim_field_len;
    int truncated;       /* more fields than KZ_MAX_FIELDS */
} kz_record;

/* Periods of the victim statistics. */
typedef enum kz_period {
    KZ_PERIOD_DAY, KZ_PERIOD_WEEK, KZ_PERIOD_MONTH, KZ_PERIOD_QUARTER, KZ_PERIOD_HALF,
    KZ_PERIOD_YEAR, KZ_PERIOD_COUNT
} kz_period;

/* Wire names: "day", "week", "month", "quarter", "half-year", "year". */
extern const kz_enum kz_period_enum;

/* What victims are counted by, besides the period. */
typedef enum kz_victim_dim {
    KZ_VICTIMS_TOTAL, KZ_VICTIMS_BY_CLASS, KZ_VICTIMS_BY_SECTOR, KZ_VICTIMS_BY_SOURCE,
    KZ_VICTIMS_BY_TYPE, KZ_VICTIMS_DIM_COUNT
} kz_victim_dim;

/* Wire names: "total", "class" (RSIT class of the linked incidents), "sector" (their
 * NIS2 sector), "source" (the indicator's source organization), "type" (indicator type). */
extern const kz_enum kz_victim_dim_enum;

/* A question to the victim statistics, and one row of the answer. */
typedef struct kz_victim_query {
    kz_period period;
    kz_victim_dim by;
    const char *since, *until;   /* "YYYY-MM-DD"; until is exclusive; NULL: unbounded */
} kz_victim_query;

typedef struct kz_victim_stat {
    char period[24];             /* "2026-05-21", "2026-W21", "2026-05", "2026-Q2",
                                    "2026-H1" or "2026" */
    char start[11];              /* the period's first day, "2026-04-01" */
    const char *group;           /* NULL in total, or when no visible incident says */
    int64_t victims;
    int64_t previous;            /* victims of the group in the period before, -1: none */
    double change_pct;           /* against previous; NAN when previous is -1 or 0 */
} kz_victim_stat;

#endif
