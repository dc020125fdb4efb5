/* The hash-chained, signed audit log. Each entry's hash covers the previous entry's hash
 * and a length-prefixed serialization of its own fields, so changing, inserting or
 * removing any entry breaks every later link; the head (last seq and hash) is kept in
 * meta so that removing entries from the end is caught too. Each entry is also signed
 * with the node's ed25519 key (which lives in the key file, not in the database), so
 * that recomputing the hashes after an edit is not enough: without the key, a rewritten
 * chain fails verification against the node's public key. Signing every entry rather
 * than periodic checkpoints leaves no unsigned tail and names the first forged entry;
 * it costs one signature (tens of microseconds) per write transaction's event, small
 * beside the commit's sync. */
#include "store/core/audit.h"

#include "crypto/crypto.h"
#include "store/core/store_page.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char genesis[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void put_field(kz_sha256_ctx *c, const char *v)
{
    char len[24];
    if (!v) {
        kz_sha256_update(c, "-,", 2);
        return;
    }
    size_t n = strlen(v);
    int k = snprintf(len, sizeof len, "%zu:", n);
    kz_sha256_update(c, len, (size_t)k);
    kz_sha256_update(c, v, n);
    kz_sha256_update(c, ",", 1);
}

static void entry_hash(const kz_audit_event *ev, char out[65])
{
    char num[2][24];
    snprintf(num[0], sizeof num[0], "%" PRId64, ev->seq);
    snprintf(num[1], sizeof num[1], "%" PRId64, ev->at);
    kz_sha256_ctx c;
    kz_sha256_init(&c);
    put_field(&c, "kizuna-audit-1");
    put_field(&c, ev->prev_hash);
    put_field(&c, num[0]);
    put_field(&c, num[1]);
    put_field(&c, ev->actor_key);
    put_field(&c, ev->actor_org);
    put_field(&c, ev->action);
    put_field(&c, ev->object_type);
    put_field(&c, ev->object_id);
    put_field(&c, ev->request_id);
    put_field(&c, ev->detail);
    kz_sha256_final_hex(&c, out);
}

static void signed_text(int64_t seq, const char *hash, char out[128])
{
    snprintf(out, 128, KZ_AUDIT_SIGNED_FMT, (long long)seq, hash);
}

/* Whether the database still names the signer's key: another process (kizuna node
 * rotate-key beside a running serve) may have rotated it, and an entry signed by the
 * old key after the rotation would break the chain. */
static kz_rc signer_current(kz_db *db, const unsigned char *sk, kz_err *err)
{
    unsigned char want[KZ_SIGN_PK_BYTES], have[KZ_SIGN_PK_BYTES];
    size_t len = 0;
    kz_err e2;
    if (kz_store_meta_get(db, "node_sign_pk", want, sizeof want, &len, &e2) || len != sizeof want)
        return KZ_OK; /* a database from before signing keys: its first key is being made */
    kz_sign_public_key(sk, have);
    if (memcmp(want, have, sizeof want) != 0)
        return kz_fail(err, KZ_ECONFLICT, "key-file", "the node's signing key was rotated by another process: "
                       "restart this one (kizuna serve) to sign with the new key");
    return KZ_OK;
}

static kz_rc sign_entry(kz_db *db, kz_audit_event *ev, kz_err *err)
{
    const unsigned char *sk = kz__store_signer(db);
    if (!sk)
        return kz_fail(err, KZ_EINTERNAL, "audit", "the node was opened without its key file: it cannot write");
    kz_rc rc = signer_current(db, sk, err);
    if (rc)
        return rc;
    char text[128];
    unsigned char sig[KZ_SIGNATURE_BYTES];
    signed_text(ev->seq, ev->hash, text);
    kz_sign(sk, text, strlen(text), sig);
    kz_hex_encode(sig, sizeof sig, ev->sig);
    return KZ_OK;
}

