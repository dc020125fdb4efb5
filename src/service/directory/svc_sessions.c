/* Sign-in, sessions and the second factor. A failed sign-in costs the same whether the
 * address is unknown or the password wrong (a dummy Argon2id check runs), is counted
 * per account and per client address, and makes the next attempt wait 2^(n - free)
 * seconds (at most 15 minutes); it is written to the audit chain without the address
 * or any secret. Password checks run outside the write lock. */
#include "service/directory/sessions.h"

#include "crypto/crypto.h"
#include "model/validate.h"
#include "service/core/settings.h"
#include "service/directory/users.h"
#include "service/exercises/exercises.h"
#include "store/directory/directory.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum {
    FAILURES_FORGOTTEN_MS = 24 * 3600 * 1000,  /* a day without failures starts afresh */
    MAX_WAIT_S = 900,
    EMAIL_MAX = 320,
};

/* The slow-down per subject kind: how many failures pass without waiting. An address
 * may be a whole office behind one NAT, so it gets more. */
static const struct throttle {
    const char *prefix;
    int64_t free;
} throttles[] = {
    {"account:", 3},
    {"address:", 10},
};
enum { N_THROTTLES = sizeof throttles / sizeof *throttles };

static const char wrong_credentials[] = "wrong e-mail address or password";

/* ---- the slow-down --------------------------------------------------------------- */

static int64_t wait_seconds(const struct throttle *t, int64_t failures, kz_time last, kz_time now)
{
    if (failures < t->free || now - last > FAILURES_FORGOTTEN_MS)
        return 0;
    int64_t shift = failures - t->free;
    int64_t delay = shift >= 10 ? MAX_WAIT_S : (int64_t)1 << shift;
    if (delay > MAX_WAIT_S)
        delay = MAX_WAIT_S;
    int64_t left = last + delay * 1000 - now;
    return left > 0 ? (left + 999) / 1000 : 0;
}

typedef struct subjects {
    const char *name[N_THROTTLES];
} subjects;

static kz_rc make_subjects(kz_call *c, const kz_signin *in, subjects *out)
{
    char *acct = kz_arena_printf(c->arena, "account:%s", in->email);
    out->name[0] = acct;
    out->name[1] = kz_arena_printf(c->arena, "address:%s", in->address ? in->address : "-");
    if (!acct || !out->name[1])
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (char *p = acct; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return KZ_OK;
}

static kz_rc longest_wait(kz_call *c, const subjects *s, int64_t *wait)
{
    kz_time now = kz_now_ms();
    *wait = 0;
    for (int i = 0; i < N_THROTTLES; i++) {
        int64_t n;
        kz_time last;
        kz_rc rc = kz_store_failures_get(c->db, s->name[i], &n, &last, c->err);
        if (rc)
            return rc;
        int64_t w = wait_seconds(&throttles[i], n, last, now);
        *wait = w > *wait ? w : *wait;
    }
    return KZ_OK;
}

/* Audits a failed attempt and, unless it was refused for waiting (so that Retry-After
 * stays true), counts it against every subject; returns `result` (the error the
 * caller answers) unless the store fails. */
static kz_rc record_failure(kz_call *c, const subjects *s, const char *user_id, const char *why, kz_rc result)
{
    kz_err keep = *c->err;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    kz_time now = kz_now_ms();
    for (int i = 0; !rc && result != KZ_ETOOMANY && i < N_THROTTLES; i++)
        rc = kz_store_failures_add(c->db, s->name[i], now, now - FAILURES_FORGOTTEN_MS, c->err);
    if (!rc)
        rc = kz_audit(c, "session.signin_failed", "user", user_id, why);
    rc = kz_tx_end(c, rc);
    if (rc)
        return rc;
    *c->err = keep;
    return result;
}

/* ---- passwords and codes -------------------------------------------------------- */

static char dummy_hash[KZ_PWHASH_TEXT];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[KZ_TOKEN_TEXT];
    kz_token_new(pw);
    if (kz_password_hash(pw, dummy_hash))
        dummy_hash[0] = '\0';
}

/* The Argon2id check, also run (against a hash of a random password) when the account
 * or its password does not exist, so that neither answers faster. */
