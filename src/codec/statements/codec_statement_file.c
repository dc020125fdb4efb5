/* A statement's export file — every version's content with its hash and every
 * co-signer's signature — and its offline verification, which needs only the file and
 * the public keys the verifier trusts. */
#include "codec/statements/statement.h"

#include "codec/sharing/indicator_norm.h"
#include "crypto/crypto.h"
#include "model/enums.h"
#include "util/alloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { CANON_FLAGS = JSON_COMPACT | JSON_SORT_KEYS };

static int set_str(json_t *o, const char *key, const char *v)
{
    return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

static int set_time(json_t *o, const char *key, kz_time t)
{
    char buf[32];
    return t ? json_object_set_new(o, key, json_string(kz_time_format(t, buf, sizeof buf))) : 0;
}

static json_t *list_json(const kz_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

json_t *kz_statement_texts_json(const kz_statement_text *texts, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, texts[i].lang, json_string(texts[i].text));
    return o;
}

json_t *kz_statement_content_json(const kz_statement_content *c)
{
    json_t *o = json_object(), *text = kz_statement_texts_json(c->texts, c->n_texts), *annex = json_array();
    for (size_t i = 0; annex && i < c->n_annex; i++) {
        const kz_statement_annex *x = &c->annex[i];
        json_t *item = json_pack("{s:s, s:s, s:s}", "type", kz_enum_name(&kz_ind_type_enum, x->type), "value",
                                 x->value, "tlp", kz_enum_name(&kz_tlp_enum, x->tlp));
        if (item)
            set_str(item, "description", x->description);
        json_array_append_new(annex, item);
    }
    if (!o)
        return NULL;
    set_str(o, "title", c->title);
    json_object_set_new(o, "text", text);
    set_str(o, "threat_actor", c->threat_actor);
    set_str(o, "confidence", c->confidence);
    json_object_set_new(o, "incidents", list_json(&c->incidents));
    json_object_set_new(o, "basis", list_json(&c->basis));
    json_object_set_new(o, "norms", list_json(&c->norms));
    json_object_set_new(o, "measures", list_json(&c->measures));
    json_object_set_new(o, "cosigners", list_json(&c->cosigners));
    json_object_set_new(o, "annex", annex);
    if (c->scale.given) {
        json_t *scale = json_pack("{s:I}", "victims", (json_int_t)c->scale.victims);
        set_str(scale, "first_seen", c->scale.first_seen);
        set_str(scale, "last_seen", c->scale.last_seen);
        json_object_set_new(o, "scale", scale);
    }
    if (c->n_issuer_texts) {
        json_t *own = json_object();
        for (size_t i = 0; own && i < c->n_issuer_texts; i++)
            json_object_set_new(own, c->issuer_texts[i].organization,
                                kz_statement_texts_json(c->issuer_texts[i].texts, c->issuer_texts[i].n_texts));
        json_object_set_new(o, "issuer_texts", own);
    }
    return o;
}

char *kz_statement_content_seed(const kz_statement_seed *s, kz_arena *a)
{
    kz_statement_content c = {0};
    kz_statement_text en = {(char *)"en", (char *)(s->description && *s->description ? s->description : s->title)};
    char *incidents[] = {(char *)s->incident_id};
    char first[11], last[11];
    c.title = kz_arena_printf(a, "Statement on %s", s->title);
    c.texts = &en;
    c.n_texts = 1;
    c.incidents = (kz_strlist){incidents, 1};
    c.norms = *s->norms;
    c.annex = (kz_statement_annex *)s->annex;
    c.n_annex = s->n_annex;
    if (s->victims > 0) {
        kz_day_format(s->first_day, first);
        kz_day_format(s->last_day, last);
        c.scale.given = true;
        c.scale.victims = s->victims;
        c.scale.first_seen = first;
        c.scale.last_seen = last;
    }
    json_t *o = c.title ? kz_statement_content_json(&c) : NULL;
    const char *empty[] = {"basis", "measures", "cosigners", "annex", "norms"};
    for (size_t i = 0; o && i < sizeof empty / sizeof *empty; i++)
        if (json_array_size(json_object_get(o, empty[i])) == 0)
            json_object_del(o, empty[i]);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *out = text ? kz_arena_strdup(a, text) : NULL;
    kz_free_libc(text);
    json_decref(o);
    return out;
}

/* ---- writing ----------------------------------------------------------------------- */

static json_t *statement_json(const kz_statement *st)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "id", st->id, "organization", st->organization,
                          "status", kz_enum_name(&kz_statement_status_enum, st->status), "version",
                          (json_int_t)st->version, "content_hash", st->content_hash, "title", st->title);
    if (!o)
        return NULL;
    set_time(o, "publish_at", st->publish_at);
    set_str(o, "supersedes", st->supersedes);
    set_str(o, "superseded_by", st->superseded_by);
    set_time(o, "withdrawn_at", st->withdrawn_at);
    set_str(o, "withdraw_reason", st->withdraw_reason);
    set_str(o, "withdraw_signature", st->withdraw_signature);
    return o;
}

