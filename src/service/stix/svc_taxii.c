/* TAXII 2.1 collections: one per TLP label, holding the indicators, incidents (as
 * reports), sightings and kept STIX objects of that label, with the identities of the
 * organizations they name and the label's marking definition. Pages come from the store's
 * collection query, which filters with kz_visible; every native object is read again
 * and asked of kz_tlp_visible before its STIX text is written. Stored texts (kept
 * objects, and imported native objects as they came) are written with the sharing the
 * row is served under. */
#include "service/stix/taxii.h"

#include "service/directory/orgs.h"
#include "service/exercises/exercises.h"
#include "service/sharing/sharing.h"
#include "service/statements/statements.h"
#include "service/stix/stix_export.h"

#include <string.h>

/* Fixed ids, so that clients can keep their configuration across restarts. */
static const char *const collection_ids[5] = {
    [KZ_TLP_CLEAR] = "5b0d4c1e-8f6a-4c39-9a51-0c3f2b7d6e01",
    [KZ_TLP_GREEN] = "5b0d4c1e-8f6a-4c39-9a51-0c3f2b7d6e02",
    [KZ_TLP_AMBER] = "5b0d4c1e-8f6a-4c39-9a51-0c3f2b7d6e03",
    [KZ_TLP_AMBER_STRICT] = "5b0d4c1e-8f6a-4c39-9a51-0c3f2b7d6e04",
    [KZ_TLP_RED] = "5b0d4c1e-8f6a-4c39-9a51-0c3f2b7d6e05",
};
static const char statements_id[] = "5b0d4c1e-8f6a-4c39-9a51-0c3f2b7d6e10";

kz_rc kz_svc_taxii_collections(kz_call *c, kz_taxii_collection out[KZ_TAXII_COLLECTIONS], size_t *n)
{
    kz_rc rc = kz__sharing_read(c);
    *n = 0;
    if (rc)
        return rc;
    bool member = c->who.key_id != NULL;
    for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++) {
        if (!member && t != KZ_TLP_CLEAR)
            break;
        out[(*n)++] = (kz_taxii_collection){collection_ids[t], t, true, member && c->who.role >= KZ_ROLE_ANALYST};
    }
    out[(*n)++] = (kz_taxii_collection){statements_id, -1, true, false};
    if (!member || c->who.role < KZ_ROLE_ANALYST || !c->who.n_exercises)
        return KZ_OK;
    const char *ids[KZ_TAXII_RUNS], *titles[KZ_TAXII_RUNS];
    size_t runs = kz_svc_exercise_writable(c, ids, titles, KZ_TAXII_RUNS);
    for (size_t i = 0; i < runs; i++)
        out[(*n)++] = (kz_taxii_collection){ids[i], KZ_TLP_AMBER, false, true, ids[i],
                                            kz_arena_printf(c->arena, "EXERCISE: %s", titles[i])};
    return KZ_OK;
}

kz_rc kz_svc_taxii_collection(kz_call *c, const char *id, kz_taxii_collection *out)
{
    kz_taxii_collection all[KZ_TAXII_COLLECTIONS];
    size_t n;
    kz_rc rc = kz_svc_taxii_collections(c, all, &n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].id, id) == 0) {
            *out = all[i];
            return KZ_OK;
        }
    return kz_fail(c->err, KZ_ENOTFOUND, "collection", "no collection %.40s", id);
}

/* The number of the one bit set in a kz_stix_marking_bit (99 for none). */
static unsigned bit_number(unsigned bit)
{
    for (unsigned i = 0; i < 9; i++)
        if (bit == 1u << i)
            return i;
    return 99;
}

/* The STIX text of one row, or NULL when the object is no longer visible (it changed
 * between the query and the read). */
