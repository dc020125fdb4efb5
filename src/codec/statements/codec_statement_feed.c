/* Published statements as JSON Feed 1.1, Atom (RFC 4287) and STIX 2.1 objects. Every
 * id is derived from the statement's own, so a feed item or a STIX object keeps its id
 * through corrections and withdrawals, which show as such. */
#include "codec/statements/statement.h"

#include "codec/stix/stix.h"
#include "crypto/crypto.h"
#include "model/enums.h"
#include "model/sharing.h"

#include "util/alloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { FEED_MAX = 64 << 20 };

/* The language a statement is published in first: English when it has it. */
static const kz_statement_text *first_text(const kz_statement_content *c)
{
    for (size_t i = 0; i < c->n_texts; i++)
        if (strcmp(c->texts[i].lang, "en") == 0)
            return &c->texts[i];
    return c->n_texts ? &c->texts[0] : NULL;
}

static const kz_org *org_of(const kz_statement_orgs *orgs, const char *id)
{
    for (size_t i = 0; id && i < orgs->n; i++)
        if (strcmp(orgs->orgs[i].id, id) == 0)
            return &orgs->orgs[i];
    return NULL;
}

static const char *org_name(const kz_statement_orgs *orgs, const char *id)
{
    const kz_org *o = org_of(orgs, id);
    return o ? o->name : id;
}

/* "[Corrected] ", "[Withdrawn] " or "" before a title. */
static const char *title_mark(const kz_statement *st)
{
    return st->status == KZ_ST_CORRECTED ? "[Corrected] " : st->status == KZ_ST_WITHDRAWN ? "[Withdrawn] " : "";
}

/* The plain text of an item: the statement, then what became of it. */
static char *item_text(const kz_statement_view *v, kz_arena *a)
{
    const kz_statement_text *t = first_text(&v->content);
    const char *body = t ? t->text : "";
    const kz_statement *st = &v->st;
    if (st->status == KZ_ST_WITHDRAWN)
        return kz_arena_printf(a, "Withdrawn: %s\n\n%s", st->withdraw_reason ? st->withdraw_reason : "", body);
    if (st->status == KZ_ST_CORRECTED)
        return kz_arena_printf(a, "Corrected by urn:uuid:%s\n\n%s", st->superseded_by ? st->superseded_by : "", body);
    if (st->supersedes)
        return kz_arena_printf(a, "This statement corrects urn:uuid:%s\n\n%s", st->supersedes, body);
    return kz_arena_strdup(a, body);
}

static json_t *feed_item(const kz_statement_view *v, const kz_statement_orgs *orgs, const char *base, kz_arena *a)
{
    const kz_statement *st = &v->st;
    char published[32], modified[32];
    const kz_statement_text *t = first_text(&v->content);
    json_t *authors = json_array(), *tags = json_array();
    for (size_t k = 0; authors && k <= st->cosigners.n; k++)
        json_array_append_new(authors, json_pack("{s:s}", "name", org_name(orgs, k ? st->cosigners.v[k - 1]
                                                                                   : st->organization)));
    for (size_t i = 0; tags && i < v->content.norms.n; i++)
        json_array_append_new(tags, json_string(kz_arena_printf(a, "norm-%s", v->content.norms.v[i])));
    json_t *kz = json_pack("{s:s, s:I, s:s}", "status", kz_enum_name(&kz_statement_status_enum, st->status),
                           "version", (json_int_t)st->version, "content_hash", st->content_hash);
    if (kz) {
        if (st->supersedes)
            json_object_set_new(kz, "supersedes", json_string(st->supersedes));
        if (st->superseded_by)
            json_object_set_new(kz, "superseded_by", json_string(st->superseded_by));
        if (st->withdraw_reason)
            json_object_set_new(kz, "withdraw_reason", json_string(st->withdraw_reason));
    }
    char *title = kz_arena_printf(a, "%s%s", title_mark(st), st->title);
    char *url = kz_arena_printf(a, "%s/api/v1/statements/%s", base, st->id);
    char *id = kz_arena_printf(a, "urn:uuid:%s", st->id);
    char *text = item_text(v, a);
    if (!title || !url || !id || !text) {
        json_decref(authors), json_decref(tags), json_decref(kz);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o*, s:o*, s:o*}", "id", id, "url", url, "title",
                     title, "content_text", text, "language", t ? t->lang : "en", "date_published",
                     kz_time_format(st->publish_at ? st->publish_at : st->created, published, sizeof published),
                     "date_modified", kz_time_format(st->modified, modified, sizeof modified), "authors", authors,
                     "tags", tags, "_kizuna", kz);
}

