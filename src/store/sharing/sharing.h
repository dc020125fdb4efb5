/* Persistence of incidents, their timelines, indicators (with their links to
 * incidents) and sightings. Functions take the calling thread's kz_db; strings they
 * return are copied into the caller's arena.
 *
 * Visibility: single-object reads (…_get) return the row whatever its TLP, and the
 * service asks kz_tlp_visible before showing it. Every function that reads many rows
 * (lists, counts, sums, iteration) takes the viewer and filters inside SQL with
 * kz_visible(), which calls the same policy function (store.h), so that no page, count
 * or total is computed over rows the viewer may not see. The store never decides. */
#ifndef KZ_STORE_SHARING_H
#define KZ_STORE_SHARING_H

#include "model/page.h"
#include "model/sharing.h"
#include "store/core/store.h"
#include "util/arena.h"

typedef KZ_PAGE_OF(kz_incident) kz_incident_page;
typedef KZ_PAGE_OF(kz_indicator) kz_indicator_page;
typedef KZ_PAGE_OF(kz_sighting_sum) kz_sighting_sum_page;

/* A count per value of one column ("status" -> "open": 3), largest first. */
typedef struct kz_count {
    char *key;          /* NULL for rows without a value */
    int64_t n;
} kz_count;

typedef struct kz_counts {
    kz_count *v;
    size_t n;
    int64_t total;      /* sum over v */
} kz_counts;

/* ---- incidents ------------------------------------------------------------------- */

/* Filters of incident lists and counts; NULL / 0 = not filtered. */
typedef struct kz_incident_filter {
    const char *rsit_class, *rsit_type, *sector, *state, *status, *impact, *organization, *tlp;
    const char *q;            /* words searched in title and description (FTS5 prefixes) */
    kz_time since, until;     /* occurred in [since, until) */
    const char *norm;         /* a norm letter of A/70/174 the incident concerns */
    bool real_work;           /* leave out what table-top exercises made (exports) */
    const char *exercise;     /* only what this table-top run made (its exports) */
} kz_incident_filter;

/* Columns incidents can be counted by. */
typedef enum kz_incident_dim {
    KZ_INCIDENT_BY_STATUS, KZ_INCIDENT_BY_CLASS, KZ_INCIDENT_BY_TYPE, KZ_INCIDENT_BY_SECTOR,
    KZ_INCIDENT_BY_IMPACT, KZ_INCIDENT_BY_TLP, KZ_INCIDENT_DIMS
} kz_incident_dim;
extern const char *const kz_incident_dim_names[KZ_INCIDENT_DIMS];  /* "status", "rsit_class", ... */

kz_rc kz_store_incident_insert(kz_db *db, const kz_incident *o, kz_err *err);
kz_rc kz_store_incident_update(kz_db *db, const kz_incident *o, kz_err *err);
/* KZ_ENOTFOUND (field "incident") when there is no such incident. */
kz_rc kz_store_incident_get(kz_db *db, const char *id, kz_arena *a, kz_incident *out, kz_err *err);
/* The incidents v may see, matching f, ordered by creation. */
kz_rc kz_store_incident_list(kz_db *db, const kz_viewer *v, const kz_incident_filter *f,
                             const kz_page *pg, kz_arena *a, kz_incident_page *out, kz_err *err);
/* The incidents v may see, matching f, counted by one column. */
kz_rc kz_store_incident_counts(kz_db *db, const kz_viewer *v, const kz_incident_filter *f,
                               kz_incident_dim by, kz_arena *a, kz_counts *out, kz_err *err);

/* The few fields a norm's page shows of one incident linked to the norm. Strings point
 * into the statement and are valid only during the callback; states is newline-joined
 * (the affected states), reporter_state the reporting organization's state. */
typedef struct kz_norm_incident_fact {
    const char *id, *title, *status, *tlp, *reporter_state, *states;
    kz_time occurred;
} kz_norm_incident_fact;

/* Calls fn for every incident linked to the norm letter that v may see, newest first. */
kz_rc kz_store_norm_incidents(kz_db *db, const kz_viewer *v, const char *norm,
                              void (*fn)(void *ctx, const kz_norm_incident_fact *f), void *ctx, kz_err *err);

