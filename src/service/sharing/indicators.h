/* Use cases of indicators: one, a bulk request, and the batch every importer writes
 * through (svc_indicators.c); the sharing rules they follow are in sharing.h. */
#ifndef KZ_SERVICE_INDICATORS_H
#define KZ_SERVICE_INDICATORS_H

#include "service/core/call.h"
#include "store/sharing/sharing.h"

/* A batch of indicator writes in one transaction: the bulk API, kizuna import and the
 * other importers. check validates and normalizes one indicator without writing (so
 * that a caller can check everything before writing anything); put writes one checked
 * indicator; end audits the batch as one event and commits (rc KZ_OK) or rolls back.
 * Memory: check allocates the normalized value and new id in `scratch`, which must
 * live until put returns; the batch itself allocates nothing per indicator. */
typedef struct kz_ind_queued kz_ind_queued;

typedef struct kz_ind_batch {
    kz_call *c;
    const char *action;          /* audit action, e.g. "indicator.bulk" */
    kz_time now;
    size_t created, merged, unchanged, links;
    struct {                     /* ids of organizations and incidents already checked */
        char id[37];
        char kind;               /* 'o' organization, 'i' incident */
    } seen[64];
    size_t n_seen;
    bool dry_run;                /* end writes everything, counts it, then rolls back */
    bool allow_declassify;       /* every put may lower/widen its own organization's
                                    indicators, as KZ_GIVEN_DECLASSIFY (sharing.h) */
    bool hidden_last;            /* the last put met an indicator the caller may not
                                    see: answered as created, nothing written */
    kz_arena find_arena;         /* the stored indicators put compares with */
    size_t finds;
    const char *made_id;         /* the id check made for the indicator it checked last
                                    (NULL: it kept the one given); queue makes a made id
                                    again when the queue is written, in write order */
    bool ids_at_write;           /* every checked indicator is queued (an importer's
                                    batch): check leaves a made id's text to the
                                    queue's write, which makes it in write order */
    kz_ind_queued *queue;        /* kz_ind_batch_queue: checked, not yet written */
    bool look_first;             /* the queue's last set insert met mostly stored keys:
                                    look the next ones up before they wait for one */
    size_t queued, queue_cap;
    kz_arena queue_arena;
    /* Chunks (kz_ind_batch_step): 0 keeps the whole batch in one transaction. */
    uint64_t commit_every;       /* records (objects) per chunk; KZ_IND_CHUNK_AUTO: by time */
    int64_t chunk_began;         /* KZ_IND_CHUNK_AUTO: monotonic ms when the chunk began */
    uint64_t clock_read_at;      /* KZ_IND_CHUNK_AUTO: steps when the clock was last read */
    uint64_t steps;              /* records stepped in the open chunk */
    uint64_t committed;          /* records of the chunks already committed */
    size_t chunks;               /* chunks committed */
    size_t at_chunk[4];          /* created, merged, unchanged, links when the chunk began */
    /* what the importer audits for a chunk besides the indicators (before its commit);
       NULL: nothing */
    kz_rc (*audit_chunk)(void *ctx, size_t chunk);
    void *chunk_ctx;
    /* Table-top exercises: the run every object of the batch is made in when the
       object names none (an import's --exercise; NULL: each object as a single create,
       kz_svc_exercise_claim), and whether the node has runs at all (0 not asked yet,
       1 none: nothing to claim, 2 some), asked once per batch. */
    const char *exercise;
    int runs;
    char claimed[37];            /* the run the last object without recipients was claimed
                                    for: the next such object of that run needs no
                                    lookup (an import of thousands into one run) */
    bool open;                   /* holds its transaction: end ends it only then, so a
                                    begin, step or commit that failed ends nothing twice */
} kz_ind_batch;

/* commit_every for chunks by time: a chunk is committed once it has been open
 * KZ_IND_CHUNK_MS. A writer waiting for the lock waits at most about that long, however
 * fast or slow the records are, and each commit (a sync of the WAL, a checkpoint) is paid
 * a few times a second instead of once per few thousand records. */
#define KZ_IND_CHUNK_AUTO UINT64_MAX
enum { KZ_IND_CHUNK_MS = 500 };

/* Authorizes (analyst) and opens the write transaction. */
kz_rc kz_ind_batch_begin(kz_call *c, kz_ind_batch *b, const char *action);
/* Normalizes o->value for o->type, defaults source (the caller's organization), id (when
 * NULL: an importer may pass one that no indicator has yet) and
 * the seen times, and checks the source may be written by the caller, that recipients
 * exist and that linked incidents exist and are visible. On error err names the field
 * of the indicator ("value", "recipients[1]", "incidents[0]"). An indicator made by a
 * player during a run is claimed for it as a single create is (kz_svc_exercise_claim:
 * o->exercise, else b->exercise, else an exercise-only source or recipient), "exercise"
 * or "recipients" naming what keeps it out. */
