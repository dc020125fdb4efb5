/* STIX 2.1 objects <-> Kizuna. Reading: a bundle (or one bare object), streamed from
 * any byte source, decoded object by object into kz_stix_obj (with the object's compact
 * text kept, as written, for the objects Kizuna stores). Writing: Kizuna's incidents,
 * indicators, sightings and organizations, and the TLP 2.0 marking definitions, as STIX
 * 2.1 JSON text appended to a buffer, without building trees, so that exporting a
 * quarter of a million indicators takes a fraction of a second.
 *
 * The mapping (docs/ARCHITECTURE.md has the table):
 *   indicator    <-> indicator (pattern per codec/stix/stix_pattern.h)
 *   incident     <-> report (written); report or grouping (read); the RSIT and NIS2
 *                    classification in x_kizuna_incident
 *   sighting     <-> sighting (sighting_of_ref an indicator, where_sighted_refs the
 *                    observer)
 *   organization  -> identity (identity_class organization)
 *   TLP label    <-> object_marking_refs to the TLP 2.0 marking definitions (TLP 1.0
 *                    ids are read too: white is CLEAR); recipients in
 *                    x_kizuna_recipients, allow_clients in x_kizuna_allow_clients */
#ifndef KZ_CODEC_STIX_H
#define KZ_CODEC_STIX_H

#include "model/directory.h"
#include "model/sharing.h"
#include "util/arena.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KZ_STIX_OBJECT_MAX = 16 << 20,   /* bytes of one object in a bundle */
    KZ_STIX_ID_MAX = 300,            /* "type--uuid" of a type of up to 250 characters */
};

/* When the TLP 2.0 marking definitions were created: 2022-10-01T00:00:00.000Z. */
#define KZ_STIX_TLP2_CREATED ((int64_t)1664582400000)
/* When the TLP 1.0 ones were: 2017-01-20T00:00:00.000Z. */
#define KZ_STIX_TLP1_CREATED ((int64_t)1484870400000)

/* The TLP 2.0 marking definitions (OASIS TLP 2.0 extension
 * extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d), indexed by kz_tlp. */
extern const char *const kz_stix_tlp_marking[5];

/* The label a marking definition id stands for: the TLP 2.0 ids and the STIX 2.1 TLP
 * 1.0 ids (TLP:WHITE read as CLEAR); -1 for any other id. */
int kz_stix_tlp_of_marking(const char *id);

/* The TLP 1.0 marking definition id of a label (TLP:WHITE for CLEAR), NULL for
 * AMBER+STRICT, which TLP 1.0 has not. */
const char *kz_stix_tlp1_marking(int tlp);

/* Appends a JSON array of the TLP marking definition ids (2.0 and 1.0) of labels more
 * restrictive than tlp. KZ_ENOMEM/KZ_ETOOBIG from the buffer. */
kz_rc kz_stix_markings_above(kz_buf *b, int tlp);

/* ---- reading ------------------------------------------------------------------------ */

typedef enum kz_stix_kind {
    KZ_STIX_INDICATOR,    /* indicator */
    KZ_STIX_INCIDENT,     /* report or grouping */
    KZ_STIX_SIGHTING,
    KZ_STIX_IDENTITY,
    KZ_STIX_MARKING,      /* marking-definition */
    KZ_STIX_OBSERVED,     /* observed-data */
    KZ_STIX_OTHER,        /* any other type: kept verbatim */
} kz_stix_kind;

/* A value of a supported observable type (in observed-data). */
typedef struct kz_stix_observable {
    int type;             /* kz_ind_type */
    const char *value;
} kz_stix_observable;

/* One decoded object; strings in the arena given to kz_stix_decode. */
typedef struct kz_stix_obj {
    kz_stix_kind kind;
    const char *type, *id;       /* "indicator", "indicator--<uuid>" */
    const char *spec_version;    /* "2.1" (or "2.0" as written) */
    const char *created_by;      /* an identity id, or NULL */
    kz_time created, modified;   /* modified defaults to created (0 for objects without) */
    const char *version;         /* the modified (or created) timestamp as written, or NULL */
    bool revoked;
    int tlp;                     /* from object_marking_refs, -1 when none names TLP */
    kz_strlist recipients;       /* x_kizuna_recipients as organization ids */
    bool allow_clients;
    const char *json;            /* the object's text as it came, squeezed of blanks */
    size_t json_len;

    /* indicator */
    const char *pattern_type;    /* "stix", "snort", ... */
    bool single;                 /* a STIX pattern naming one supported observable */
    int ind_type;                /* kz_ind_type when single */
    const char *value;
    const char *name, *description;
    kz_time valid_from, valid_until;
    kz_time last_seen;           /* x_kizuna_last_seen, 0 when absent */
    int64_t confidence;          /* -1 when absent */
    bool context_only;           /* x_kizuna_context_only: shared as context, not matched */

    /* incident (report, grouping) */
    kz_incident incident;        /* title, description, classification; tlp and the
                                    organization are left for the importer */
    bool classified;             /* x_kizuna_incident gave the RSIT type */
    kz_strlist refs;             /* object_refs */

    /* sighting */
    const char *sighting_of;
    kz_strlist where_sighted;
    kz_strlist observed_data;
    int64_t count;               /* -1 when absent */
    kz_time first_seen;          /* also observed-data first_observed */
    kz_time seen_until;          /* sighting last_seen, observed-data last_observed */

    /* identity */
    const char *identity_class;

    /* marking-definition */
    int marking_tlp;             /* the TLP label it defines, -1 otherwise */

    /* observed-data */
    kz_stix_observable *observables;
    size_t n_observables;
    int64_t number_observed;
} kz_stix_obj;