kz_rc kz_store_timeline_insert(kz_db *db, const kz_timeline_entry *e, kz_err *err);
/* The first max entries of an incident's timeline in time order. */
kz_rc kz_store_timeline_list(kz_db *db, const char *incident, size_t max, kz_arena *a,
                             kz_timeline_entry **items, size_t *n, kz_err *err);

/* ---- indicators ------------------------------------------------------------------ */

typedef struct kz_indicator_filter {
    const char *type, *tlp, *source;
    const char *incident;     /* linked to this incident */
    const char *q;            /* value starts with q, or registrable domain is q */
    kz_time since, until;     /* last_seen in [since, until) */
    kz_time active_at;        /* valid at this time (valid_until unset or later); 0 = any */
    bool detect_only;         /* leave out indicators shared as context only (the matcher) */
    bool real_work;           /* leave out what table-top exercises made (exports) */
    const char *exercise;     /* only what this table-top run made (its exports) */
} kz_indicator_filter;

typedef enum kz_indicator_dim { KZ_INDICATOR_BY_TYPE, KZ_INDICATOR_BY_TLP, KZ_INDICATOR_DIMS } kz_indicator_dim;
extern const char *const kz_indicator_dim_names[KZ_INDICATOR_DIMS];

/* A bulk write of indicators (an import's queue): from begin to end the connection
 * runs without triggers and remembers, in order, the rows the upserts write; end (write
 * true) enters them into the federation change log, one statement per run of
 * consecutive row numbers (one for a queue of new rows), in that order
 * and with the trigger's rule (not an object received from a peer), which is what the
 * per-row trigger fed_log_indicators_* would have written, at a fraction of the cost.
 * end(false) after a failure only turns the triggers back on (the caller rolls back).
 * Between them nothing may write on this connection that needs a trigger: indicators,
 * their incident links and audit entries have no other. */
kz_rc kz_store_indicator_bulk_begin(kz_db *db, kz_err *err);
kz_rc kz_store_indicator_bulk_end(kz_db *db, bool write, kz_err *err);

/* Inserts n indicators (ids new to the node, made by the caller, so that none is an
 * object received from a peer; created and modified set, values normalized), in the
 * order given, with one statement per block of up to KZ_IND_INSERT_BLOCK rows, each
 * skipped when its key (type, value, source) is stored already, or was inserted by an
 * earlier row of the call: nothing of it is written, never an update (any other
 * constraint, an id already stored, fails the write). *created says how many were
 * inserted: they have the row numbers *first, *first + 1, ... in the order given. In a
 * bulk write, when none was skipped, their row numbers are noted for the change log as
 * the upsert's are; when some were, none is, and the caller notes each inserted one
 * (kz_store_indicator_note) in its place among the others. The rows' strings must stay
 * as they are until it returns. */
enum { KZ_IND_INSERT_BLOCK = 64 };
kz_rc kz_store_indicator_insert_new(kz_db *db, const kz_indicator *const *rows, size_t n, size_t *created,
                                    int64_t *first, kz_err *err);
/* In a bulk write, notes row n, one kz_store_indicator_insert_new inserted, for the change
 * log (nothing outside one). */
kz_rc kz_store_indicator_note(kz_db *db, int64_t n, kz_err *err);

/* Inserts o (whose id, created and modified are set), or merges it into the stored
 * indicator with the same (type, value, source) following `given`. Nothing is written
 * when the merge would change nothing. *result says which; id_out (may be NULL)
 * receives the stored indicator's id. o's value must be normalized already. */
kz_rc kz_store_indicator_upsert(kz_db *db, const kz_indicator *o, unsigned given, kz_upsert *result,
                                char id_out[37], kz_err *err);
/* Of the stored indicator with o's (type, value, source): its id, source, tlp,
 * recipients, allow_clients and exercise (for the write rules of the sharing service),
 * confidence, first and last seen, valid_until, description and context_only (for
 * kz_store_indicator_unchanged); the other fields zero. KZ_ENOTFOUND when there is none,
 * err left as it was (an expected answer). o's value must be normalized. */
kz_rc kz_store_indicator_find(kz_db *db, const kz_indicator *o, kz_arena *a, kz_indicator *out, kz_err *err);
/* kz_store_indicator_find of n keys at once (one statement per block of up to
 * KZ_IND_INSERT_BLOCK): found[i] is KZ_OK with out[i] the stored row, or KZ_ENOTFOUND. */