static bool sig_ok(const unsigned char *pk, int64_t seq, const char *hash, const char *sig_hex)
{
    unsigned char sig[KZ_SIGNATURE_BYTES];
    char text[128];
    if (strlen(sig_hex) != 2 * KZ_SIGNATURE_BYTES || kz_hex_decode(sig_hex, sig, sizeof sig) != (long)sizeof sig)
        return false;
    signed_text(seq, hash, text);
    return kz_sign_verify(pk, text, strlen(text), sig);
}

bool kz_audit_head_signature_ok(const kz_audit_head *h, const unsigned char *pk)
{
    return sig_ok(pk, h->seq, h->hash, h->sig);
}

static kz_rc read_head(kz_db *db, int64_t *seq, char hash[65], kz_err *err)
{
    char buf[128];
    size_t len = 0;
    kz_err e2;
    kz_rc rc = kz_store_meta_get(db, "audit_head", buf, sizeof buf - 1, &len, &e2);
    if (rc == KZ_ENOTFOUND) {
        *seq = 0;
        memcpy(hash, genesis, 65);
        return KZ_OK;
    }
    if (rc)
        return kz_fail(err, rc, NULL, "%s", e2.msg);
    buf[len] = '\0';
    if (sscanf(buf, "%" SCNd64 " %64s", seq, hash) != 2)
        return kz_fail(err, KZ_ECORRUPT, "audit", "the recorded head of the audit chain is unreadable");
    return KZ_OK;
}

