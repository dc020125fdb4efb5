/* MISP feed import (kizuna import misp): every event of a feed's manifest becomes an
 * incident, its attributes of types Kizuna has become indicators linked to it; MISP TLP
 * tags (on the attribute, else the event) decide the TLP label, else the distribution
 * level, else the import's default. Attributes of other types are counted and skipped;
 * attributes whose value is not valid for their type are rejected, each reported with
 * its file and position. Committed in chunks of o->chunk events and attributes (each
 * with its "misp.import" event; 0: everything in one transaction), in memory bounded by the
 * largest attribute; re-importing the same feed changes nothing, and an event whose
 * manifest timestamp is the one the acting organization imported last is not read
 * again (nor fetched), nor is a file the server says has not changed since its last
 * import (store/stix/feeds.h). Analyst or admin. */
#ifndef KZ_SERVICE_MISP_H
#define KZ_SERVICE_MISP_H

#include "codec/stix/misp.h"
#include "service/sharing/incidents.h"
#include "util/fetch.h"

/* Where the feed's files come from (a directory, or a URL fetched file by file). v
 * holds the validators of the copy imported last (empty strings when none): a fetch
 * asks with them, sets v->not_modified (and opens nothing) when the server says the
 * file is unchanged, and otherwise leaves the new copy's validators in v. A directory
 * leaves v as it is. */
typedef struct kz_misp_feed {
    /* Opens manifest.json. */
    kz_rc (*manifest)(void *ctx, kz_fetch_validators *v, kz_byte_source *out, kz_err *err);
    /* Opens <uuid>.json for two passes. */
    kz_rc (*event)(void *ctx, const char *uuid, kz_fetch_validators *v, kz_misp_input *out, kz_err *err);
    /* Closes what manifest or event opened. */
    void (*close)(void *ctx, void *src_ctx);
    void *ctx;
    const char *url;             /* the base URL of a fetched feed (validators are kept
                                  * per organization and file URL), NULL for a directory */
} kz_misp_feed;

typedef struct kz_misp_import_opts {
    int tlp;                     /* for events and attributes that say nothing */
    kz_strlist recipients;
    const char *source;          /* acting organization; NULL: the caller's */
    bool dry_run;
    bool allow_declassify;       /* merges may lower/widen the caller's own (sharing.h) */
    const char *exercise;        /* the table-top exercise everything imported is made in
                                    (a player's import during a run); NULL: real work,
                                    unless a recipient is an exercise-only organization */
    uint64_t chunk;              /* commit after the event that reaches this many events and
                                    attributes since the last commit; 0: one transaction */
    /* each rejected attribute or event: the file, the position in it, the error */
    void (*on_reject)(void *ctx, const char *file, const char *where, const kz_err *e);
    /* after each event: events done so far */
    void (*on_progress)(void *ctx, uint64_t events);
    void *ctx;
} kz_misp_import_opts;

typedef struct kz_misp_import_report {
    bool manifest_unchanged;     /* the server said so (HTTP 304): nothing else was read */
    uint64_t events, events_created, events_updated, events_unchanged, events_failed;
    uint64_t events_not_fetched; /* of the unchanged: skipped on the manifest's timestamp
                                  * or the file's validators, without reading the file */
    uint64_t attributes, indicators_created, indicators_merged, indicators_unchanged;
    uint64_t skipped;            /* types Kizuna has no indicator for, and deleted ones */
    uint64_t rejected;           /* values that are not valid for their type */
    uint64_t links;
    uint64_t committed;          /* events of the chunks committed (all, on success) */
} kz_misp_import_report;

kz_rc kz_svc_misp_import(kz_call *c, const kz_misp_feed *feed, const kz_misp_import_opts *o,
                         kz_misp_import_report *rep);

#endif
