/* The policy library: documents as versions under TLP, their stored copies, search,
 * comparison across states, export and import (documents.h says the rules). */
#include "service/law/documents.h"

#include "crypto/crypto.h"
#include "service/sharing/sharing.h"

#include <stdio.h>
#include <string.h>

enum { HISTORY_MAX = 1000, COMPARE_MAX_STATES = 50 };

static kz_tlp_subject doc_subject(const kz_document *o)
{
    return (kz_tlp_subject){o->tlp, o->organization, (const char *const *)o->recipients.v, o->recipients.n,
                            o->allow_clients};
}

static void show(const kz_call *c, kz_document *o)
{
    kz__show_recipients(c, o->organization, o->tlp, o->allow_clients, &o->recipients);
}

/* Version `version` (0 = latest) if the caller may see it, else KZ_ENOTFOUND as if it
 * did not exist. */
static kz_rc visible_document(kz_call *c, const char *id, int64_t version, kz_document *out)
{
    kz_err e;
    kz_rc rc = kz_store_document_get(c->db, id, version, c->arena, out, &e);
    if (rc && rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, e.field, "%s", e.msg);
    kz_tlp_subject s = rc ? (kz_tlp_subject){0} : doc_subject(out);
    if (rc || !kz_tlp_visible(&c->who, &s))
        return kz_fail(c->err, KZ_ENOTFOUND, "document", "no document %.40s%s", id, version ? " in that version" : "");
    return KZ_OK;
}

/* Relations must name other documents the caller may see. */
static kz_rc check_relations(kz_call *c, const kz_document *o)
{
    const struct {
        const char *name;
        const kz_strlist *l;
    } rel[] = {{"amends", &o->amends}, {"supersedes", &o->supersedes}, {"implements", &o->implements}};
    for (size_t r = 0; r < sizeof rel / sizeof *rel; r++)
        for (size_t i = 0; i < rel[r].l->n; i++) {
            kz_document other;
            char field[32];
            snprintf(field, sizeof field, "%s[%zu]", rel[r].name, i);
            if ((o->id && strcmp(rel[r].l->v[i], o->id) == 0) ||
                visible_document(c, rel[r].l->v[i], 0, &other))
                return kz_fail(c->err, KZ_EINVAL, field, "%s names no other document of the library", field);
        }
    return KZ_OK;
}

/* The copy given with a write: checked, stored by hash, and named on the version. */
static kz_rc put_file(kz_call *c, kz_document *o, const kz_document_file *file)
{
    if (!file)
        return KZ_OK;
    if (file->size > KZ_DOC_FILE_MAX)
        return kz_fail(c->err, KZ_ETOOBIG, "file", "the stored copy may be at most %d bytes", KZ_DOC_FILE_MAX);
    char *hex = kz_arena_alloc(c->arena, KZ_HASH_HEX);
    if (!hex)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_sha256_hex(file->data, file->size, hex);
    o->sha256 = hex;
    o->file_size = (int64_t)file->size;
    o->file_name = (char *)(file->name ? file->name : "document");
    o->file_type = (char *)(file->media_type ? file->media_type : "application/octet-stream");
    return kz_store_document_file_put(c->db, hex, file->data, file->size, c->err);
}

static kz_rc seal(kz_call *c, kz_document *o)
{
    char *hex = kz_arena_alloc(c->arena, KZ_HASH_HEX);
    if (!hex)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    o->hash = NULL;
    kz_rc rc = kz_document_hash(o, hex, c->err);
    o->hash = hex;
    return rc;
}

/* Checks and writes one version whose id, version and times are set. */
static kz_rc write_version(kz_call *c, kz_document *o, const kz_document_file *file)
{
    kz_rc rc = check_relations(c, o);
    if (!rc)
        rc = kz__check_orgs(c, &o->recipients, "recipients", c->err);
    if (!rc)
        rc = put_file(c, o, file);
    if (!rc)
        rc = seal(c, o);
    return rc ? rc : kz_store_document_insert(c->db, o, c->err);
}