kz_rc kz_store_audit_append(kz_db *db, kz_audit_event *ev, kz_err *err)
{
    kz_rc rc = read_head(db, &ev->seq, ev->prev_hash, err);
    if (rc)
        return rc;
    ev->seq++;
    if (!ev->at)
        ev->at = kz_now_ms();
    entry_hash(ev, ev->hash);
    if ((rc = sign_entry(db, ev, err)))
        return rc;
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO audit (seq, at, actor_key, actor_org, action,"
                                   " object_type, object_id, request_id, detail, prev_hash, hash, sig)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, ev->seq);
    sqlite3_bind_int64(s, 2, ev->at);
    kz__bind_text(s, 3, ev->actor_key);
    kz__bind_text(s, 4, ev->actor_org);
    kz__bind_text(s, 5, ev->action);
    kz__bind_text(s, 6, ev->object_type);
    kz__bind_text(s, 7, ev->object_id);
    kz__bind_text(s, 8, ev->request_id);
    kz__bind_text(s, 9, ev->detail);
    kz__bind_text(s, 10, ev->prev_hash);
    kz__bind_text(s, 11, ev->hash);
    kz__bind_text(s, 12, ev->sig);
    rc = kz__exec_stmt(db, s, err);
    if (rc)
        return rc;
    char head[128];
    int n = snprintf(head, sizeof head, "%" PRId64 " %s", ev->seq, ev->hash);
    return kz_store_meta_put(db, "audit_head", head, (size_t)n, err);
}

#define AUDIT_COLS "seq, at, actor_key, actor_org, action, object_type, object_id, request_id, detail, prev_hash, hash, sig"

static int read_event_at(sqlite3_stmt *s, int b, kz_audit_event *ev, kz_arena *a)
{
    ev->seq = sqlite3_column_int64(s, b + 0);
    ev->at = sqlite3_column_int64(s, b + 1);
    ev->actor_key = kz__col_text(s, b + 2, a);
    ev->actor_org = kz__col_text(s, b + 3, a);
    ev->action = kz__col_text(s, b + 4, a);
    ev->object_type = kz__col_text(s, b + 5, a);
    ev->object_id = kz__col_text(s, b + 6, a);
    ev->request_id = kz__col_text(s, b + 7, a);
    ev->detail = kz__col_text(s, b + 8, a);
    const unsigned char *p = sqlite3_column_text(s, b + 9), *h = sqlite3_column_text(s, b + 10);
    const unsigned char *g = sqlite3_column_text(s, b + 11);
    snprintf(ev->prev_hash, sizeof ev->prev_hash, "%s", p ? (const char *)p : "");
    snprintf(ev->hash, sizeof ev->hash, "%s", h ? (const char *)h : "");
    snprintf(ev->sig, sizeof ev->sig, "%s", g ? (const char *)g : "");
    return ev->action ? 0 : -1;
}

static int read_event(sqlite3_stmt *s, void *item, kz_arena *a) { return read_event_at(s, 0, item, a); }

/* For pages, whose first column is the row number. */
static int read_event_shifted(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return read_event_at(s, 1, item, a);
}

static kz_rc bad(kz_audit_report *r, int64_t seq, kz_err *err, const char *why)
{
    r->first_bad = seq;
    snprintf(r->reason, sizeof r->reason, "%s", why);
    return kz_fail(err, KZ_ECORRUPT, "audit", "audit entry %lld: %s", (long long)seq, why);
}

/* The checks of one entry after its hash: its signature (when a key is given) and the
 * exported head it must match. NULL when it passes, else the reason. */
static const char *check_entry(const kz_audit_event *ev, const unsigned char *pk, const kz_audit_head *pinned,
                               bool *signed_seen, kz_audit_report *r)
{
    if (pk && !ev->sig[0]) {
        if (*signed_seen)
            return "it is unsigned though entries before it are signed (its signature was removed)";
        r->unsigned_before++;
    } else if (pk) {
        if (!sig_ok(pk, ev->seq, ev->hash, ev->sig))
            return "its signature does not verify with the node key (it was rewritten, or signed by "
                   "another key)";
        *signed_seen = true;
    }
    if (pinned && ev->seq == pinned->seq) {
        if (strcmp(ev->hash, pinned->hash) != 0)
            return "it differs from the exported head: the chain was rewritten up to the head";
        r->head_checked = true;
    }
    return NULL;
}

/* A node.key_rotate entry's detail "old=HEX new=HEX ...": the two keys. */
static bool rotation_keys(const kz_audit_event *ev, unsigned char old[KZ_SIGN_PK_BYTES],
                          unsigned char next[KZ_SIGN_PK_BYTES])
{
    char a[2 * KZ_SIGN_PK_BYTES + 1], b[2 * KZ_SIGN_PK_BYTES + 1];
    const char *d = ev->detail;
    if (!ev->action || strcmp(ev->action, "node.key_rotate") != 0 || !d || strlen(d) < 4 + 64 + 5 + 64 ||
        strncmp(d, "old=", 4) != 0 || strncmp(d + 4 + 64, " new=", 5) != 0)
        return false;
    memcpy(a, d + 4, 64);
    a[64] = '\0';
    memcpy(b, d + 4 + 64 + 5, 64);
    b[64] = '\0';
    return kz_hex_decode(a, old, KZ_SIGN_PK_BYTES) == KZ_SIGN_PK_BYTES &&
           kz_hex_decode(b, next, KZ_SIGN_PK_BYTES) == KZ_SIGN_PK_BYTES;
}

/* The key the chain starts with: the old key of its first rotation, else the one given. */
static kz_rc first_key(kz_db *db, const unsigned char *given, unsigned char out[KZ_SIGN_PK_BYTES], kz_err *err)
{
    memcpy(out, given, KZ_SIGN_PK_BYTES);
    sqlite3_stmt *s = kz__stmt(db, "SELECT action, detail FROM audit WHERE action = 'node.key_rotate'"
                                   " ORDER BY seq LIMIT 1", err);
    if (!s)
        return KZ_ESTORE;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        kz_audit_event ev = {.action = (const char *)sqlite3_column_text(s, 0),
                             .detail = (const char *)sqlite3_column_text(s, 1)};
        unsigned char next[KZ_SIGN_PK_BYTES];
        rotation_keys(&ev, out, next);
    }
    kz__done(s);
    return step == SQLITE_ROW || step == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, step, err);
}