static json_t *versions_json(const kz_statement_export *x)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < x->n_versions; i++) {
        const kz_statement_version *v = &x->versions[i];
        json_t *content = json_loads(v->content, JSON_REJECT_DUPLICATES, NULL);
        json_t *o = content ? json_pack("{s:I, s:s, s:o}", "version", (json_int_t)v->version, "content_hash",
                                        v->content_hash, "content", content)
                            : NULL;
        if (o)
            set_time(o, "created", v->created);
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *sigs_json(const kz_statement_export *x)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < x->n_sigs; i++) {
        const kz_statement_sig *g = &x->sigs[i];
        json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "organization", g->organization, "version",
                              (json_int_t)g->version, "content_hash", g->content_hash, "signature", g->signature);
        if (o) {
            set_time(o, "signed_at", g->signed_at);
            set_str(o, "actor", g->actor);
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *issuers_json(const kz_statement_export *x)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < x->n_orgs; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "id", x->orgs[i].id, "name", x->orgs[i].name,
                                           "state", x->orgs[i].state, "role", i ? "cosigner" : "drafter"));
    return a;
}

/* What the seal signs: the file without its seal, canonical. libc memory (kz_free_libc),
 * NULL on ENOMEM. */
static char *seal_text(const json_t *doc)
{
    json_t *copy = json_copy((json_t *)doc);
    if (copy)
        json_object_del(copy, "seal");
    char *text = copy ? json_dumps(copy, CANON_FLAGS) : NULL;
    json_decref(copy);
    return text;
}

static int seal(json_t *doc, const unsigned char *sk)
{
    char *text = seal_text(doc);
    if (!text)
        return -1;
    unsigned char sig[KZ_SIGNATURE_BYTES];
    char hex[2 * KZ_SIGNATURE_BYTES + 1];
    kz_sign(sk, text, strlen(text), sig);
    kz_free_libc(text);
    kz_hex_encode(sig, sizeof sig, hex);
    return json_object_set_new(doc, "seal", json_pack("{s:s, s:s}", "signature", hex, "covers",
                                                      "this file without its seal, as JSON with sorted keys and no spaces"));
}

char *kz_statement_export_text(const kz_statement_export *x, kz_arena *a)
{
    char when[32];
    json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o*, s:o*, s:o*, s:o*}", "format", KZ_STATEMENT_FORMAT,
                            "exported", kz_time_format(x->exported, when, sizeof when), "node", "public_key",
                            x->public_key_hex, "fingerprint", x->fingerprint, "statement", statement_json(x->st),
                            "issuers", issuers_json(x), "versions", versions_json(x), "signatures", sigs_json(x));
    if (doc && seal(doc, x->secret_key)) {
        json_decref(doc);
        doc = NULL;
    }
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    char *out = text ? kz_arena_strdup(a, text) : NULL;
    kz_free_libc(text);
    json_decref(doc);
    return out;
}

/* ---- verification ------------------------------------------------------------------ */

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool unhex(const char *hex, unsigned char *out, size_t n)
{
    return hex && strlen(hex) == 2 * n && kz_hex_decode(hex, out, n) == (long)n;
}

typedef struct keys {
    unsigned char (*pk)[KZ_SIGN_PK_BYTES];
    size_t n;
} keys;

/* The index of the trusted key that verifies sig_hex over text, or -1. */
static long verified_by(const keys *k, const char *text, const char *sig_hex)
{
    unsigned char sig[KZ_SIGNATURE_BYTES];
    if (!text || !unhex(sig_hex, sig, sizeof sig))
        return -1;
    for (size_t i = 0; i < k->n; i++)
        if (kz_sign_verify(k->pk[i], text, strlen(text), sig))
            return (long)i;
    return -1;
}

static bool verified(const keys *k, const char *text, const char *sig_hex)
{
    return verified_by(k, text, sig_hex) >= 0;
}

/* Each version's content against its hash; *latest is the last version's index. */
static const char *check_versions(const json_t *vs, kz_arena *a)
{
    json_int_t prev = 0;
    for (size_t i = 0; i < json_array_size(vs); i++) {
        const json_t *v = json_array_get(vs, i);
        json_int_t n = json_integer_value(json_object_get(v, "version"));
        const char *hash = str_of(v, "content_hash");
        char *text = json_dumps(json_object_get(v, "content"), CANON_FLAGS), hex[KZ_HASH_HEX];
        if (text)
            kz_sha256_hex(text, strlen(text), hex);
        bool ok = text && hash && strcmp(hex, hash) == 0;
        kz_free_libc(text);
        if (n <= prev)
            return kz_arena_printf(a, "versions[%zu]: the versions are not numbered 1, 2, ... in order", i);
        if (!ok)
            return kz_arena_printf(a, "version %" PRId64 ": its content does not match its hash: the file was changed",
                                   (int64_t)n);
        prev = n;
    }
    return NULL;
}