static bool password_ok(const kz_user_secrets *sec, const char *password)
{
    /* made on the first sign-in of any kind, so that its cost marks no answer */
    pthread_once(&dummy_once, make_dummy);
    if (sec && sec->password_hash)
        return kz_password_verify(sec->password_hash, password);
    kz_password_verify(dummy_hash, password);
    return false;
}

/* TOTP secrets are kept in the database sealed under a key derived from the node's
 * token key (in the key file), so that a copy of the database alone cannot produce
 * codes. Stored as hex of nonce, box. */
enum { SEALED_HEX = 2 * (KZ_TOTP_SECRET_BYTES + KZ_SEAL_OVERHEAD) + 1 };

static void totp_key(const kz_node *node, unsigned char key[KZ_TOKEN_BYTES])
{
    static const char label[] = "kizuna totp key v1";
    kz_hmac(node->answer_key, label, sizeof label - 1, key);
}

static void seal_totp(const kz_node *node, const unsigned char raw[KZ_TOTP_SECRET_BYTES], char out[SEALED_HEX])
{
    unsigned char key[KZ_TOKEN_BYTES], box[KZ_TOTP_SECRET_BYTES + KZ_SEAL_OVERHEAD];
    totp_key(node, key);
    kz_seal(key, raw, KZ_TOTP_SECRET_BYTES, box);
    kz_hex_encode(box, sizeof box, out);
    kz_wipe(key, sizeof key);
}

/* The raw secret of a stored one; false when it does not open (another node's key). */
static bool open_totp(const kz_node *node, const char *stored, unsigned char raw[KZ_TOTP_SECRET_BYTES])
{
    unsigned char key[KZ_TOKEN_BYTES], box[KZ_TOTP_SECRET_BYTES + KZ_SEAL_OVERHEAD];
    long n = stored ? kz_hex_decode(stored, box, sizeof box) : -1;
    totp_key(node, key);
    bool ok = n == (long)sizeof box && kz_unseal(key, box, sizeof box, raw);
    kz_wipe(key, sizeof key);
    return ok;
}

/* A recovery code as stored: lower case without separators, hashed with the user id. */
static void recovery_hash(const char *user_id, const char *code, char out[KZ_HASH_HEX])
{
    char norm[64];
    size_t n = (size_t)snprintf(norm, sizeof norm, "%s:", user_id);
    for (const char *p = code; *p && n + 1 < sizeof norm; p++)
        if (isalnum((unsigned char)*p))
            norm[n++] = (char)tolower((unsigned char)*p);
    norm[n < sizeof norm ? n : sizeof norm - 1] = '\0';
    kz_hash_hex(norm, strlen(norm), out);
    kz_wipe(norm, sizeof norm);
}

/* Checks the second factor inside the caller's write transaction: a TOTP code (each
 * step accepted once) or a recovery code (deleted when used). */
static kz_rc second_factor(kz_call *c, const kz_user *u, const kz_user_secrets *sec, const char *code)
{
    unsigned char key[KZ_TOTP_SECRET_BYTES];
    if (strlen(code) == KZ_TOTP_DIGITS && strspn(code, "0123456789") == KZ_TOTP_DIGITS) {
        bool opened = open_totp(c->node, sec->totp_secret, key);
        uint64_t step = opened ? kz_totp_check(key, sizeof key, code, kz_now_ms() / 1000) : 0;
        kz_wipe(key, sizeof key);
        if (!step)
            return kz_fail(c->err, KZ_EUNAUTH, "totp", "the code is wrong or too old; check the device's clock");
        kz_rc rc = kz_store_user_totp_used(c->db, u->id, (int64_t)step, c->err);
        return rc == KZ_ECONFLICT ? kz_fail(c->err, KZ_EUNAUTH, "totp", "this code was used already; wait for the next one")
                                  : rc;
    }
    char hash[KZ_HASH_HEX];
    recovery_hash(u->id, code, hash);
    kz_rc rc = kz_store_recovery_use(c->db, u->id, hash, c->err);
    return rc == KZ_ENOTFOUND ? kz_fail(c->err, KZ_EUNAUTH, "totp", "the code is wrong or too old; check the device's clock")
                              : rc;
}