kz_rc kz__law_write_begin(kz_call *c, char **id, int64_t *version, kz_time *created, kz_time *modified,
                          char **org)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    const char *acting = NULL;
    rc = kz__acting_org(c, NULL, "organization", &acting, c->err);
    *org = (char *)acting;
    *version = 1;
    *created = *modified = kz_now_ms();
    if (!rc && !(*id = kz_new_id(c)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    return rc ? kz_tx_end(c, rc) : KZ_OK;
}

kz_rc kz_svc_document_create(kz_call *c, kz_document *o, const kz_document_file *file)
{
    kz_rc rc = kz__law_write_begin(c, &o->id, &o->version, &o->created, &o->modified, &o->organization);
    if (rc)
        return rc;
    o->sha256 = o->file_name = o->file_type = NULL;
    o->file_size = 0;
    if (!rc)
        rc = write_version(c, o, file);
    if (!rc)
        rc = kz_audit(c, "document.create", "document", o->id, kz_enum_name(&kz_tlp_enum, o->tlp));
    if (!rc)
        show(c, o);
    return kz_tx_end(c, rc);
}

kz_rc kz__document_put(kz_call *c, kz_document *o, const kz_document_file *file)
{
    kz_document latest;
    kz_err *saved = c->err, scratch;
    c->err = &scratch;  /* not finding one is not an error here */
    bool next = o->id && visible_document(c, o->id, 0, &latest) == KZ_OK;
    c->err = saved;
    o->organization = (char *)c->who.org;
    o->modified = kz_now_ms();
    if (next) {
        o->version = latest.version + 1;
        o->created = latest.created;
        if (o->modified <= latest.modified)
            o->modified = latest.modified + 1;
    } else if (!(o->id = kz_new_id(c))) {
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    } else {
        o->version = 1;
        o->created = o->modified;
    }
    return write_version(c, o, file);
}

kz_rc kz_svc_document_get(kz_call *c, const char *id, int64_t version, kz_document *out)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc && !(rc = visible_document(c, id, version, out)))
        show(c, out);
    return rc;
}

kz_rc kz_svc_document_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx,
                             const kz_document_file *file, kz_document *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_document before = {0};
    rc = visible_document(c, id, 0, out);
    if (!rc)
        rc = kz_authz_org(c, out->organization, NULL);
    if (!rc) {
        before = *out;
        rc = apply(out, ctx, c->err);
    }
    if (!rc) {
        out->version = before.version + 1;
        out->modified = kz_now_ms();
        if (out->modified <= before.modified)
            out->modified = before.modified + 1;
        rc = write_version(c, out, file);
    }
    kz_tlp_subject was = doc_subject(&before), now = doc_subject(out);
    if (!rc && !kz_tlp_narrows(&was, &now))  /* explicit, by the source alone (sharing.h) */
        rc = kz__may_reshare(c, &was, &now, "tlp");
    if (!rc && !kz_tlp_narrows(&was, &now))
        rc = kz__audit_declassify(c, "document", id, &was, &now);
    if (!rc)
        rc = kz_audit(c, "document.version", "document", id,
                      kz_arena_printf(c->arena, "version %lld", (long long)out->version));
    if (!rc)
        show(c, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_document_history(kz_call *c, const char *id, kz_document **items, size_t *n)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = kz_store_document_versions(c->db, &c->who, id, HISTORY_MAX, c->arena, items, n, c->err);
    if (!rc && !*n)
        rc = kz_fail(c->err, KZ_ENOTFOUND, "document", "no document %.40s", id);
    for (size_t i = 0; !rc && i < *n; i++)
        show(c, &(*items)[i]);
    return rc;
}

kz_rc kz_svc_document_list(kz_call *c, const kz_document_filter *f, const kz_page *pg, kz_document_page *out)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = kz_store_document_list(c->db, &c->who, f, pg, c->arena, out, c->err);
    for (size_t i = 0; !rc && i < out->n; i++)
        show(c, &out->items[i]);
    return rc;
}

kz_rc kz_svc_document_file(kz_call *c, const char *id, int64_t version, kz_document *doc,
                           const unsigned char **data, size_t *size)
{
    kz_rc rc = kz_svc_document_get(c, id, version, doc);
    if (!rc && !doc->sha256)
        rc = kz_fail(c->err, KZ_ENOTFOUND, "file", "this version has no stored copy");
    const void *p = NULL;
    if (!rc)
        rc = kz_store_document_file_get(c->db, doc->sha256, c->arena, &p, size, c->err);
    *data = p;
    return rc;
}

kz_rc kz_svc_document_compare(kz_call *c, const char *const *states, size_t n_states, const char *topic,
                              const char *norm, kz_document_column **out)
{
    kz_rc rc = kz__sharing_read(c);
    if (rc)
        return rc;
    if (n_states < 2 || n_states > COMPARE_MAX_STATES)
        return kz_fail(c->err, KZ_EINVAL, "states", "compare 2 to %d states", COMPARE_MAX_STATES);
    if (!topic == !norm)
        return kz_fail(c->err, KZ_EINVAL, topic ? "norm" : "topic", "compare by a topic or by a norm, one of them");
    *out = kz_arena_calloc(c->arena, n_states, sizeof **out);
    if (!*out)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if ((rc = kz_rtx_begin(c)))
        return rc;
    kz_page pg = {NULL, KZ_LIST_MAX};
    for (size_t i = 0; !rc && i < n_states; i++) {
        kz_document_filter f = {.state = states[i], .topic = topic, .norm = norm};
        kz_document_page page = {0};
        rc = kz_store_document_list(c->db, &c->who, &f, &pg, c->arena, &page, c->err);
        (*out)[i] = (kz_document_column){states[i], page.items, rc ? 0 : page.n};
        for (size_t k = 0; !rc && k < page.n; k++)
            show(c, &page.items[k]);
    }
    kz_rtx_end(c);
    return rc;
}