static char *dump(json_t *o, size_t flags, kz_arena *a)
{
    char *text = o ? json_dumps(o, flags) : NULL;
    char *out = text ? kz_arena_strdup(a, text) : NULL;
    kz_free_libc(text);
    json_decref(o);
    return out;
}

char *kz_statement_json_feed(const kz_statement_view *v, size_t n, const kz_statement_orgs *orgs,
                             const char *base, kz_arena *a)
{
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++)
        if (json_array_append_new(items, feed_item(&v[i], orgs, base, a))) {
            json_decref(items);
            return NULL;
        }
    json_t *feed = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o*}", "version", "https://jsonfeed.org/version/1.1",
                             "title", "Public attribution statements", "home_page_url",
                             kz_arena_printf(a, "%s/", base), "feed_url",
                             kz_arena_printf(a, "%s/feeds/statements.json", base), "language", "en", "items", items);
    return dump(feed, JSON_INDENT(2), a);
}

/* ---- Atom -------------------------------------------------------------------------- */

/* s with &, <, >, " escaped, appended to b. */
static kz_rc put_xml(kz_buf *b, const char *s)
{
    kz_rc rc = KZ_OK;
    for (; !rc && s && *s; s++) {
        switch (*s) {
        case '&': rc = kz_buf_puts(b, "&amp;"); break;
        case '<': rc = kz_buf_puts(b, "&lt;"); break;
        case '>': rc = kz_buf_puts(b, "&gt;"); break;
        case '"': rc = kz_buf_puts(b, "&quot;"); break;
        default: rc = kz_buf_append(b, s, 1); break;
        }
    }
    return rc;
}

/* <tag>text</tag>, text escaped. */
static kz_rc put_el(kz_buf *b, const char *tag, const char *text)
{
    kz_rc rc = kz_buf_printf(b, "<%s>", tag);
    if (!rc)
        rc = put_xml(b, text);
    return rc ? rc : kz_buf_printf(b, "</%s>\n", tag);
}

static kz_rc atom_entry(kz_buf *b, const kz_statement_view *v, const kz_statement_orgs *orgs, const char *base,
                        kz_arena *a)
{
    const kz_statement *st = &v->st;
    const kz_statement_text *t = first_text(&v->content);
    char published[32], updated[32];
    kz_rc rc = kz_buf_puts(b, "<entry>\n");
    if (!rc) rc = put_el(b, "id", kz_arena_printf(a, "urn:uuid:%s", st->id));
    if (!rc) rc = put_el(b, "title", kz_arena_printf(a, "%s%s", title_mark(st), st->title));
    if (!rc) rc = put_el(b, "published", kz_time_format(st->publish_at ? st->publish_at : st->created, published,
                                                        sizeof published));
    if (!rc) rc = put_el(b, "updated", kz_time_format(st->modified, updated, sizeof updated));
    for (size_t k = 0; !rc && k <= st->cosigners.n; k++) {
        rc = kz_buf_puts(b, "<author>");
        if (!rc) rc = put_el(b, "name", org_name(orgs, k ? st->cosigners.v[k - 1] : st->organization));
        if (!rc) rc = kz_buf_puts(b, "</author>\n");
    }
    if (!rc) rc = kz_buf_puts(b, "<link rel=\"alternate\" href=\"");
    if (!rc) rc = put_xml(b, kz_arena_printf(a, "%s/api/v1/statements/%s", base, st->id));
    if (!rc) rc = kz_buf_puts(b, "\"/>\n");
    if (!rc && st->superseded_by) {
        rc = kz_buf_printf(b, "<link rel=\"related\" title=\"correction\" href=\"");
        if (!rc) rc = put_xml(b, kz_arena_printf(a, "urn:uuid:%s", st->superseded_by));
        if (!rc) rc = kz_buf_puts(b, "\"/>\n");
    }
    for (size_t i = 0; !rc && i < v->content.norms.n; i++)
        rc = kz_buf_printf(b, "<category term=\"norm-%s\"/>\n", v->content.norms.v[i]);
    if (!rc) rc = kz_buf_printf(b, "<content type=\"text\" xml:lang=\"%s\">", t ? t->lang : "en");
    if (!rc) rc = put_xml(b, item_text(v, a));
    return rc ? rc : kz_buf_puts(b, "</content>\n</entry>\n");
}

