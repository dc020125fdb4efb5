/* Incident and indicator sharing: incidents (with their timeline), indicators and
 * sightings. Every shareable object carries the same four TLP fields (tlp, a source
 * organization, recipients, allow_clients) that kz_tlp_visible decides on. Plain
 * structs; strings belong to whoever owns the struct (in practice a request arena). */
#ifndef KZ_MODEL_SHARING_H
#define KZ_MODEL_SHARING_H

#include "model/field.h"
#include "model/tlp.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum kz_incident_status {
    KZ_INCIDENT_OPEN, KZ_INCIDENT_CONTAINED, KZ_INCIDENT_RESOLVED, KZ_INCIDENT_CLOSED
} kz_incident_status;
extern const kz_enum kz_incident_status_enum;

typedef enum kz_timeline_kind { KZ_TIMELINE_NOTE, KZ_TIMELINE_STATUS, KZ_TIMELINE_CREATED } kz_timeline_kind;
extern const kz_enum kz_timeline_kind_enum;

/* What writing a deduplicated object did. */
typedef enum kz_upsert { KZ_UPSERT_CREATED, KZ_UPSERT_MERGED, KZ_UPSERT_UNCHANGED } kz_upsert;
extern const kz_enum kz_upsert_enum;

enum {
    KZ_RECIPIENTS_MAX = 256,    /* organizations named on one object */
    KZ_BULK_MAX = 10000,        /* indicators in one bulk request */
    KZ_CONFIDENCE_DEFAULT = 50,
    KZ_LABELS_MAX = 100,        /* labels on one incident or indicator */
};

typedef struct kz_incident {
    char *id;
    kz_time created, modified;
    char *organization;      /* the reporting organization: the TLP source */
    char *title;
    char *description;
    char *rsit_class;        /* RSIT class; derived from rsit_type when not given */
    char *rsit_type;
    char *sector;            /* NIS2 sector, may be NULL */
    kz_strlist states;       /* affected states, ISO 3166-1 alpha-2 */
    char *impact;            /* NIS2 impact severity (white, green, yellow, red), may be NULL */
    int status;              /* kz_incident_status */
    kz_time occurred;        /* when it began; defaults to when it was reported */
    int tlp;                 /* kz_tlp */
    kz_strlist recipients;   /* organization ids */
    bool allow_clients;
    kz_strlist labels;       /* free tags (a MISP event's non-TLP tags, threat level, analysis) */
    kz_strlist norms;        /* letters of the A/70/174 norms it concerns (the incident_norms table) */
    char *exercise;          /* the table-top exercise it was made in, NULL for real work */
} kz_incident;
extern const kz_schema kz_incident_schema;

/* One entry of an incident's timeline: a note, or a status change recorded by the
 * server. Shared under the incident's TLP. */
typedef struct kz_timeline_entry {
    char *id;
    kz_time created, modified;
    char *incident;
    kz_time at;              /* when it happened; defaults to now */
    int kind;                /* kz_timeline_kind */
    char *organization;      /* who wrote it */
    char *text;
} kz_timeline_entry;
extern const kz_schema kz_timeline_schema;

/* An indicator, unique per (type, value, source). value is stored normalized
 * (codec/sharing/indicator_norm.h); registrable is the registrable domain of a domain, URL or
 * email address. */
typedef struct kz_indicator {
    char *id;
    kz_time created, modified;
    int type;                /* kz_ind_type */
    char *value;
    char *source;            /* the source organization: the TLP source */
    char *registrable;
    int tlp;
    kz_strlist recipients;
    bool allow_clients;
    int64_t confidence;      /* 0..100 */
    kz_time first_seen, last_seen;
    kz_time valid_until;     /* 0 = does not expire */
    char *description;
    kz_strlist incidents;    /* linked incident ids (only those the viewer may see) */
    bool context_only;       /* shared as context (MISP's to_ids false): never matched */
    kz_strlist labels;       /* free tags (a MISP attribute's non-TLP tags); as first reported */
    char *exercise;          /* the table-top exercise it was made in, NULL for real work */
} kz_indicator;
extern const kz_schema kz_indicator_schema;

/* Which fields of an upserted indicator were given, and so replace (or, for the
 * seen times, widen) those of an existing indicator with the same (type, value,
 * source). Fields not given keep their stored values. */
enum {
    KZ_GIVEN_TLP = 1 << 0,
    KZ_GIVEN_RECIPIENTS = 1 << 1,
    KZ_GIVEN_ALLOW_CLIENTS = 1 << 2,
    KZ_GIVEN_CONFIDENCE = 1 << 3,
    KZ_GIVEN_FIRST_SEEN = 1 << 4,   /* first_seen becomes the earlier of the two */
    KZ_GIVEN_LAST_SEEN = 1 << 5,    /* last_seen becomes the later of the two */
    KZ_GIVEN_VALID_UNTIL = 1 << 6,
    KZ_GIVEN_DESCRIPTION = 1 << 7,
    KZ_GIVEN_CONTEXT_ONLY = 1 << 9, /* context_only stays only if every report says so */
    KZ_GIVEN_ALL = ((1 << 8) - 1) | KZ_GIVEN_CONTEXT_ONLY,  /* every bit that is a field */
    /* Not a field: the writer asks that a merge may lower the label or widen the
     * recipients of its own organization's indicator (service/sharing/sharing.h). */
    KZ_GIVEN_DECLASSIFY = 1 << 8,
};

/* The KZ_GIVEN_* bits of the fields set in a decoded indicator (kz_json_decode's
 * `given`, bit i = field i of kz_indicator_schema). */
unsigned kz_indicator_given(kz_fieldset fields);

/* A report that an indicator was seen by an observer organization: count times between
 * first_seen and last_seen. One report per (indicator, observer, first_seen,
 * last_seen): reporting the same period again replaces its count. The indicator's
 * source is always among the recipients. */
typedef struct kz_sighting {
    char *id;
    kz_time created, modified;
    char *indicator;
    char *observer;          /* the observing organization: the TLP source */
    int64_t count;
    kz_time first_seen, last_seen;
    int tlp;
    kz_strlist recipients;
    bool allow_clients;
    char *exercise;          /* the table-top exercise it was reported in, NULL for real work */
} kz_sighting;
extern const kz_schema kz_sighting_schema;

/* Sightings summed over the reports a viewer may see, per indicator and observer. */
typedef struct kz_sighting_sum {
    char *indicator;
    char *observer;          /* NULL when summed over every observer */
    int64_t count;
    int64_t reports;
    kz_time first_seen, last_seen;
} kz_sighting_sum;
extern const kz_schema kz_sighting_sum_schema;

/* The sharing of an object not yet written, as a form holds it before saving ("who
 * will see this", service/sharing/audience.h): organization is the source (NULL: the
 * caller's own). */
typedef struct kz_sharing_draft {
    char *organization;
    int tlp;                 /* kz_tlp */
    kz_strlist recipients;
    bool allow_clients;
} kz_sharing_draft;
extern const kz_schema kz_sharing_draft_schema;

/* The TLP fields of each shareable object, for kz_tlp_visible. recipients point into
 * the object. */
kz_tlp_subject kz_incident_subject(const kz_incident *o);
kz_tlp_subject kz_indicator_subject(const kz_indicator *o);
kz_tlp_subject kz_sighting_subject(const kz_sighting *o);
kz_tlp_subject kz_draft_subject(const kz_sharing_draft *o);

#endif
