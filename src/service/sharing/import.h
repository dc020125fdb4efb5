/* Feed import: a file (or stdin) streamed record by record into indicators through one
 * kz_ind_batch, committed in chunks (or in one transaction), in constant memory. CSV here; the STIX and MISP
 * importers sit beside it with the same report and the same batch. */
#ifndef KZ_SERVICE_IMPORT_H
#define KZ_SERVICE_IMPORT_H

#include "codec/sharing/indicator_csv.h"
#include "service/sharing/indicators.h"

/* What an import did. */
typedef struct kz_import_report {
    uint64_t records;            /* data records read (not the header) */
    uint64_t created, merged, unchanged;
    uint64_t rejected;           /* records refused (only with skip_invalid) */
    uint64_t bytes;              /* bytes of input read */
    uint64_t committed;          /* records of the chunks committed (see chunk) */
} kz_import_report;

/* Told about each rejected record: file, line, and the error (field and reason). */
typedef void (*kz_import_reject_fn)(void *ctx, const char *file, uint64_t line, const kz_err *e);

typedef struct kz_import_csv_opts {
    const char *path;            /* a file, gzip or not, or "-" for stdin */
    int fd;                      /* > 0: read this open descriptor (left open) instead of
                                    opening path, which then only names the input */
    const char *map;             /* "col=field,..."; NULL: the header names the fields */
    bool no_header;              /* the first line is data; columns by number only */
    char delim, comment;         /* 0: ',' and none */
    kz_csv_defaults defaults;    /* what the columns do not say */
    bool skip_invalid;           /* refuse bad records one by one instead of everything */
    bool dry_run;                /* check everything, write nothing */
    bool allow_declassify;       /* merges may lower/widen the caller's own (sharing.h) */
    const char *exercise;        /* the table-top exercise everything imported is made in
                                    (a player's import during a run); NULL: real work,
                                    unless a recipient is an exercise-only organization */
    uint64_t chunk;              /* commit every this many records; 0: one transaction */
    kz_import_reject_fn on_reject;
    void *ctx;
    int progress_fd;             /* a progress line there when it is a terminal; -1 none */
} kz_import_csv_opts;

/* Imports a CSV feed as indicators. Without chunk, all or nothing unless skip_invalid:
 * the first bad record stops the import, nothing is written, and c->err says
 * "FILE:LINE: ..." with the column in err->field. With chunk, every chunk records are
 * committed as they come, each chunk its own transaction and "indicator.import" event
 * (kz_ind_batch_step), so that the API can write between them; the first bad record
 * then stops the import with the chunks before it kept: rep->committed says how many
 * records (the first ones of the file) landed, nothing after them did. Re-importing
 * the same feed changes nothing (every record comes back "unchanged"), so a fixed
 * file can simply be imported again. Analyst or admin. */
kz_rc kz_svc_import_csv(kz_call *c, const kz_import_csv_opts *o, kz_import_report *rep);

#endif
