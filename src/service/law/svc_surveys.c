/* National surveys of implementation: versions kept with their organization, a
 * printable page, publication into the policy library (surveys.h says the rules). */
#include "service/law/surveys.h"

#include "service/core/tlp.h"
#include "service/sharing/sharing.h"
#include "store/directory/directory.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static bool own(const kz_call *c, const kz_survey *s)
{
    kz_tlp_subject subj = {KZ_TLP_AMBER_STRICT, s->organization, NULL, 0, false};
    return kz_tlp_visible(&c->who, &subj);
}

/* Version `version` (0 = latest) if the caller's organization holds it, else KZ_ENOTFOUND. */
static kz_rc own_survey(kz_call *c, const char *id, int64_t version, kz_survey *out)
{
    kz_err e;
    kz_rc rc = kz_store_survey_get(c->db, id, version, c->arena, out, &e);
    if (rc && rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, e.field, "%s", e.msg);
    if (rc || !own(c, out))
        return kz_fail(c->err, KZ_ENOTFOUND, "survey", "no survey %.40s%s", id, version ? " in that version" : "");
    return KZ_OK;
}

static kz_rc defaults(kz_call *c, kz_survey *o)
{
    if (!o->state) {
        kz_org org;
        kz_rc rc = kz_store_org_get(c->db, o->organization, c->arena, &org, c->err);
        if (rc)
            return rc;
        o->state = org.state;
    }
    if (!o->period) {
        time_t now = (time_t)(kz_now_ms() / 1000);
        struct tm tm;
        gmtime_r(&now, &tm);
        o->period = kz_arena_printf(c->arena, "%04d", tm.tm_year + 1900);
    }
    return o->period ? KZ_OK : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_svc_survey_create(kz_call *c, kz_survey *o)
{
    kz_rc rc = kz__law_write_begin(c, &o->id, &o->version, &o->created, &o->modified, &o->organization);
    if (rc)
        return rc;
    o->document = NULL;
    if (!rc)
        rc = defaults(c, o);
    if (!rc)
        rc = kz_store_survey_insert(c->db, o, c->err);
    if (!rc)
        rc = kz_audit(c, "survey.create", "survey", o->id, o->period);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_survey_get(kz_call *c, const char *id, int64_t version, kz_survey *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : own_survey(c, id, version, out);
}

/* Writes s as the next version of itself. */
static kz_rc next_version(kz_call *c, kz_survey *s, kz_time before)
{
    s->version++;
    s->modified = kz_now_ms();
    if (s->modified <= before)
        s->modified = before + 1;
    return kz_store_survey_insert(c->db, s, c->err);
}

kz_rc kz_svc_survey_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_survey *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = own_survey(c, id, 0, out);
    kz_time before = rc ? 0 : out->modified;
    if (!rc)
        rc = apply(out, ctx, c->err);
    if (!rc)
        rc = defaults(c, out);
    if (!rc)
        rc = next_version(c, out, before);
    if (!rc)
        rc = kz_audit(c, "survey.version", "survey", id, kz_arena_printf(c->arena, "version %lld", (long long)out->version));
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_survey_versions(kz_call *c, const char *id, const kz_page *pg, kz_survey_page *out)
{
    kz_survey latest;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = own_survey(c, id, 0, &latest);
    return rc ? rc : kz_store_survey_versions(c->db, id, pg, c->arena, out, c->err);
}

kz_rc kz_svc_survey_list(kz_call *c, const kz_page *pg, kz_survey_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : kz_store_survey_list(c->db, c->who.org, pg, c->arena, out, c->err);
}

/* The library document a survey version is published as. */
static kz_rc as_document(kz_call *c, const kz_survey *s, kz_document *d, kz_buf *page, kz_buf *text)
{
    static const char *const part_topics[] = {"international-law", "norms", "cbms", "capacity-building"};
    const char *const part_answers[] = {s->international_law, NULL, s->cbms, s->capacity_building};
    size_t n;
    kz_norms(&n);
    memset(d, 0, sizeof *d);
    kz_document_defaults(d);
    d->id = s->document;
    d->state = s->state;
    d->type = KZ_DOC_NATIONAL_SURVEY;
    d->title = kz_arena_printf(c->arena, "National survey of implementation: %s, %s", s->state, s->period);
    d->title_en = d->title;
    d->adopted = NULL;
    d->provenance = kz_enum_parse(&kz_doc_provenance_enum, "submitted");
    d->norms.v = kz_arena_calloc(c->arena, n, sizeof *d->norms.v);
    d->topics.v = kz_arena_calloc(c->arena, 4, sizeof *d->topics.v);
    if (!d->title || !d->norms.v || !d->topics.v)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *letter = kz_norms(&n)[i].letter;
        if (kz_survey_norm(s, letter))
            d->norms.v[d->norms.n++] = (char *)letter;
    }
    for (size_t i = 0; i < 4; i++)
        if (i == 1 ? d->norms.n > 0 : part_answers[i] != NULL)
            d->topics.v[d->topics.n++] = (char *)part_topics[i];
    if (kz_survey_html(s, "en", page) || kz_survey_text(s, text))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    d->text = text->p;
    return KZ_OK;
}

kz_rc kz_svc_survey_publish(kz_call *c, const char *id, kz_document *doc)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_survey s;
    kz_buf page, text;
    kz_buf_init(&page, 8u << 20);
    kz_buf_init(&text, 8u << 20);
    rc = own_survey(c, id, 0, &s);
    kz_time before = rc ? 0 : s.modified;
    if (!rc)
        rc = as_document(c, &s, doc, &page, &text);
    /* in the arena: the document answered names its file (a stack buffer would be gone) */
    char *name = kz_arena_printf(c->arena, "survey-%s.html", !rc && s.period ? s.period : "");
    if (!rc && !name)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_document_file file = {name, "text/html", (const unsigned char *)page.p, page.len};
    if (!rc)
        rc = kz__document_put(c, doc, &file);
    if (!rc && !(s.document = kz_arena_strdup(c->arena, doc->id)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = next_version(c, &s, before);
    if (!rc)
        rc = kz_audit(c, "survey.publish", "survey", id, doc->id);
    if (!rc)
        rc = kz_audit(c, doc->version == 1 ? "document.create" : "document.version", "document", doc->id, "clear");
    if (!rc && !(doc->text = kz_arena_strdup(c->arena, text.p ? text.p : "")))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_buf_free(&page);
    kz_buf_free(&text);
    return kz_tx_end(c, rc);
}