/* Decodes one object from its JSON text. KZ_EINVAL with the offending property in
 * err->field and the reason when it is not a usable STIX object (no type or id, an id
 * that does not match its type, a bad timestamp, an indicator whose STIX pattern does
 * not parse, ...). Everything lives in a. */
kz_rc kz_stix_decode(const char *text, size_t len, kz_arena *a, kz_stix_obj *out, kz_err *err);

/* Where a bundle's bytes come from: fills buf with up to cap bytes, *got = 0 at the
 * end. */
typedef struct kz_byte_source {
    kz_rc (*read)(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err);
    void *ctx;
} kz_byte_source;

/* Told about each object of the document, in order: its JSON text (valid during the
 * call) and its position ("objects[12]", or "" for a bare object). A non-OK return
 * stops reading. */
typedef kz_rc (*kz_stix_object_fn)(void *ctx, const char *json, size_t len, const char *where);

/* What the document was. */
typedef struct kz_stix_doc {
    bool bundle;                 /* a bundle (or a TAXII envelope), not a bare object */
    char id[KZ_STIX_ID_MAX + 1]; /* the bundle's id, when it has one */
    uint64_t objects;
    uint64_t bytes;
} kz_stix_doc;

/* Reads a bundle ({"type": "bundle", "objects": [...]}), a TAXII envelope
 * ({"objects": [...]}) or one bare STIX object from src, calling fn for each object,
 * in memory bounded by the largest object (KZ_STIX_OBJECT_MAX). KZ_EINVAL with line and
 * column for malformed JSON, or when the document is neither. */
kz_rc kz_stix_read(const kz_byte_source *src, kz_stix_object_fn fn, void *ctx, kz_stix_doc *doc, kz_err *err);

/* ---- writing ------------------------------------------------------------------------ */

/* Each appends one object as compact JSON (no separators) to b. KZ_ENOMEM/KZ_ETOOBIG
 * from the buffer. */
kz_rc kz_stix_write_marking(kz_buf *b, int tlp);
kz_rc kz_stix_write_identity(kz_buf *b, const kz_org *o);
kz_rc kz_stix_write_indicator(kz_buf *b, const kz_indicator *o);
/* indicators: ids of the linked indicators to list in object_refs after the reporting
 * organization's identity. */
kz_rc kz_stix_write_incident(kz_buf *b, const kz_incident *o, const char *const *indicators, size_t n);
kz_rc kz_stix_write_sighting(kz_buf *b, const kz_sighting *s);
/* The banner of a table-top exercise's export: a note (id note--<exercise>) by the
 * facilitating organization about its identity, abstract and content the banner. */
kz_rc kz_stix_write_banner(kz_buf *b, const char *exercise, kz_time created, const char *org, const char *banner);

/* A kept STIX object's text (codec_stix_kept.c) with the sharing Kizuna applies to it:
 * object_marking_refs, x_kizuna_recipients (organization ids) and x_kizuna_allow_clients
 * are replaced when they say something else than tlp, recipients and allow_clients (the
 * non-TLP marking refs stay); otherwise, and for a text that is not a compact object,
 * the text as it is. *markings (may be NULL): kz_stix_marking_bit of every TLP marking
 * the written object refers to. KZ_ENOMEM/KZ_ETOOBIG from the buffer. */
kz_rc kz_stix_write_kept(kz_buf *b, const char *json, int tlp, const kz_strlist *recipients, bool allow_clients,
                         unsigned *markings);

/* Calls fn for each marking definition id a kept text's object_marking_refs names, TLP
 * or not, in the order written; nothing for a text that is not a compact object or has
 * no such refs. The id lives until fn returns. */
void kz_stix_each_marking_ref(const char *json, void (*fn)(void *ctx, const char *id), void *ctx);

/* The most restrictive TLP label a text's object_marking_refs name itself, -1 none. */
int kz_stix_text_tlp(const char *json);

/* 1 << label for the TLP 2.0 marking definitions, 1 << (5 + i) for the TLP 1.0 ones
 * (white, green, amber, red); 0 for any other id. */
unsigned kz_stix_marking_bit(const char *id);
/* Appends the marking definition of a bit number (0-8) of kz_stix_marking_bit. */
kz_rc kz_stix_write_marking_bit(kz_buf *b, unsigned bit);

/* The JSON text without the blanks between tokens, NUL-terminated, in a; everything else
 * (numbers, strings, the order of keys) byte for byte. NULL when out of memory. */
char *kz_stix_squeeze(kz_arena *a, const char *text, size_t len, size_t *out_len);

/* '{"type":"bundle","id":"bundle--<uuid>"' with a new random id; the caller writes
 * ',"objects":[...]' only when there is an object (an empty list is not allowed). */
kz_rc kz_stix_write_bundle_head(kz_buf *b);

/* The STIX id of a Kizuna object: "indicator--<id>". Kizuna ids are UUIDs that STIX
 * accepts as they are (see kz_uuid_ordered for the time-ordered indicator ids). */
char *kz_stix_id(kz_arena *a, const char *type, const char *id);

/* The Kizuna id inside a STIX id of the given type ("indicator--<uuid>" -> "<uuid>"),
 * or NULL when id is not of that type or not a UUID. */
const char *kz_stix_uuid(const char *id, const char *type);

#endif