kz_rc kz_store_indicator_find_many(kz_db *db, const kz_indicator *const *keys, size_t n, kz_arena *a,
                                   kz_indicator *out, kz_rc *found, kz_err *err);
/* Whether kz_store_indicator_upsert of o with `given` would write nothing over `stored`
 * (as kz_store_indicator_find read it): its WHERE clause in C, so that a caller sure of
 * an unchanged row (an import of a feed stored already) needs no statement. */
bool kz_store_indicator_unchanged(const kz_indicator *stored, const kz_indicator *o, unsigned given);
/* Rewrites every stored field of o (found by id). */
kz_rc kz_store_indicator_update(kz_db *db, const kz_indicator *o, kz_err *err);
/* Links an indicator to an incident; *added is false when the link existed. */
kz_rc kz_store_indicator_link(kz_db *db, const char *indicator, const char *incident, bool *added,
                              kz_err *err);
/* Replaces the links of an indicator to incidents v may see with list (ids that
 * exist); links to incidents v may not see are kept as they are. */
kz_rc kz_store_indicator_set_links(kz_db *db, const kz_viewer *v, const char *indicator,
                                   const kz_strlist *list, kz_err *err);
/* The indicator with its incidents limited to those v may see (v NULL: none). */
kz_rc kz_store_indicator_get(kz_db *db, const kz_viewer *v, const char *id, kz_arena *a,
                             kz_indicator *out, kz_err *err);
kz_rc kz_store_indicator_list(kz_db *db, const kz_viewer *v, const kz_indicator_filter *f,
                              const kz_page *pg, kz_arena *a, kz_indicator_page *out, kz_err *err);
kz_rc kz_store_indicator_counts(kz_db *db, const kz_viewer *v, const kz_indicator_filter *f,
                                kz_indicator_dim by, kz_arena *a, kz_counts *out, kz_err *err);

/* Calls fn for every indicator v may see that matches f, in creation order, inside one
 * read snapshot, in constant memory: the struct and its strings live until fn returns.
 * A non-zero return from fn stops the walk and is returned. */
typedef kz_rc (*kz_indicator_fn)(const kz_indicator *o, void *ctx);
kz_rc kz_store_indicator_each(kz_db *db, const kz_viewer *v, const kz_indicator_filter *f,
                              kz_indicator_fn fn, void *ctx, kz_err *err);

/* ---- sightings ------------------------------------------------------------------- */

/* Inserts s (id and times set), or replaces the count and sharing of the report with
 * the same (indicator, observer, first_seen, last_seen). id_out may be NULL. A report
 * of that key in another exercise (or in one, s being real work, or the reverse) is left
 * as it is: KZ_ECONFLICT naming "exercise". */
kz_rc kz_store_sighting_upsert(kz_db *db, const kz_sighting *s, kz_upsert *result, char id_out[37],
                               kz_err *err);
kz_rc kz_store_sighting_get(kz_db *db, const char *id, kz_arena *a, kz_sighting *out, kz_err *err);

/* Sums of the sighting reports v may see of one indicator (which v must be allowed to
 * see: the caller checks), one row per observer, then (*total) over all of them. Reports
 * overlapping [since, until) when those are set. */
kz_rc kz_store_sighting_sums_by_observer(kz_db *db, const kz_viewer *v, const char *indicator,
                                         kz_time since, kz_time until, kz_arena *a,
                                         kz_sighting_sum **items, size_t *n, kz_sighting_sum *total,
                                         kz_err *err);
/* Sums of the sighting reports v may see, of indicators v may see, one row per
 * indicator; observer NULL sums over every observer. Paginated by indicator. */
kz_rc kz_store_sighting_sums_by_indicator(kz_db *db, const kz_viewer *v, const char *observer,
                                          kz_time since, kz_time until, const kz_page *pg,
                                          kz_arena *a, kz_sighting_sum_page *out, kz_err *err);

/* Calls fn for every sighting report v may see of an indicator v may see, in creation
 * order, in constant memory (the report lives until fn returns). For exporters: with
 * exercise, only the reports of that table-top run; with real_work, only real reports of
 * real indicators. */
typedef kz_rc (*kz_sighting_fn)(const kz_sighting *o, void *ctx);
kz_rc kz_store_sighting_each(kz_db *db, const kz_viewer *v, const char *exercise, bool real_work,
                             kz_sighting_fn fn, void *ctx, kz_err *err);

#endif
