/* Field tables of incidents, timeline entries, indicators and sightings. The order of
 * each table is the column order the store uses, so add new fields at the end. */
#include "model/sharing.h"

#include "model/law.h"
#include "model/taxonomy.h"
#include "model/validate.h"

#include <stddef.h>

/* The wire names of indicator types belong to the normalizer, the one place that says
 * what each type is (codec/sharing/indicator_norm.h); the table only points at them. */
extern const kz_enum kz_ind_type_enum;

#define F(st, nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(st, nm), fl, mx, en, ck}
#define COMMON(st)                                                                         \
    F(st, id, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),                                  \
    F(st, created, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),                             \
    F(st, modified, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL)
#define SHARING(st, tlp_flags)                                                             \
    F(st, tlp, KZ_FT_ENUM, tlp_flags, 0, &kz_tlp_enum, NULL),                              \
    F(st, recipients, KZ_FT_STRLIST, 0, KZ_RECIPIENTS_MAX, NULL, kz_valid_uuid),           \
    F(st, allow_clients, KZ_FT_BOOL, 0, 0, NULL, NULL)
#define SCHEMA(var, label, table) \
    const kz_schema var = {label, table, sizeof table / sizeof *table}

#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_incident_status_enum, "incident status", "open", "contained", "resolved", "closed");
KZ_ENUM(kz_upsert_enum, "upsert result", "created", "merged", "unchanged");
KZ_ENUM(kz_timeline_kind_enum, "timeline entry kind", "note", "status", "created");