static kz_rc render(kz_call *c, const kz_taxii_row *r, char **text)
{
    kz_buf b;
    kz_buf_init(&b, (size_t)KZ_STIX_OBJECT_MAX * 2);
    kz_err e;
    kz_rc rc = KZ_OK;
    bool visible = false;
    *text = NULL;
    if (r->kind == 'x') {  /* kept or imported text, under the sharing it is served with,
                              its recipients as the caller is shown them (sharing.h) */
        kz_strlist shown = r->recipients;
        kz__show_recipients(c, r->source, r->tlp, r->allow_clients, &shown);
        rc = kz_stix_write_kept(&b, r->json, r->tlp, &shown, r->allow_clients, NULL);
        visible = true;
    } else if (r->kind == 'k') {  /* what an object served to the caller refers to: as kept */
        rc = kz_buf_puts(&b, r->json);
        visible = true;
    } else if (r->kind == 'i') {
        kz_indicator o;
        if (!kz_store_indicator_get(c->db, &c->who, r->kz_id, c->arena, &o, &e)) {
            kz_tlp_subject s = kz_indicator_subject(&o);
            if ((visible = kz_tlp_visible(&c->who, &s))) {
                kz__show_indicator(c, &o);
                rc = kz_stix_write_indicator(&b, &o);
            }
        }
    } else if (r->kind == 'r') {
        kz_incident o;
        if (!kz_store_incident_get(c->db, r->kz_id, c->arena, &o, &e)) {
            kz_tlp_subject s = kz_incident_subject(&o);
            if ((visible = kz_tlp_visible(&c->who, &s))) {
                kz__show_incident(c, &o);
                rc = kz__stix_write_incident(c, &b, &o, c->arena);
            }
        }
    } else if (r->kind == 'm') {
        rc = r->n ? kz_stix_write_marking_bit(&b, bit_number(kz_stix_marking_bit(r->id)))
                  : kz_stix_write_marking(&b, r->tlp);
        visible = true;
    } else if (r->kind == 'o') {  /* as far as the caller may read the directory */
        kz_org o;
        kz_err *saved = c->err;
        c->err = &e;
        if ((visible = kz_svc_org_get(c, r->kz_id, &o) == KZ_OK))
            rc = kz_stix_write_identity(&b, &o);
        c->err = saved;
    } else if (r->kind == 's') {
        kz_sighting o;
        if (!kz_store_sighting_get(c->db, r->kz_id, c->arena, &o, &e)) {
            kz_tlp_subject s = kz_sighting_subject(&o);
            /* a sighting shows its indicator: only to those who may see that too */
            if ((visible = kz_tlp_visible(&c->who, &s) && !kz__hidden(c, 'i', o.indicator))) {
                kz__show_sighting(c, &o);
                rc = kz_stix_write_sighting(&b, &o);
            }
        }
    }
    if (!rc && visible && !(*text = kz_arena_strndup(c->arena, b.p, b.len)))
        rc = KZ_ENOMEM;
    kz_buf_free(&b);
    return rc ? kz_fail(c->err, rc, NULL, "%s", kz_strerror(rc)) : KZ_OK;
}

kz_rc kz_svc_taxii_list(kz_call *c, const kz_taxii_collection *col, kz_taxii_filter *f, bool with_objects,
                        kz_taxii_page *out)
{
    memset(out, 0, sizeof *out);
    kz_rc rc = kz__sharing_read(c);
    if (rc)
        return rc;
    if (col->tlp < 0)
        return kz_svc_statement_taxii(c, f, with_objects, out);
    f->tlp = col->tlp;
    f->marking_id = kz_stix_tlp_marking[col->tlp];
    f->marking_created = KZ_STIX_TLP2_CREATED;
    f->marking1_id = kz_stix_tlp1_marking(col->tlp);
    f->marking1_created = KZ_STIX_TLP1_CREATED;
    kz_buf above;
    kz_buf_init(&above, 4096);
    if ((rc = kz_stix_markings_above(&above, col->tlp)) ||
        !(f->markings_above = kz_arena_strndup(c->arena, above.p, above.len)))
        rc = kz_fail(c->err, rc ? rc : KZ_ENOMEM, NULL, NULL);
    kz_buf_free(&above);
    if (rc)
        return rc;
    if ((rc = kz_rtx_begin(c)))
        return rc;
    kz_taxii_row *rows;
    size_t n;
    rc = kz_store_taxii_list(c->db, &c->who, f, c->arena, &rows, &n, &out->more, c->err);
    if (!rc && with_objects && n && !(out->texts = kz_arena_calloc(c->arena, n, sizeof *out->texts)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    /* drop rows whose object vanished or changed label since the query */
    size_t kept = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        char *text = NULL;
        if (with_objects && (rc = render(c, &rows[i], &text)))
            break;
        if (with_objects && !text)
            continue;
        rows[kept] = rows[i];
        if (with_objects)
            out->texts[kept] = text;
        kept++;
    }
    kz_rtx_end(c);
    out->rows = rows;
    out->n = kept;
    return rc;
}

kz_rc kz_svc_taxii_status_save(kz_call *c, const char *id, kz_time created, const char *body)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_taxii_status_put(c->db, id, created, c->who.org, body, c->err);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_taxii_status_get(kz_call *c, const char *id, char **body)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : kz_store_taxii_status_get(c->db, id, c->who.org, c->arena, body, c->err);
}