static const json_t *version_of(const json_t *vs, json_int_t n)
{
    for (size_t i = 0; i < json_array_size(vs); i++)
        if (json_integer_value(json_object_get(json_array_get(vs, i), "version")) == n)
            return json_array_get(vs, i);
    return NULL;
}

static const json_t *issuer_of(const json_t *issuers, const char *org)
{
    for (size_t i = 0; org && i < json_array_size(issuers); i++)
        if (str_of(json_array_get(issuers, i), "id") && strcmp(str_of(json_array_get(issuers, i), "id"), org) == 0)
            return json_array_get(issuers, i);
    return NULL;
}

static void check_sig(const json_t *g, const json_t *doc, const keys *k, kz_arena *a, kz_statement_check *out)
{
    const json_t *vs = json_object_get(doc, "versions"), *issuer;
    out->organization = str_of(g, "organization");
    out->actor = str_of(g, "actor");
    out->content_hash = str_of(g, "content_hash");
    out->version = json_integer_value(json_object_get(g, "version"));
    issuer = issuer_of(json_object_get(doc, "issuers"), out->organization);
    out->name = str_of(issuer, "name");
    out->state = str_of(issuer, "state");
    const json_t *v = version_of(vs, out->version);
    const char *st_id = str_of(json_object_get(doc, "statement"), "id");
    bool when = str_of(g, "signed_at") && kz_time_parse(str_of(g, "signed_at"), &out->signed_at) == KZ_OK;
    kz_statement_sig sig = {(char *)st_id, (char *)out->organization, out->version, (char *)out->content_hash,
                            out->signed_at, (char *)out->actor, NULL};
    if (!out->organization || !out->content_hash || !st_id || !when)
        out->problem = "a signature lacks its organization, hash or time";
    else if (!v || !str_of(v, "content_hash") || strcmp(str_of(v, "content_hash"), out->content_hash) != 0)
        out->problem = kz_arena_printf(a, "it names version %" PRId64 " with a hash the file does not hold",
                                       out->version);
    long by = out->problem ? -1 : verified_by(k, kz_statement_sig_text(&sig, a), str_of(g, "signature"));
    if (!out->problem && by < 0)
        out->problem = "the signature does not verify with the trusted key: "
                       "the file was changed or signed by another node";
    char fp[KZ_HASH_HEX];
    if (by >= 0) { /* which node's key: a statement co-signed across nodes has several */
        kz_key_fingerprint(k->pk[by], fp);
        out->key_fingerprint = kz_arena_strdup(a, fp);
    }
    out->valid = !out->problem;
    json_int_t current = json_integer_value(json_object_get(json_object_get(doc, "statement"), "version"));
    out->current = out->version == current;
}

static kz_rc load_keys(const json_t *doc, const char *const *keys_hex, size_t n_keys, kz_arena *a,
                       keys *k, kz_statement_report *rep, kz_err *err)
{
    size_t n = n_keys ? n_keys : 1;
    k->pk = kz_arena_calloc(a, n, sizeof *k->pk);
    if (!k->pk)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    rep->key_given = n_keys > 0;
    for (size_t i = 0; i < n; i++) {
        const char *hex = n_keys ? keys_hex[i] : str_of(json_object_get(doc, "node"), "public_key");
        if (!unhex(hex, k->pk[i], KZ_SIGN_PK_BYTES))
            return n_keys ? kz_fail(err, KZ_EINVAL, "public_key", "a public key is 64 hexadecimal digits")
                          : kz_fail(err, KZ_EINVAL, "node.public_key", "the file names no valid public key; give one");
    }
    k->n = n;
    char fp[KZ_HASH_HEX];
    kz_key_fingerprint(k->pk[0], fp);
    rep->key_fingerprint = kz_arena_strdup(a, fp);
    return KZ_OK;
}

