/* STIX objects Kizuna keeps as they came: the types it has no model of (campaigns,
 * malware, relationships, ...), indicators whose pattern is more than one observable,
 * observed data, identities of organizations outside the directory and marking
 * definitions other than TLP. One row per version of an object and per source
 * organization, shared under TLP like every other shareable object, returned on export
 * and over TAXII. Imported indicators, reports, groupings and sightings keep their text
 * here too, one row per version, beside the native object they became. */
#ifndef KZ_MODEL_STIX_H
#define KZ_MODEL_STIX_H

#include "model/field.h"
#include "model/tlp.h"
#include "util/clock.h"

#include <stdbool.h>

typedef struct kz_stix_object {
    char *id;                /* the STIX id: "campaign--<uuid>" */
    kz_time created, modified;   /* as the object says (0 for observables without) */
    char *type;              /* "campaign" */
    char *version;           /* modified (or created) as written: the TAXII version */
    char *spec_version;      /* "2.1" */
    kz_time added;           /* when it reached this node (TAXII date_added) */
    char *source;            /* the organization that shared it: the TLP source */
    int tlp;                 /* kz_tlp */
    kz_strlist recipients;
    bool allow_clients;
    char *json;              /* the object as it came, without the blanks between tokens */
    char *kz_kind;           /* "i", "r", "s": the text of an imported indicator, incident
                                or sighting (its sharing is the native object's); NULL kept */
    char *kz_id;             /* that native object */
    bool replaces;           /* served instead of Kizuna's rendering of kz_id */
    char *created_by;        /* created_by_ref as written, or NULL */
} kz_stix_object;
extern const kz_schema kz_stix_object_schema;

kz_tlp_subject kz_stix_object_subject(const kz_stix_object *o);

#endif