char *kz_statement_atom(const kz_statement_view *v, size_t n, const kz_statement_orgs *orgs, const char *base,
                        kz_time updated, kz_arena *a)
{
    kz_buf b;
    char when[32];
    kz_buf_init(&b, FEED_MAX);
    kz_rc rc = kz_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                               "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    if (!rc) rc = put_el(&b, "id", kz_arena_printf(a, "%s/feeds/statements.atom", base));
    if (!rc) rc = put_el(&b, "title", "Public attribution statements");
    if (!rc) rc = put_el(&b, "updated", kz_time_format(updated, when, sizeof when));
    if (!rc) rc = kz_buf_puts(&b, "<link rel=\"self\" href=\"");
    if (!rc) rc = put_xml(&b, kz_arena_printf(a, "%s/feeds/statements.atom", base));
    if (!rc) rc = kz_buf_puts(&b, "\"/>\n");
    for (size_t i = 0; !rc && i < n; i++)
        rc = atom_entry(&b, &v[i], orgs, base, a);
    if (!rc) rc = kz_buf_puts(&b, "</feed>\n");
    char *text = rc ? NULL : kz_buf_steal(&b);
    char *out = text ? kz_arena_strdup(a, text) : NULL;
    kz_free(text);
    kz_buf_free(&b);
    return out;
}

/* ---- STIX 2.1 ---------------------------------------------------------------------- */

/* "<type>--<uuid>" derived from the statement id and a seed: SHA-256 shaped as a
 * name-based UUID (version 5 nibble, RFC 4122 variant), so it never changes. */
