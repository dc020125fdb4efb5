/* Writing STIX 2.1: Kizuna objects as compact JSON text, straight into a buffer. Every
 * object carries spec_version, millisecond timestamps, created_by_ref (the source
 * organization's identity) and the TLP 2.0 marking, so that each is valid on its own
 * against the STIX 2.1 schemas (tests/integration/test_stix.py checks them). */
#include "codec/stix/stix.h"

#include "codec/sharing/indicator_norm.h"
#include "codec/stix/stix_pattern.h"
#include "crypto/crypto.h"
#include "model/enums.h"
#include "util/json_text.h"

#include <stdio.h>
#include <string.h>

enum { PATTERN_SCRATCH = 512 };

/* ,"key":<time> */
static kz_rc put_time(kz_buf *b, const char *key, kz_time t)
{
    char ts[40];
    kz_time_format(t, ts, sizeof ts);
    return kz_buf_printf(b, ",\"%s\":\"%s\"", key, ts);
}

/* ,"key":"<text>" when s is set */
static kz_rc put_str(kz_buf *b, const char *key, const char *s)
{
    if (!s)
        return KZ_OK;
    kz_rc rc = kz_buf_printf(b, ",\"%s\":", key);
    return rc ? rc : kz_json_text_str(b, s);
}

/* ,"labels":["...",...] when there are labels (STIX's common property) */
static kz_rc put_labels(kz_buf *b, const kz_strlist *l)
{
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < l->n; i++)
        if (!(rc = kz_buf_puts(b, i ? "," : ",\"labels\":[")))
            rc = kz_json_text_str(b, l->v[i]);
    return rc || !l->n ? rc : kz_buf_puts(b, "]");
}

/* The STIX id of a Kizuna object of type, between before and after. */
static kz_rc put_ref(kz_buf *b, const char *before, const char *type, const char *id, const char *after)
{
    return kz_buf_printf(b, "%s%s--%s%s", before, type, id, after);
}

/* {"type":"<type>","spec_version":"2.1","id":"<type>--<id>","created":..,"modified":.. */
static kz_rc head(kz_buf *b, const char *type, const char *id, kz_time created, kz_time modified)
{
    kz_rc rc = kz_buf_printf(b, "{\"type\":\"%s\",\"spec_version\":\"2.1\"", type);
    if (!rc)
        rc = put_ref(b, ",\"id\":\"", type, id, "\"");
    if (!rc)
        rc = put_time(b, "created", created);
    return rc ? rc : put_time(b, "modified", modified < created ? created : modified);
}

/* The sharing fields: created_by_ref, the TLP marking, recipients, allow_clients. */
static kz_rc sharing(kz_buf *b, const char *source, int tlp, const kz_strlist *recipients, bool allow_clients)
{
    kz_rc rc = source ? kz_buf_printf(b, ",\"created_by_ref\":\"identity--%s\"", source) : KZ_OK;
    if (!rc && tlp >= KZ_TLP_CLEAR && tlp <= KZ_TLP_RED)
        rc = kz_buf_printf(b, ",\"object_marking_refs\":[\"%s\"]", kz_stix_tlp_marking[tlp]);
    for (size_t i = 0; !rc && i < recipients->n; i++)
        rc = kz_buf_printf(b, "%s\"identity--%s\"", i ? "," : ",\"x_kizuna_recipients\":[", recipients->v[i]);
    if (!rc && recipients->n)
        rc = kz_buf_puts(b, "]");
    if (!rc && allow_clients)
        rc = kz_buf_puts(b, ",\"x_kizuna_allow_clients\":true");
    return rc;
}

kz_rc kz_stix_write_marking(kz_buf *b, int tlp)
{
    static const char *const names[] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"};
    if (tlp < KZ_TLP_CLEAR || tlp > KZ_TLP_RED)
        return KZ_EINVAL;
    return kz_buf_printf(b,
                         "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                         "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"%s\",\"extensions\":"
                         "{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
                         "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"%s\"}}}",
                         kz_stix_tlp_marking[tlp], names[tlp], kz_enum_name(&kz_tlp_enum, tlp));
}

kz_rc kz_stix_write_identity(kz_buf *b, const kz_org *o)
{
    kz_rc rc = head(b, "identity", o->id, o->created, o->modified);
    if (!rc)
        rc = put_str(b, "name", o->name);
    if (!rc)
        rc = put_str(b, "description", o->description);
    if (!rc)
        rc = kz_buf_puts(b, ",\"identity_class\":\"organization\"");
    if (!rc)
        rc = put_str(b, "x_kizuna_state", o->state);
    if (!rc)
        rc = put_str(b, "x_kizuna_kind", kz_enum_name(&kz_org_kind_enum, o->kind));
    return rc ? rc : kz_buf_puts(b, "}");
}

kz_rc kz_stix_write_banner(kz_buf *b, const char *exercise, kz_time created, const char *org, const char *banner)
{
    kz_rc rc = head(b, "note", exercise, created, created);
    if (!rc)
        rc = kz_buf_printf(b, ",\"created_by_ref\":\"identity--%s\"", org);
    if (!rc)
        rc = put_str(b, "abstract", banner);
    if (!rc)
        rc = put_str(b, "content", banner);
    if (!rc)
        rc = kz_buf_printf(b, ",\"object_refs\":[\"identity--%s\"]", org);
    return rc ? rc : kz_buf_puts(b, "}");
}