/* ---- sessions ------------------------------------------------------------------ */

void kz_session_csrf(const kz_node *node, const char *token, char out[KZ_TOKEN_TEXT])
{
    /* The node's token key (answer tokens use it too); the "session-csrf:" prefix keeps
     * the two kinds of message apart, as "check-answer:" does on the other side. */
    char msg[KZ_TOKEN_TEXT + 16];
    unsigned char mac[KZ_HASH_BYTES];
    int n = snprintf(msg, sizeof msg, "session-csrf:%s", token);
    kz_hmac(node->answer_key, msg, (size_t)n, mac);
    kz_b64url_encode(mac, sizeof mac, out, KZ_TOKEN_TEXT);
    kz_wipe(mac, sizeof mac);
}

static void fill_times(kz_call *c, kz_session *s, kz_time last_seen, kz_time expires)
{
    s->idle_seconds = kz_setting_int(c, "sessions.idle_minutes") * 60;
    s->expires_at = expires;
    s->idle_expires_at = last_seen + s->idle_seconds * 1000;
    if (s->idle_expires_at > expires)
        s->idle_expires_at = expires;
}

/* Writes the new session and audits the sign-in (inside the transaction). */
static kz_rc open_session(kz_call *c, const subjects *subj, kz_session *out)
{
    kz_time now = kz_now_ms();
    kz_time expires = now + kz_setting_int(c, "sessions.absolute_hours") * 3600 * 1000;
    char hash[KZ_HASH_HEX];
    kz_token_new(out->token);
    kz_hash_hex(out->token, strlen(out->token), hash);
    kz_session_csrf(c->node, out->token, out->csrf);
    fill_times(c, out, now, expires);
    kz_rc rc = kz_store_session_insert(c->db, hash, out->user.id, now, expires, c->err);
    for (int i = 0; !rc && i < N_THROTTLES; i++)
        rc = kz_store_failures_clear(c->db, subj->name[i], c->err);
    if (!rc)
        rc = kz_audit(c, "session.create", "user", out->user.id, NULL);
    return rc;
}

static kz_rc check_signin_input(kz_call *c, const kz_signin *in)
{
    if (!in->email || !in->email[0] || strlen(in->email) > EMAIL_MAX)
        return kz_fail(c->err, KZ_EINVAL, "email", "email is required");
    if (!in->password || !in->password[0] || strlen(in->password) > KZ_PASSWORD_MAX_BYTES)
        return kz_fail(c->err, KZ_EINVAL, "password", "password is required");
    if (in->totp && strlen(in->totp) > 64)
        return kz_fail(c->err, KZ_EUNAUTH, "totp", "the code is wrong or too old; check the device's clock");
    return KZ_OK;
}