static char *derived_uuid(const char *statement, const char *seed, kz_arena *a)
{
    unsigned char h[KZ_HASH_BYTES];
    char *name = kz_arena_printf(a, "kizuna-statement:%s:%s", statement, seed);
    if (!name)
        return NULL;
    kz_sha256(name, strlen(name), h);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    char hex[33];
    kz_hex_encode(h, 16, hex);
    return kz_arena_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static char *derived_id(const char *type, const char *statement, const char *seed, kz_arena *a)
{
    char *uuid = derived_uuid(statement, seed, a);
    return uuid ? kz_arena_printf(a, "%s--%s", type, uuid) : NULL;
}

static int add_common(json_t *o, const char *type, const char *id, kz_time created, kz_time modified)
{
    char c[32], m[32];
    return json_object_set_new(o, "type", json_string(type)) ||
           json_object_set_new(o, "spec_version", json_string("2.1")) ||
           json_object_set_new(o, "id", json_string(id)) ||
           json_object_set_new(o, "created", json_string(kz_time_format(created, c, sizeof c))) ||
           json_object_set_new(o, "modified", json_string(kz_time_format(modified, m, sizeof m)));
}

static json_t *report_json(const kz_statement_view *v, const char *id, json_t *refs, kz_arena *a)
{
    const kz_statement *st = &v->st;
    const kz_statement_text *t = first_text(&v->content);
    char when[32];
    json_t *o = json_object();
    if (!o || add_common(o, "report", id, st->created, st->modified)) {
        json_decref(o), json_decref(refs);
        return NULL;
    }
    json_object_set_new(o, "name", json_string(st->title));
    json_object_set_new(o, "description", json_string(t ? t->text : ""));
    json_object_set_new(o, "lang", json_string(t ? t->lang : "en"));
    json_object_set_new(o, "published", json_string(kz_time_format(st->publish_at ? st->publish_at : st->created,
                                                                   when, sizeof when)));
    json_object_set_new(o, "report_types", json_pack("[s]", "threat-actor"));
    json_object_set_new(o, "created_by_ref", json_string(kz_arena_printf(a, "identity--%s", st->organization)));
    json_object_set_new(o, "object_refs", refs);
    json_object_set_new(o, "object_marking_refs", json_pack("[s]", kz_stix_tlp_marking[KZ_TLP_CLEAR]));
    json_t *x = json_pack("{s:s, s:I, s:s}", "status", kz_enum_name(&kz_statement_status_enum, st->status),
                          "version", (json_int_t)st->version, "content_hash", st->content_hash);
    if (x && v->content.confidence)
        json_object_set_new(x, "confidence", json_string(v->content.confidence));
    if (x && v->content.threat_actor)
        json_object_set_new(x, "threat_actor", json_string(v->content.threat_actor));
    if (x && v->content.norms.n) {
        json_t *norms = json_array();
        for (size_t i = 0; norms && i < v->content.norms.n; i++)
            json_array_append_new(norms, json_string(v->content.norms.v[i]));
        json_object_set_new(x, "norms", norms);
    }
    if (x && v->content.scale.given)
        json_object_set_new(x, "victims", json_integer(v->content.scale.victims));
    if (x && st->superseded_by)
        json_object_set_new(x, "superseded_by", json_string(st->superseded_by));
    if (x && st->supersedes)
        json_object_set_new(x, "supersedes", json_string(st->supersedes));
    json_object_set_new(o, "x_kizuna_statement", x);
    if (st->status == KZ_ST_WITHDRAWN)
        json_object_set_new(o, "revoked", json_true());
    return o;
}

/* The other languages of the report, one language-content object (NULL when there is
 * only one language). */
static json_t *languages_json(const kz_statement_view *v, const char *report_id, kz_arena *a)
{
    const kz_statement_text *first = first_text(&v->content);
    json_t *contents = json_object();
    for (size_t i = 0; contents && i < v->content.n_texts; i++)
        if (&v->content.texts[i] != first)
            json_object_set_new(contents, v->content.texts[i].lang,
                                json_pack("{s:s}", "description", v->content.texts[i].text));
    json_t *o = json_object();
    char when[32];
    if (!contents || !o || json_object_size(contents) == 0 ||
        add_common(o, "language-content", derived_id("language-content", v->st.id, "languages", a),
                   v->st.created, v->st.modified)) {
        json_decref(contents), json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "object_ref", json_string(report_id));
    json_object_set_new(o, "object_modified", json_string(kz_time_format(v->st.modified, when, sizeof when)));
    json_object_set_new(o, "contents", contents);
    json_object_set_new(o, "object_marking_refs", json_pack("[s]", kz_stix_tlp_marking[KZ_TLP_CLEAR]));
    return o;
}

/* An issuer's endorsement: its signature of the current version. */
static json_t *opinion_json(const kz_statement_view *v, const kz_statement_sig *g, const char *report_id,
                            const kz_statement_orgs *orgs, kz_arena *a)
{
    char when[32];
    json_t *o = json_object();
    if (!o || add_common(o, "opinion", derived_id("opinion", v->st.id, g->organization, a), g->signed_at,
                         g->signed_at)) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "created_by_ref", json_string(kz_arena_printf(a, "identity--%s", g->organization)));
    json_object_set_new(o, "opinion", json_string("strongly-agree"));
    json_object_set_new(o, "explanation",
                        json_string(kz_arena_printf(a, "%s signed version %" PRId64 " (SHA-256 %s) on %s",
                                                    org_name(orgs, g->organization), g->version, g->content_hash,
                                                    kz_time_format(g->signed_at, when, sizeof when))));
    json_object_set_new(o, "authors", json_pack("[s]", org_name(orgs, g->organization)));
    json_object_set_new(o, "object_refs", json_pack("[s]", report_id));
    json_object_set_new(o, "x_kizuna_signature", json_string(g->signature));
    for (size_t i = 0; i < v->content.n_issuer_texts; i++)  /* the issuer's own text */
        if (strcmp(v->content.issuer_texts[i].organization, g->organization) == 0)
            json_object_set_new(o, "x_kizuna_text", kz_statement_texts_json(v->content.issuer_texts[i].texts,
                                                                            v->content.issuer_texts[i].n_texts));
    json_object_set_new(o, "object_marking_refs", json_pack("[s]", kz_stix_tlp_marking[KZ_TLP_CLEAR]));
    return o;
}

/* Appends a tree as compact text, with a comma before all but the first object. */
static kz_rc put_tree(kz_buf *b, json_t *o, bool *first)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    kz_rc rc = text ? kz_buf_puts(b, *first ? "" : ",") : KZ_ENOMEM;
    if (!rc)
        rc = kz_buf_puts(b, text);
    kz_free_libc(text);
    *first = false;
    return rc;
}

static kz_rc put_identities(kz_buf *b, const kz_statement_view *v, const kz_statement_orgs *orgs, json_t *refs,
                            bool *first, kz_arena *a)
{
    kz_rc rc = KZ_OK;
    for (size_t k = 0; !rc && k <= v->st.cosigners.n; k++) {
        const kz_org *o = org_of(orgs, k ? v->st.cosigners.v[k - 1] : v->st.organization);
        if (!o)
            continue;
        rc = kz_buf_puts(b, *first ? "" : ",");
        if (!rc)
            rc = kz_stix_write_identity(b, o);
        json_array_append_new(refs, json_string(kz_arena_printf(a, "identity--%s", o->id)));
        *first = false;
    }
    return rc;
}