typedef struct export_ctx {
    kz_call *c;
    kz_document_sink fn;
    void *ctx;
    uint64_t count;
    kz_rc rc;
} export_ctx;

static int export_one(void *p, const kz_document *o)
{
    export_ctx *x = p;
    kz_arena scratch;
    kz_arena_init(&scratch);
    kz_document_blob file = {0};
    const void *data = NULL;
    kz_document shown = *o;
    show(x->c, &shown);
    if (o->sha256)
        x->rc = kz_store_document_file_get(x->c->db, o->sha256, &scratch, &data, &file.size, x->c->err);
    file.data = data;
    if (!x->rc && x->fn(x->ctx, &shown, &file))
        x->rc = kz_fail(x->c->err, KZ_EIO, NULL, "cannot write the export");
    kz_arena_free(&scratch);
    x->count += !x->rc;
    return x->rc != KZ_OK;
}

kz_rc kz_svc_document_export(kz_call *c, kz_document_sink fn, void *ctx, uint64_t *count)
{
    kz_rc rc = kz__sharing_read(c);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    export_ctx x = {c, fn, ctx, 0, KZ_OK};
    rc = kz_store_document_each(c->db, &c->who, export_one, &x, c->err);
    kz_rtx_end(c);
    *count = x.count;
    return rc ? rc : x.rc;
}

/* One imported version: see documents.h. */
static kz_rc import_one(kz_call *c, kz_document *o, const kz_document_blob *blob, kz_library_import_report *rep)
{
    kz_document stored;
    kz_err e;
    kz_rc rc = kz_store_document_get(c->db, o->id, o->version, c->arena, &stored, &e);
    if (!rc) {
        kz_tlp_subject s = doc_subject(&stored);
        if (!kz_tlp_visible(&c->who, &s)) {  /* answered as a creation, nothing written */
            rep->created++;
            return kz__audit_withheld(c, "document", o->id);
        }
        if (o->hash && strcmp(o->hash, stored.hash) == 0) {
            rep->unchanged++;
            return KZ_OK;
        }
        return kz_fail(c->err, KZ_ECONFLICT, "version", "version %lld of %s is stored with other content",
                       (long long)o->version, o->id);
    }
    if (rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, e.field, "%s", e.msg);
    rc = kz_store_document_get(c->db, o->id, 0, c->arena, &stored, &e);
    int64_t expect = rc == KZ_ENOTFOUND ? 1 : stored.version + 1;
    if (rc && rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, e.field, "%s", e.msg);
    if (o->version != expect)
        return kz_fail(c->err, KZ_EINVAL, "version", "version %lld of %s follows no stored version (expected %lld)",
                       (long long)o->version, o->id, (long long)expect);
    const char *given_sha = o->sha256, *given_hash = o->hash;
    kz_document_file file = {o->file_name, o->file_type, blob->data, blob->size};
    if (!o->created)
        o->created = kz_now_ms();
    if (!o->modified)
        o->modified = o->created;
    o->organization = (char *)c->who.org;
    if (!blob->data) {
        o->sha256 = o->file_name = o->file_type = NULL;
        o->file_size = 0;
    }
    rc = write_version(c, o, blob->data ? &file : NULL);
    if (!rc && given_sha && (!o->sha256 || strcmp(given_sha, o->sha256) != 0))
        rc = kz_fail(c->err, KZ_EINVAL, "sha256", "sha256 does not match the stored copy in file_base64");
    if (!rc && given_hash && strcmp(given_hash, o->hash) != 0)
        rc = kz_fail(c->err, KZ_EINVAL, "hash", "the record does not match its hash: changed after export");
    if (!rc)
        rc = kz_audit(c, "document.import", "document", o->id,
                      kz_arena_printf(c->arena, "version %lld", (long long)o->version));
    rep->created += !rc;
    return rc;
}

kz_rc kz_svc_document_import(kz_call *c, kz_document *docs, const kz_document_blob *files, size_t n,
                             kz_library_import_report *rep)
{
    memset(rep, 0, sizeof *rep);
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    if (!c->who.org)
        rc = kz_fail(c->err, KZ_EUNAUTH, NULL, "an organization imports");
    for (size_t i = 0; !rc && i < n; i++) {
        rep->failed = i;
        rc = import_one(c, &docs[i], &files[i], rep);
    }
    return kz_tx_end(c, rc);
}