/* The statement summary against its latest version, and the withdrawal notice. */
static const char *check_summary(const json_t *doc, const keys *k, kz_arena *a, kz_statement_report *rep)
{
    const json_t *st = json_object_get(doc, "statement"), *vs = json_object_get(doc, "versions");
    const json_t *last = json_array_get(vs, json_array_size(vs) - 1);
    const char *hash = str_of(st, "content_hash");
    if (json_integer_value(json_object_get(last, "version")) != rep->version || !hash ||
        !str_of(last, "content_hash") || strcmp(hash, str_of(last, "content_hash")) != 0)
        return "the statement does not name its latest version and hash";
    const char *title = str_of(json_object_get(last, "content"), "title");
    if (!title || !rep->title || strcmp(title, rep->title) != 0)
        return "the statement's title is not the title of its latest version";
    const char *withdrawn = str_of(st, "withdrawn_at"), *reason = str_of(st, "withdraw_reason");
    kz_time at = 0;
    rep->withdrawn = withdrawn != NULL;
    if (!withdrawn)
        return NULL;
    rep->withdraw_valid = reason && kz_time_parse(withdrawn, &at) == KZ_OK &&
                          verified(k, kz_statement_withdraw_text(rep->id, hash, at, reason, a),
                                   str_of(st, "withdraw_signature"));
    return rep->withdraw_valid ? NULL : "the withdrawal notice's signature does not verify";
}

/* The seal against the trusted keys: the summary and the lists as the node wrote them. */
static const char *check_seal(const json_t *doc, const keys *k, kz_statement_report *rep)
{
    const char *sig = str_of(json_object_get(doc, "seal"), "signature");
    if (!sig)
        return "the file has no seal: its summary (status, dates, issuers) is not signed";
    char *text = seal_text(doc);
    rep->sealed = text && verified(k, text, sig);
    kz_free_libc(text);
    return rep->sealed ? NULL
                       : "its seal does not verify with the trusted key: the summary (status, dates, issuers) "
                         "or a list of the file was changed, or another node signed it";
}

kz_rc kz_statement_verify(const char *text, size_t n, const char *const *keys_hex, size_t n_keys, kz_arena *a,
                          kz_statement_report *rep, kz_err *err)
{
    memset(rep, 0, sizeof *rep);
    json_error_t je;
    if (n > KZ_STATEMENT_EXPORT_MAX)
        return kz_fail(err, KZ_ETOOBIG, "", "an export file is at most %d bytes", KZ_STATEMENT_EXPORT_MAX);
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return kz_fail(err, KZ_EINVAL, "", "not JSON: line %d, column %d: %s", je.line, je.column, je.text);
    const json_t *st = json_object_get(doc, "statement"), *vs = json_object_get(doc, "versions");
    const json_t *sigs = json_object_get(doc, "signatures");
    keys k = {0};
    kz_rc rc = KZ_OK;
    if (!str_of(doc, "format") || strcmp(str_of(doc, "format"), KZ_STATEMENT_FORMAT) != 0)
        rc = kz_fail(err, KZ_EINVAL, "format", "not a Kizuna statement export (format %s)", KZ_STATEMENT_FORMAT);
    else if (!json_is_object(st) || !str_of(st, "id") || !json_is_array(vs) || !json_array_size(vs) ||
             !json_is_array(sigs))
        rc = kz_fail(err, KZ_EINVAL, "statement", "the file has no statement, versions or signatures");
    if (!rc)
        rc = load_keys(doc, keys_hex, n_keys, a, &k, rep, err);
    if (!rc) {
        rep->id = kz_arena_strdup(a, str_of(st, "id"));
        rep->title = str_of(st, "title") ? kz_arena_strdup(a, str_of(st, "title")) : NULL;
        rep->status = str_of(st, "status") ? kz_arena_strdup(a, str_of(st, "status")) : "?";
        rep->version = json_integer_value(json_object_get(st, "version"));
        rep->checks = kz_arena_calloc(a, json_array_size(sigs) + 1, sizeof *rep->checks);
        if (!rep->id || !rep->checks)
            rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    if (!rc) {
        rep->problem = check_versions(vs, a);
        const char *summary = check_summary(doc, &k, a, rep);
        const char *sealed = check_seal(doc, &k, rep);
        rep->problem = rep->problem ? rep->problem : summary ? summary : sealed;
        for (size_t i = 0; i < json_array_size(sigs); i++) {
            kz_statement_check *ck = &rep->checks[rep->n_checks++];
            check_sig(json_array_get(sigs, i), doc, &k, a, ck);
            ck->organization = ck->organization ? kz_arena_strdup(a, ck->organization) : "?";
            ck->name = ck->name ? kz_arena_strdup(a, ck->name) : NULL;
            ck->state = ck->state ? kz_arena_strdup(a, ck->state) : NULL;
            ck->actor = ck->actor ? kz_arena_strdup(a, ck->actor) : NULL;
            ck->content_hash = ck->content_hash ? kz_arena_strdup(a, ck->content_hash) : NULL;
            if (!rep->problem && ck->problem)
                rep->problem = kz_arena_printf(a, "the signature of %s on version %" PRId64 ": %s",
                                               ck->name ? ck->name : ck->organization, ck->version, ck->problem);
        }
        rep->ok = !rep->problem;
        if (!rep->ok)
            rc = kz_fail(err, KZ_ECORRUPT, "", "%s", rep->problem);
    }
    json_decref(doc);
    return rc;
}