static kz_rc put_annex(kz_buf *b, const kz_statement_view *v, json_t *refs, bool *first, kz_arena *a)
{
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < v->content.n_annex; i++) {
        const kz_statement_annex *x = &v->content.annex[i];
        kz_indicator ind = {0};
        ind.id = derived_uuid(v->st.id, kz_arena_printf(a, "annex:%d:%s", x->type, x->value), a);
        ind.created = ind.modified = ind.first_seen = v->st.publish_at ? v->st.publish_at : v->st.created;
        ind.type = x->type;
        ind.value = x->value;
        ind.tlp = x->tlp;
        ind.source = v->st.organization;
        ind.description = x->description;
        ind.confidence = KZ_CONFIDENCE_DEFAULT;
        if (!ind.id)
            return KZ_ENOMEM;
        rc = kz_buf_puts(b, *first ? "" : ",");
        if (!rc)
            rc = kz_stix_write_indicator(b, &ind);
        json_array_append_new(refs, json_string(kz_arena_printf(a, "indicator--%s", ind.id)));
        *first = false;
    }
    return rc;
}

char *kz_statement_stix_objects(const kz_statement_view *v, const kz_statement_orgs *orgs, kz_arena *a)
{
    kz_buf b;
    bool first = true;
    char *report_id = kz_arena_printf(a, "report--%s", v->st.id);
    json_t *refs = json_array();
    kz_buf_init(&b, FEED_MAX);
    kz_rc rc = report_id && refs ? kz_buf_puts(&b, "[") : KZ_ENOMEM;
    if (!rc)
        rc = put_identities(&b, v, orgs, refs, &first, a);
    if (!rc)
        rc = put_annex(&b, v, refs, &first, a);
    json_t *langs = rc ? NULL : languages_json(v, report_id, a);
    if (!rc && langs)
        rc = put_tree(&b, langs, &first);
    for (size_t i = 0; !rc && i < v->n_sigs; i++)
        if (v->sig_current[i])
            rc = put_tree(&b, opinion_json(v, &v->sigs[i], report_id, orgs, a), &first);
    if (!rc) {
        rc = put_tree(&b, report_json(v, report_id, refs, a), &first);
        refs = NULL;
    }
    if (!rc)
        rc = kz_buf_puts(&b, "]");
    json_decref(refs);
    char *text = rc ? NULL : kz_buf_steal(&b);
    char *out = text ? kz_arena_strdup(a, text) : NULL;
    kz_free(text);
    kz_buf_free(&b);
    return out;
}

kz_rc kz_statement_stix_items(const kz_statement_view *v, const kz_statement_orgs *orgs, kz_arena *a,
                              kz_stix_item **out, size_t *n)
{
    char *text = kz_statement_stix_objects(v, orgs, a);
    json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
    kz_rc rc = arr ? KZ_OK : KZ_ENOMEM;
    *n = 0;
    *out = rc ? NULL : kz_arena_calloc(a, json_array_size(arr) + 1, sizeof **out);
    for (size_t i = 0; !rc && *out && i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        kz_stix_item *it = &(*out)[(*n)++];
        char *one = json_dumps(o, JSON_COMPACT);
        it->text = one ? kz_arena_strdup(a, one) : NULL;
        kz_free_libc(one);
        it->id = kz_arena_strdup(a, json_string_value(json_object_get(o, "id")));
        it->type = kz_arena_strdup(a, json_string_value(json_object_get(o, "type")));
        const char *m = json_string_value(json_object_get(o, "modified"));
        if (!m || kz_time_parse(m, &it->modified))
            it->modified = v->st.modified;
        if (!it->text || !it->id || !it->type)
            rc = KZ_ENOMEM;
    }
    json_decref(arr);
    return rc || !*out ? KZ_ENOMEM : KZ_OK;
}

bool kz_json_list_has(const char *list, const char *s)
{
    if (!list)
        return true;
    json_t *arr = json_loads(list, 0, NULL);
    bool found = false;
    for (size_t i = 0; !found && i < json_array_size(arr); i++) {
        const char *x = json_string_value(json_array_get(arr, i));
        found = x && s && strcmp(x, s) == 0;
    }
    json_decref(arr);
    return found;
}
