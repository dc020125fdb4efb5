/* The TAXII 2.1 collections built on STIX in and out (svc_taxii.c).
 *
 * TAXII: one collection per TLP label; its objects are the caller's visible indicators,
 * incidents, sightings and kept objects of that label. And one of its own for public
 * attribution statements (service/statements/statements.h), read-only. And, for a
 * player, one per table-top run it acts in (running or paused), write-only: its id is
 * the run's, and what is added to it is made in the run (TAXII stays a feed of real work;
 * a run's objects are read in the run's own export). */
#ifndef KZ_SERVICE_TAXII_H
#define KZ_SERVICE_TAXII_H

#include "service/core/call.h"
#include "store/stix/stix.h"

/* The collections the caller may read: every label for members, CLEAR only for callers
 * without a key on a node that publishes CLEAR. can_write: analysts and admins. */
enum { KZ_TAXII_RUNS = 8 };          /* the runs listed, at most */
enum { KZ_TAXII_COLLECTIONS = 6 + KZ_TAXII_RUNS };  /* the five labels, statements, runs */

typedef struct kz_taxii_collection {
    const char *id;              /* a fixed UUID per label; a run's id */
    int tlp;                     /* -1 for the statements collection; a run's: the label of
                                    objects that name none */
    bool can_read, can_write;
    const char *exercise;        /* the run objects added are made in; NULL: real work */
    const char *title;           /* "EXERCISE: " and a run's title (NULL for the others) */
} kz_taxii_collection;

kz_rc kz_svc_taxii_collections(kz_call *c, kz_taxii_collection out[KZ_TAXII_COLLECTIONS], size_t *n);
/* The collection with this id, if the caller may read it (KZ_ENOTFOUND otherwise). */
kz_rc kz_svc_taxii_collection(kz_call *c, const char *id, kz_taxii_collection *out);

/* A page of a collection: the STIX text of each object (objects) or only the rows
 * (manifest, with objects NULL). rows[i] and texts[i] in the call's arena. */
typedef struct kz_taxii_page {
    kz_taxii_row *rows;
    char **texts;                /* one STIX object each, when asked for */
    size_t n;
    bool more;
} kz_taxii_page;

kz_rc kz_svc_taxii_list(kz_call *c, const kz_taxii_collection *col, kz_taxii_filter *f, bool with_objects,
                        kz_taxii_page *out);

/* Status resources of POSTs: saved for the caller's organization, read back by it. */
kz_rc kz_svc_taxii_status_save(kz_call *c, const char *id, kz_time created, const char *body);
kz_rc kz_svc_taxii_status_get(kz_call *c, const char *id, char **body);

#endif