kz_rc kz_svc_session_create(kz_call *c, const kz_signin *in, kz_session *out, int64_t *retry_after)
{
    *retry_after = 0;
    memset(out, 0, sizeof *out);
    subjects subj;
    kz_rc rc = check_signin_input(c, in);
    if (rc || (rc = make_subjects(c, in, &subj)) || (rc = longest_wait(c, &subj, retry_after)))
        return rc;
    if (*retry_after > 0)
        return record_failure(c, &subj, NULL, "throttled",
                              kz_fail(c->err, KZ_ETOOMANY, NULL,
                                      "too many failed sign-ins; try again in %lld seconds", (long long)*retry_after));
    kz_user_secrets sec;
    kz_err e2;
    rc = kz_store_user_by_email(c->db, in->email, c->arena, &out->user, &sec, &e2);
    if (rc && rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    bool known = rc == KZ_OK, right = password_ok(known ? &sec : NULL, in->password);
    if (!right || out->user.disabled)
        return record_failure(c, &subj, known ? out->user.id : NULL,
                              !known ? "unknown account" : !right ? "password" : "disabled account",
                              kz_fail(c->err, KZ_EUNAUTH, NULL, wrong_credentials));
    if (sec.totp_secret && !in->totp)
        return kz_fail(c->err, KZ_EUNAUTH, "totp",
                       "this account needs the 6-digit code of its authenticator app (or a recovery code)");
    c->who.key_id = kz_arena_printf(c->arena, "user:%s", out->user.id);
    c->who.org = out->user.organization;
    c->who.role = out->user.role;
    if ((rc = kz_tx_begin(c)))
        return rc;
    if (sec.totp_secret && (rc = second_factor(c, &out->user, &sec, in->totp))) {
        kz_tx_end(c, rc);
        c->who.key_id = NULL;
        c->who.role = -1;
        return record_failure(c, &subj, out->user.id, "second factor", rc);
    }
    return kz_tx_end(c, open_session(c, &subj, out));
}

/* The session of hash, its user, the idle setting and the user's organization, read
 * in one read transaction (one snapshot, and the file locks taken once). */
static kz_rc load_session(kz_call *c, const char *hash, kz_session *out, kz_session_row *row, kz_org *org)
{
    static const char gone[] = "the session has ended; sign in again";
    kz_err e2;
    kz_rc rc = kz_rtx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_session_get(c->db, hash, c->arena, row, &out->user, &e2);
    if (rc)
        rc = kz_fail(c->err, rc == KZ_ENOTFOUND ? KZ_EUNAUTH : rc, NULL, "%s", rc == KZ_ENOTFOUND ? gone : e2.msg);
    if (!rc) {
        fill_times(c, out, row->last_seen, row->expires);
        if (kz_now_ms() >= out->idle_expires_at || out->user.disabled)
            rc = kz_fail(c->err, KZ_EUNAUTH, NULL, gone);
    }
    if (!rc && (rc = kz_store_org_get(c->db, out->user.organization, c->arena, org, &e2)))
        rc = kz_fail(c->err, rc, NULL, "%s", e2.msg);
    kz_rtx_end(c);
    return rc;
}

kz_rc kz_svc_session_resume(kz_call *c, const char *token, kz_session *out)
{
    size_t n = strlen(token);
    memset(out, 0, sizeof *out);
    if (n < 16 || n >= KZ_TOKEN_TEXT)
        return kz_fail(c->err, KZ_EUNAUTH, NULL, "the session has ended; sign in again");
    char hash[KZ_HASH_HEX];
    kz_hash_hex(token, n, hash);
    kz_session_row row;
    kz_org org;
    kz_rc rc = load_session(c, hash, out, &row, &org);
    if (rc)
        return rc;
    snprintf(out->token, sizeof out->token, "%s", token);
    kz_session_csrf(c->node, token, out->csrf);
    /* Touching is what keeps the session alive; often enough for the shortest idle
     * setting, rarely enough not to write on every request. It does not wait for a
     * writer, unless half the idle time has gone since the last touch: a session in use
     * must not end because every touch met another writer. */
    kz_time now = kz_now_ms();
    int64_t idle_ms = out->idle_seconds * 1000;
    int64_t every = idle_ms / 10 < 60000 ? idle_ms / 10 : 60000;
    bool wait = now - row.last_seen >= idle_ms / 2;
    kz_err e2;
    if (now - row.last_seen >= every && !kz_store_session_touch(c->db, hash, now, wait, &e2)) {
        out->idle_expires_at = now + idle_ms;
        if (out->idle_expires_at > out->expires_at)
            out->idle_expires_at = out->expires_at;
    }
    c->who.key_id = kz_arena_printf(c->arena, "user:%s", out->user.id);
    c->who.org = out->user.organization;
    c->who.role = out->user.role;
    c->who.client_of = org.client ? c->node->org_id : NULL;
    kz_svc_exercise_viewer(c);
    return c->who.key_id ? KZ_OK : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_svc_session_end(kz_call *c, const kz_session *s)
{
    char hash[KZ_HASH_HEX];
    kz_hash_hex(s->token, strlen(s->token), hash);
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_session_delete(c->db, hash, c->err);
    if (!rc)
        rc = kz_audit(c, "session.delete", "user", s->user.id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_session_update(kz_call *c, kz_session *s, const char *language, const char *time_zone)
{
    kz_rc rc = KZ_OK;
    if (language && kz_enum_parse(&kz_user_language_enum, language) < 0)
        return kz_fail(c->err, KZ_EINVAL, "language", "language must be en or ja");
    if (time_zone && (rc = kz_valid_timezone(time_zone, "time_zone", c->err)))
        return rc;
    if ((rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_user_get(c->db, s->user.id, c->arena, &s->user, NULL, c->err);
    if (!rc) {
        s->user.language = language ? language : s->user.language;
        s->user.time_zone = time_zone ? time_zone : s->user.time_zone;
        s->user.modified = kz_now_ms();
        rc = kz_store_user_update(c->db, &s->user, c->err);
    }
    if (!rc)
        rc = kz_audit(c, "user.update", "user", s->user.id, "own settings");
    return kz_tx_end(c, rc);
}

long kz_svc_sessions_purge(kz_call *c)
{
    kz_time now = kz_now_ms();
    int64_t idle_ms = kz_setting_int(c, "sessions.idle_minutes") * 60 * 1000, n = 0;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return -1;
    rc = kz_store_users_purge(c->db, now, now - idle_ms, now - FAILURES_FORGOTTEN_MS, &n, c->err);
    char detail[48];
    snprintf(detail, sizeof detail, "%lld ended or expired rows", (long long)n);
    if (!rc && n > 0)
        rc = kz_audit(c, "session.purge", "session", NULL, detail);
    return kz_tx_end(c, rc) ? -1 : (long)n;
}

kz_rc kz_svc_session_password(kz_call *c, const kz_session *s, const char *current, const char *password,
                              int64_t *retry_after)
{
    kz_signin in = {s->user.email, current, NULL, NULL};
    subjects subj;
    kz_user_secrets sec;
    kz_user u;
    char pw[KZ_PWHASH_TEXT], hash[KZ_HASH_HEX];
    *retry_after = 0;
    kz_rc rc = kz_password_check(password, c->err);
    if (!rc && (!current || !current[0]))
        rc = kz_fail(c->err, KZ_EINVAL, "current_password", "current_password is required");
    if (rc || (rc = make_subjects(c, &in, &subj)))
        return rc;
    subj.name[1] = subj.name[0]; /* the account only: the session is the user's already */
    if ((rc = longest_wait(c, &subj, retry_after)))
        return rc;
    if (*retry_after > 0)
        return record_failure(c, &subj, s->user.id, "throttled",
                              kz_fail(c->err, KZ_ETOOMANY, "current_password",
                                      "too many wrong passwords; try again in %lld seconds", (long long)*retry_after));
    if ((rc = kz_store_user_get(c->db, s->user.id, c->arena, &u, &sec, c->err)))
        return rc;
    if (!password_ok(&sec, current))
        return record_failure(c, &subj, s->user.id, "password change",
                              kz_fail(c->err, KZ_EINVAL, "current_password", "the current password is wrong"));
    if (kz_password_hash(password, pw))
        return kz_fail(c->err, KZ_ENOMEM, NULL, "not enough memory to hash the password");
    kz_hash_hex(s->token, strlen(s->token), hash);
    if (!(rc = kz_tx_begin(c)))
        rc = kz_store_user_set_password(c->db, s->user.id, pw, kz_now_ms(), c->err);
    kz_wipe(pw, sizeof pw);
    if (!rc)
        rc = kz_store_sessions_end_user(c->db, s->user.id, hash, c->err);
    if (!rc)
        rc = kz_audit(c, "user.password_change", "user", s->user.id, NULL);
    return kz_tx_end(c, rc);
}

/* ---- the second factor --------------------------------------------------------- */

/* Percent-encodes v for a URI (RFC 3986 unreserved characters pass). Arena. */
static char *uri_escape(kz_arena *a, const char *v)
{
    char *out = kz_arena_alloc(a, strlen(v) * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            *o++ = (char)*p;
        else
            o += snprintf(o, 4, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

kz_rc kz_svc_totp_begin(kz_call *c, const kz_session *s, char secret[KZ_TOTP_SECRET_TEXT], char **uri)
{
    if (s->user.totp_enabled)
        return kz_fail(c->err, KZ_ECONFLICT, NULL,
                       "the second factor is on already; an administrator's reset turns it off");
    unsigned char key[KZ_TOTP_SECRET_BYTES];
    char sealed[SEALED_HEX];
    kz_random_bytes(key, sizeof key);
    kz_base32_encode(key, sizeof key, secret, KZ_TOTP_SECRET_TEXT);
    seal_totp(c->node, key, sealed);
    kz_wipe(key, sizeof key);
    char *email = uri_escape(c->arena, s->user.email);
    *uri = email ? kz_arena_printf(c->arena,
                                   "otpauth://totp/Kizuna:%s?secret=%s&issuer=Kizuna&algorithm=SHA1&digits=%d&period=%d",
                                   email, secret, KZ_TOTP_DIGITS, KZ_TOTP_STEP_S)
                 : NULL;
    if (!*uri)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_user_set_totp(c->db, s->user.id, NULL, sealed, kz_now_ms(), c->err);
    if (!rc)
        rc = kz_audit(c, "user.totp_begin", "user", s->user.id, NULL);
    return kz_tx_end(c, rc);
}

static void new_recovery_code(char out[KZ_RECOVERY_TEXT])
{
    unsigned char raw[8];
    char b32[16];
    kz_random_bytes(raw, sizeof raw);
    kz_base32_encode(raw, sizeof raw, b32, sizeof b32);
    for (char *p = b32; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(out, KZ_RECOVERY_TEXT, "%.5s-%.5s", b32, b32 + 5);
    kz_wipe(raw, sizeof raw);
    kz_wipe(b32, sizeof b32);
}

/* Checks code against the pending secret; the accepted step, or 0 with the error. */
static uint64_t check_pending(kz_call *c, const kz_user_secrets *sec, const char *code)
{
    unsigned char key[KZ_TOTP_SECRET_BYTES];
    if (sec->totp_secret) {
        kz_fail(c->err, KZ_ECONFLICT, NULL, "the second factor is on already");
        return 0;
    }
    if (!sec->totp_pending) {
        kz_fail(c->err, KZ_ECONFLICT, NULL, "start the enrolment first: POST /api/v1/session/totp");
        return 0;
    }
    bool opened = open_totp(c->node, sec->totp_pending, key);
    uint64_t step = opened && code ? kz_totp_check(key, sizeof key, code, kz_now_ms() / 1000) : 0;
    kz_wipe(key, sizeof key);
    if (!step)
        kz_fail(c->err, KZ_EINVAL, "code", "the code does not match; enter the 6 digits the app shows now");
    return step;
}

kz_rc kz_svc_totp_confirm(kz_call *c, kz_session *s, const char *code, char codes[KZ_RECOVERY_CODES][KZ_RECOVERY_TEXT])
{
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    kz_user_secrets sec;
    rc = kz_store_user_get(c->db, s->user.id, c->arena, &s->user, &sec, c->err);
    uint64_t step = rc ? 0 : check_pending(c, &sec, code);
    if (!rc && !step)
        rc = c->err->rc;
    if (!rc)
        rc = kz_store_user_set_totp(c->db, s->user.id, sec.totp_pending, NULL, kz_now_ms(), c->err);
    if (!rc)
        rc = kz_store_user_totp_used(c->db, s->user.id, (int64_t)step, c->err);
    char hashes[KZ_RECOVERY_CODES][KZ_HASH_HEX];
    const char *hp[KZ_RECOVERY_CODES];
    for (int i = 0; !rc && i < KZ_RECOVERY_CODES; i++) {
        new_recovery_code(codes[i]);
        recovery_hash(s->user.id, codes[i], hashes[i]);
        hp[i] = hashes[i];
    }
    if (!rc)
        rc = kz_store_recovery_replace(c->db, s->user.id, hp, KZ_RECOVERY_CODES, c->err);
    if (!rc)
        rc = kz_audit(c, "user.totp_enable", "user", s->user.id, NULL);
    rc = kz_tx_end(c, rc);
    if (!rc)
        s->user.totp_enabled = true;
    else
        kz_wipe(codes, sizeof(char) * KZ_RECOVERY_CODES * KZ_RECOVERY_TEXT);
    return rc;
}