kz_rc kz_store_audit_verify(kz_db *db, const unsigned char *pk, const kz_audit_head *pinned,
                            kz_audit_report *r, kz_err *err)
{
    /* The entries are checked with the key in force when they were written: each
     * node.key_rotate entry, signed by the key before, hands over to the next. The key
     * given must be one of the chain's. */
    unsigned char key[KZ_SIGN_PK_BYTES];
    bool given_seen = false;
    if (pk) {
        kz_rc rc0 = first_key(db, pk, key, err);
        if (rc0)
            return rc0;
        given_seen = memcmp(key, pk, sizeof key) == 0;
    }
    memset(r, 0, sizeof *r);
    r->signatures = pk != NULL;
    int64_t head_seq;
    char head_hash[65];
    kz_rc rc = read_head(db, &head_seq, head_hash, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = kz__stmt(db, "SELECT " AUDIT_COLS " FROM audit ORDER BY seq", err);
    if (!s)
        return KZ_ESTORE;
    const unsigned char *use = pk ? key : NULL;
    char prev[65];
    memcpy(prev, genesis, sizeof prev);
    kz_arena a;
    kz_arena_init(&a);
    int step;
    bool signed_seen = false;
    rc = KZ_OK;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        kz_audit_event ev;
        char want[65];
        const char *why;
        if (read_event(s, &ev, &a)) {
            rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
            break;
        }
        int64_t expect = r->entries + 1;
        if (ev.seq != expect)
            rc = bad(r, expect, err, "missing (the sequence jumps)");
        else if (strcmp(ev.prev_hash, prev) != 0)
            rc = bad(r, ev.seq, err, "does not link to the entry before it");
        else if (entry_hash(&ev, want), strcmp(want, ev.hash) != 0)
            rc = bad(r, ev.seq, err, "its content was changed after it was written");
        else if ((why = check_entry(&ev, use, pinned, &signed_seen, r)))
            rc = bad(r, ev.seq, err, why);
        unsigned char old[KZ_SIGN_PK_BYTES], next[KZ_SIGN_PK_BYTES];
        if (!rc && use && rotation_keys(&ev, old, next) && memcmp(old, key, sizeof key) == 0) {
            memcpy(key, next, sizeof key); /* the entries after it are signed by the new key */
            given_seen = given_seen || memcmp(key, pk, sizeof key) == 0;
        }
        memcpy(prev, ev.hash, sizeof prev);
        r->entries++;
        kz_arena_free(&a);
    }
    kz__done(s);
    kz_arena_free(&a);
    if (rc)
        return rc;
    if (step != SQLITE_DONE)
        return kz__sqlerr(db, step, err);
    if (pinned && pinned->seq > r->entries)
        return bad(r, r->entries + 1, err, "missing: the exported head counts more entries (removed after it was exported)");
    if (r->entries != head_seq || strcmp(prev, head_hash) != 0)
        return bad(r, r->entries + 1 <= head_seq ? r->entries + 1 : head_seq, err,
                   "the chain ends before its recorded head (entries were removed)");
    if (pk && r->entries && !signed_seen)
        return bad(r, r->entries, err, "no entry of the chain is signed");
    if (pk && !given_seen)
        return bad(r, r->entries, err, "the key given is not one this chain was signed with");
    return KZ_OK;
}

kz_rc kz_store_audit_head(kz_db *db, kz_audit_head *h, kz_err *err)
{
    memset(h, 0, sizeof *h);
    memcpy(h->hash, genesis, sizeof h->hash);
    sqlite3_stmt *s = kz__stmt(db, "SELECT seq, at, hash, sig FROM audit ORDER BY seq DESC LIMIT 1", err);
    if (!s)
        return KZ_ESTORE;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        const unsigned char *hash = sqlite3_column_text(s, 2), *sig = sqlite3_column_text(s, 3);
        h->seq = sqlite3_column_int64(s, 0);
        h->at = sqlite3_column_int64(s, 1);
        snprintf(h->hash, sizeof h->hash, "%s", hash ? (const char *)hash : "");
        snprintf(h->sig, sizeof h->sig, "%s", sig ? (const char *)sig : "");
    }
    kz__done(s);
    return step == SQLITE_ROW || step == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, step, err);
}

kz_rc kz_store_audit_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_audit_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT seq, " AUDIT_COLS " FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_audit_event), read_event_shifted, a, &items,
                            &out->n, out->next, err);
    out->items = items;
    return rc;
}