static const kz_field incident_fields[] = {
    COMMON(kz_incident),
    F(kz_incident, organization, KZ_FT_STR, KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
    F(kz_incident, title, KZ_FT_STR, KZ_FF_REQUIRED, 300, NULL, NULL),
    F(kz_incident, description, KZ_FT_TEXT, 0, 20000, NULL, NULL),
    F(kz_incident, rsit_class, KZ_FT_STR, 0, 64, NULL, kz_valid_rsit_class),
    F(kz_incident, rsit_type, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, kz_valid_rsit_type),
    F(kz_incident, sector, KZ_FT_STR, 0, 64, NULL, kz_valid_nis2_sector),
    F(kz_incident, states, KZ_FT_STRLIST, 0, 250, NULL, kz_valid_country),
    F(kz_incident, impact, KZ_FT_STR, 0, 16, NULL, kz_valid_impact),
    F(kz_incident, status, KZ_FT_ENUM, 0, 0, &kz_incident_status_enum, NULL),
    F(kz_incident, occurred, KZ_FT_TIME, 0, 0, NULL, NULL),
    SHARING(kz_incident, KZ_FF_REQUIRED),
    F(kz_incident, labels, KZ_FT_STRLIST, 0, KZ_LABELS_MAX, NULL, NULL),
    F(kz_incident, norms, KZ_FT_STRLIST, KZ_FF_NOSTORE, 11, NULL, kz_valid_norm_letter),
    F(kz_incident, exercise, KZ_FT_STR, KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
};
SCHEMA(kz_incident_schema, "incident", incident_fields);

static const kz_field sharing_draft_fields[] = {
    F(kz_sharing_draft, organization, KZ_FT_STR, 0, 36, NULL, kz_valid_uuid),
    SHARING(kz_sharing_draft, KZ_FF_REQUIRED),
};
SCHEMA(kz_sharing_draft_schema, "sharing", sharing_draft_fields);

static const kz_field timeline_fields[] = {
    COMMON(kz_timeline_entry),
    F(kz_timeline_entry, incident, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_timeline_entry, at, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(kz_timeline_entry, kind, KZ_FT_ENUM, KZ_FF_READONLY, 0, &kz_timeline_kind_enum, NULL),
    F(kz_timeline_entry, organization, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_timeline_entry, text, KZ_FT_TEXT, KZ_FF_REQUIRED, 4000, NULL, NULL),
};
SCHEMA(kz_timeline_schema, "timeline entry", timeline_fields);

static const kz_field indicator_fields[] = {
    COMMON(kz_indicator),
    F(kz_indicator, type, KZ_FT_ENUM, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 0, &kz_ind_type_enum, NULL),
    F(kz_indicator, value, KZ_FT_STR, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 8192, NULL, NULL),
    F(kz_indicator, source, KZ_FT_STR, KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
    F(kz_indicator, registrable, KZ_FT_STR, KZ_FF_READONLY, 253, NULL, NULL),
    SHARING(kz_indicator, KZ_FF_REQUIRED),
    F(kz_indicator, confidence, KZ_FT_INT, 0, 100, NULL, NULL),
    F(kz_indicator, first_seen, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(kz_indicator, last_seen, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(kz_indicator, valid_until, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(kz_indicator, description, KZ_FT_TEXT, 0, 4000, NULL, NULL),
    F(kz_indicator, context_only, KZ_FT_BOOL, 0, 0, NULL, NULL),
    F(kz_indicator, labels, KZ_FT_STRLIST, 0, KZ_LABELS_MAX, NULL, NULL),
    F(kz_indicator, exercise, KZ_FT_STR, KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
    F(kz_indicator, incidents, KZ_FT_STRLIST, KZ_FF_NOSTORE, 100, NULL, kz_valid_uuid),
};
SCHEMA(kz_indicator_schema, "indicator", indicator_fields);

static const kz_field sighting_fields[] = {
    COMMON(kz_sighting),
    F(kz_sighting, indicator, KZ_FT_STR, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
    F(kz_sighting, observer, KZ_FT_STR, KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
    F(kz_sighting, count, KZ_FT_INT, 0, 1000000000000, NULL, NULL),
    F(kz_sighting, first_seen, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(kz_sighting, last_seen, KZ_FT_TIME, 0, 0, NULL, NULL),
    SHARING(kz_sighting, 0),  /* default amber: see kz_svc_sighting_add */
    F(kz_sighting, exercise, KZ_FT_STR, KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
};
SCHEMA(kz_sighting_schema, "sighting", sighting_fields);

static const kz_field sighting_sum_fields[] = {
    F(kz_sighting_sum, indicator, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_sighting_sum, observer, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_sighting_sum, count, KZ_FT_INT, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_sighting_sum, reports, KZ_FT_INT, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_sighting_sum, first_seen, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_sighting_sum, last_seen, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
};
SCHEMA(kz_sighting_sum_schema, "sighting summary", sighting_sum_fields);

unsigned kz_indicator_given(kz_fieldset fields)
{
    static const struct {
        const char *name;
        unsigned bit;
    } map[] = {
        {"tlp", KZ_GIVEN_TLP}, {"recipients", KZ_GIVEN_RECIPIENTS},
        {"allow_clients", KZ_GIVEN_ALLOW_CLIENTS}, {"confidence", KZ_GIVEN_CONFIDENCE},
        {"first_seen", KZ_GIVEN_FIRST_SEEN}, {"last_seen", KZ_GIVEN_LAST_SEEN},
        {"valid_until", KZ_GIVEN_VALID_UNTIL}, {"description", KZ_GIVEN_DESCRIPTION},
        {"context_only", KZ_GIVEN_CONTEXT_ONLY},
    };
    unsigned bits = 0;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        int f = kz_schema_find(&kz_indicator_schema, map[i].name);
        if (f >= 0 && (fields & ((kz_fieldset)1 << f)))
            bits |= map[i].bit;
    }
    return bits;
}

#define SUBJECT(o, src, ex)                                                                \
    (kz_tlp_subject){(o)->tlp, (src), (const char *const *)(o)->recipients.v,               \
                     (o)->recipients.n, (o)->allow_clients, (ex)}

kz_tlp_subject kz_incident_subject(const kz_incident *o) { return SUBJECT(o, o->organization, o->exercise); }
kz_tlp_subject kz_indicator_subject(const kz_indicator *o) { return SUBJECT(o, o->source, o->exercise); }
kz_tlp_subject kz_sighting_subject(const kz_sighting *o) { return SUBJECT(o, o->observer, o->exercise); }
kz_tlp_subject kz_draft_subject(const kz_sharing_draft *o) { return SUBJECT(o, o->organization, NULL); }