kz_rc kz_stix_write_indicator(kz_buf *b, const kz_indicator *o)
{
    kz_rc rc = head(b, "indicator", o->id, o->created, o->modified);
    if (!rc)
        rc = sharing(b, o->source, o->tlp, &o->recipients, o->allow_clients);
    if (!rc)
        rc = put_str(b, "name", o->value);
    if (!rc)
        rc = put_str(b, "description", o->description);
    if (!rc)  /* what Kizuna shares is indicators of malicious activity */
        rc = kz_buf_puts(b, ",\"indicator_types\":[\"malicious-activity\"]");
    if (!rc)
        rc = put_labels(b, &o->labels);
    if (!rc)
        rc = kz_buf_puts(b, ",\"pattern\":");
    if (!rc) {
        /* the pattern is written into a scratch buffer, then escaped as a JSON string */
        char scratch[PATTERN_SCRATCH];
        kz_buf pat = {.p = NULL, .len = 0, .cap = 0, .max = (size_t)KZ_PATTERN_MAX};
        size_t need = strlen(o->value) * 2 + 64;
        if (need <= sizeof scratch) {
            pat.p = scratch;
            pat.cap = sizeof scratch;
            pat.max = sizeof scratch - 1;
        }
        rc = kz_stix_pattern_write(&pat, o->type, o->value);
        if (!rc)
            rc = kz_json_text_strn(b, pat.p, pat.len);
        if (pat.p != scratch)
            kz_buf_free(&pat);
    }
    if (!rc)
        rc = kz_buf_puts(b, ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\"");
    /* valid_until must be later than valid_from */
    kz_time from = o->first_seen ? o->first_seen : o->created;
    if (o->valid_until && from >= o->valid_until)
        from = o->valid_until - 1;
    if (!rc)
        rc = put_time(b, "valid_from", from);
    if (!rc && o->valid_until)
        rc = put_time(b, "valid_until", o->valid_until);
    if (!rc)
        rc = kz_buf_printf(b, ",\"confidence\":%d", (int)o->confidence);
    if (!rc && o->last_seen)
        rc = put_time(b, "x_kizuna_last_seen", o->last_seen);
    if (!rc && o->context_only)  /* MISP's to_ids false: context, not for detection */
        rc = kz_buf_puts(b, ",\"x_kizuna_context_only\":true");
    return rc ? rc : kz_buf_puts(b, "}");
}

kz_rc kz_stix_write_incident(kz_buf *b, const kz_incident *o, const char *const *indicators, size_t n)
{
    kz_rc rc = head(b, "report", o->id, o->created, o->modified);
    if (!rc)
        rc = sharing(b, o->organization, o->tlp, &o->recipients, o->allow_clients);
    if (!rc)
        rc = put_str(b, "name", o->title);
    if (!rc)
        rc = put_str(b, "description", o->description);
    if (!rc)
        rc = put_labels(b, &o->labels);
    if (!rc)
        rc = kz_buf_puts(b, ",\"report_types\":[\"threat-report\"]");
    if (!rc)
        rc = put_time(b, "published", o->created);
    /* object_refs needs at least one reference: the reporting organization is always
     * there, the linked indicators follow */
    if (!rc)
        rc = kz_buf_printf(b, ",\"object_refs\":[\"identity--%s\"", o->organization);
    for (size_t i = 0; !rc && i < n; i++)
        rc = put_ref(b, ",\"", "indicator", indicators[i], "\"");
    if (!rc)
        rc = kz_buf_puts(b, "],\"x_kizuna_incident\":{\"rsit_class\":");
    if (!rc)
        rc = kz_json_text_str(b, o->rsit_class);
    if (!rc)
        rc = kz_buf_puts(b, ",\"rsit_type\":");
    if (!rc)
        rc = kz_json_text_str(b, o->rsit_type);
    if (!rc)
        rc = put_str(b, "sector", o->sector);
    if (!rc)
        rc = put_str(b, "impact", o->impact);
    for (size_t i = 0; !rc && i < o->states.n; i++)
        rc = kz_buf_printf(b, "%s\"%s\"", i ? "," : ",\"states\":[", o->states.v[i]);
    if (!rc && o->states.n)
        rc = kz_buf_puts(b, "]");
    for (size_t i = 0; !rc && i < o->norms.n; i++)  /* letters a..k, checked on the way in */
        rc = kz_buf_printf(b, "%s\"%s\"", i ? "," : ",\"norms\":[", o->norms.v[i]);
    if (!rc && o->norms.n)
        rc = kz_buf_puts(b, "]");
    if (!rc)
        rc = put_str(b, "status", kz_enum_name(&kz_incident_status_enum, o->status));
    if (!rc && o->occurred)
        rc = put_time(b, "occurred", o->occurred);
    return rc ? rc : kz_buf_puts(b, "}}");
}

kz_rc kz_stix_write_sighting(kz_buf *b, const kz_sighting *s)
{
    kz_rc rc = head(b, "sighting", s->id, s->created, s->modified);
    if (!rc)
        rc = sharing(b, s->observer, s->tlp, &s->recipients, s->allow_clients);
    if (!rc)
        rc = put_ref(b, ",\"sighting_of_ref\":\"", "indicator", s->indicator, "\"");
    if (!rc)
        rc = put_ref(b, ",\"where_sighted_refs\":[\"", "identity", s->observer, "\"]");
    if (!rc)
        rc = kz_buf_printf(b, ",\"count\":%lld", (long long)(s->count > 999999999 ? 999999999 : s->count));
    if (!rc && s->first_seen)
        rc = put_time(b, "first_seen", s->first_seen);
    if (!rc && s->last_seen)
        rc = put_time(b, "last_seen", s->last_seen);
    return rc ? rc : kz_buf_puts(b, "}");
}

kz_rc kz_stix_write_bundle_head(kz_buf *b)
{
    char id[KZ_UUID_TEXT];
    kz_uuid4(id);
    return kz_buf_printf(b, "{\"type\":\"bundle\",\"id\":\"bundle--%s\"", id);
}