kz_rc kz_ind_batch_check(kz_ind_batch *b, kz_indicator *o, unsigned given, kz_arena *scratch, kz_err *err);
/* Writes o (checked) as kz_store_indicator_upsert does, and its incident links,
 * following the write rules of sharing.h: an indicator with the same (type, value,
 * source) that the caller may not see is left as it is and the put answers as for a
 * new one (created, o's own id, its links counted); a merge keeps the stricter sharing
 * unless the caller's organization is the source and KZ_GIVEN_DECLASSIFY (or the
 * batch's allow_declassify) is set, and a declassification is audited. */
kz_rc kz_ind_batch_put(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_upsert *result,
                       char id_out[37], kz_err *err);
/* For importers, instead of put: keeps a copy of o (checked) and writes the queued
 * indicators in chunks, each sorted by (type, value) with equal keys in the order they
 * came, which gives the same result as writing them one by one but turns the random
 * inserts into the unique index into nearly sequential ones. Memory: one chunk. */
kz_rc kz_ind_batch_queue(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_err *err);

/* For importers, after each record (n of them: an event and its attributes): when
 * commit_every is set and the open chunk has reached it, writes what is queued, audits
 * the chunk ("<action>" with its own counts and "chunk": its number, then audit_chunk),
 * commits and opens the next transaction, so that other writers (the API) get the
 * database between chunks. Call it only between records (no savepoint open). A failure
 * later leaves the committed chunks in place: b->committed records. */
kz_rc kz_ind_batch_step(kz_ind_batch *b, uint64_t n);
/* Whether the open chunk (the batch, without chunks) created or merged an indicator. */
bool kz_ind_batch_chunk_changed(const kz_ind_batch *b);

/* Writes what is still queued, audits "<action>" with the counts (of the last chunk,
 * when there were chunks) when something changed, then commits when rc is KZ_OK (and
 * not dry_run); rolls back otherwise (the open chunk only). Returns the final result
 * (KZ_OK for a dry run that found nothing wrong). */
kz_rc kz_ind_batch_end(kz_ind_batch *b, kz_rc rc);

/* Records per chunk of the importers unless told otherwise (kizuna import --chunk). */
enum { KZ_IMPORT_CHUNK = 10000 };

/* One indicator (POST /indicators): created, merged into the same (type, value, source)
 * or unchanged; o becomes the stored indicator as the caller sees it (what it wrote,
 * when the stored one is hidden from it: sharing.h). */
kz_rc kz_svc_indicator_create(kz_call *c, kz_indicator *o, unsigned given, kz_upsert *result);

/* One failed item of a bulk request. */
typedef struct kz_item_error {
    size_t index;
    kz_err err;
} kz_item_error;

enum { KZ_BULK_ERRORS_MAX = 100 };

typedef struct kz_bulk_report {
    kz_upsert *results;          /* per item (arena), when the batch was written */
    char (*ids)[37];
    size_t created, merged, unchanged;
    kz_item_error *errors;       /* when rejected: the first KZ_BULK_ERRORS_MAX failures */
    size_t n_errors;
} kz_bulk_report;

/* Up to KZ_BULK_MAX indicators, all or nothing: every item is checked first; if any
 * fails, nothing is written, the call returns KZ_EINVAL and report lists the failures
 * (c->err holds the first, its field prefixed with "items[i]."). */
kz_rc kz_svc_indicator_bulk(kz_call *c, kz_indicator *items, const unsigned *given, size_t n,
                            kz_bulk_report *report);

/* Reads show recipients as sharing.h says (kz__show_indicator). */
kz_rc kz_svc_indicator_get(kz_call *c, const char *id, kz_indicator *out);
/* For the sharing siblings and requests: the indicator with all its recipients, if the
 * caller may see it; otherwise KZ_ENOTFOUND as if it did not exist. */
kz_rc kz__visible_indicator(kz_call *c, const char *id, kz_indicator *out);
/* Changes tlp, recipients, allow_clients, confidence, times, description and incident
 * links (only links to incidents the caller may see). Source organization or admin. */
kz_rc kz_svc_indicator_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_indicator *out);
kz_rc kz_svc_indicator_list(kz_call *c, const kz_indicator_filter *f, const kz_page *pg,
                            kz_indicator_page *out);
kz_rc kz_svc_indicator_counts(kz_call *c, const kz_indicator_filter *f, kz_indicator_dim by, kz_counts *out);
/* Streams every indicator the caller may see matching f to fn, in one read snapshot
 * and constant memory (see kz_store_indicator_each). */
kz_rc kz_svc_indicator_each(kz_call *c, const kz_indicator_filter *f, kz_indicator_fn fn, void *ctx);

#endif
