/* API keys: 256-bit random secrets shown once; only their hashes are stored. */
#include "service/directory/keys.h"
#include "service/exercises/exercises.h"

#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

enum { KEY_PREFIX_LEN = 8, TOUCH_EVERY_MS = 60 * 1000 };

kz_rc kz_svc_key_create(kz_call *c, kz_apikey *k, char key_out[KZ_KEY_TEXT])
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_org org;
    kz_err e2;
    rc = kz_store_org_get(c->db, k->organization, c->arena, &org, &e2);
    if (rc == KZ_ENOTFOUND)
        rc = kz_fail(c->err, KZ_EINVAL, "organization", "no organization %s", k->organization);
    else if (rc)
        rc = kz_fail(c->err, rc, NULL, "%s", e2.msg);
    /* An admin manages the whole node, so only the operator's own people may be one. */
    if (!rc && k->role == KZ_ROLE_ADMIN && strcmp(k->organization, c->node->org_id) != 0)
        rc = kz_fail(c->err, KZ_EINVAL, "role",
                     "admin keys belong to the node operator's organization; give analyst or viewer");
    char token[KZ_TOKEN_TEXT], hash[KZ_HASH_HEX];
    if (!rc) {
        kz_token_new(token);
        snprintf(key_out, KZ_KEY_TEXT, "kz_%s", token);
        kz_wipe(token, sizeof token);
        kz_hash_hex(key_out, strlen(key_out), hash);
        k->id = kz_new_id(c);
        k->prefix = kz_arena_strndup(c->arena, key_out, KEY_PREFIX_LEN);
        k->created = k->modified = kz_now_ms();
        k->last_used = k->revoked = 0;
        rc = !k->id || !k->prefix ? kz_fail(c->err, KZ_ENOMEM, NULL, NULL)
                                  : kz_store_key_insert(c->db, k, hash, c->err);
    }
    if (!rc)
        rc = kz_audit(c, "key.create", "key", k->id, kz_enum_name(&kz_key_role_enum, k->role));
    rc = kz_tx_end(c, rc);
    if (rc)
        kz_wipe(key_out, KZ_KEY_TEXT);
    return rc;
}

kz_rc kz_svc_key_list(kz_call *c, const char *organization, const kz_page *pg, kz_apikey_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_key_list(c->db, organization, pg, c->arena, out, c->err);
}

kz_rc kz_svc_key_get(kz_call *c, const char *id, kz_apikey *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_key_get(c->db, id, c->arena, out, c->err);
}

kz_rc kz_svc_key_revoke(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_key_revoke(c->db, id, kz_now_ms(), c->err);
    if (!rc)
        rc = kz_audit(c, "key.revoke", "key", id, NULL);
    return kz_tx_end(c, rc);
}

/* The last key each thread authenticated, with what it resolved to, valid while the
 * store's generation is unchanged (any commit, here or by another process, moves it: a
 * revoked key, a changed role or organization, a new exercise player is seen on the
 * next request). Saves the three queries of every authenticated request. Per thread,
 * so no lock; the hash is compared in constant time. */
enum { MEMO_EXERCISES = 8 };
typedef struct {
    const kz_node *node;
    uint64_t generation;
    char hash[KZ_HASH_HEX];
    char key_id[KZ_UUID_TEXT], org[KZ_UUID_TEXT];
    int role;
    bool client;
    kz_time last_used;
    size_t n_exercises;
    char exercises[MEMO_EXERCISES][KZ_UUID_TEXT];
} auth_memo;
static _Thread_local auth_memo memo;

static bool copy_id(char dst[KZ_UUID_TEXT], const char *src)
{
    return src && snprintf(dst, KZ_UUID_TEXT, "%s", src) < KZ_UUID_TEXT;
}

/* Remembers what c->who became for hash (when it fits: ids of uuid length, few exercises). */
static void memo_keep(const kz_call *c, const char *hash, uint64_t gen, kz_time last_used)
{
    memo.node = NULL;
    if (c->who.n_exercises > MEMO_EXERCISES || !copy_id(memo.key_id, c->who.key_id) || !copy_id(memo.org, c->who.org))
        return;
    for (size_t i = 0; i < c->who.n_exercises; i++)
        if (!copy_id(memo.exercises[i], c->who.exercises[i]))
            return;
    memcpy(memo.hash, hash, sizeof memo.hash);
    memo.generation = gen;
    memo.role = c->who.role;
    memo.client = c->who.client_of != NULL;
    memo.last_used = last_used;
    memo.n_exercises = c->who.n_exercises;
    memo.node = c->node;
}

/* Fills c->who from the memo when it holds hash at gen; false otherwise. */
static bool memo_use(kz_call *c, const char *hash, uint64_t gen, kz_time now)
{
    if (memo.node != c->node || memo.generation != gen || !kz_ct_equal(memo.hash, hash, sizeof memo.hash) ||
        now - memo.last_used > TOUCH_EVERY_MS)
        return false;
    /* copies in the request's arena: a streamed response reads c->who after this thread
     * has authenticated other requests */
    const char **ex = memo.n_exercises ? kz_arena_calloc(c->arena, memo.n_exercises, sizeof *ex) : NULL;
    const char *key_id = kz_arena_strndup(c->arena, memo.key_id, KZ_UUID_TEXT);
    const char *org = kz_arena_strndup(c->arena, memo.org, KZ_UUID_TEXT);
    if ((memo.n_exercises && !ex) || !key_id || !org)
        return false;
    for (size_t i = 0; i < memo.n_exercises; i++)
        if (!(ex[i] = kz_arena_strndup(c->arena, memo.exercises[i], KZ_UUID_TEXT)))
            return false;
    c->who.key_id = key_id;
    c->who.org = org;
    c->who.role = memo.role;
    c->who.client_of = memo.client ? c->node->org_id : NULL;
    c->who.exercises = ex;
    c->who.n_exercises = memo.n_exercises;
    return true;
}

kz_rc kz_svc_authenticate(kz_call *c, const char *secret)
{
    char hash[KZ_HASH_HEX];
    size_t n = strlen(secret);
    if (n < 10 || n > KZ_KEY_TEXT)
        return kz_fail(c->err, KZ_EUNAUTH, NULL, "unknown or revoked API key");
    kz_hash_hex(secret, n, hash);
    uint64_t gen = kz_call_generation(c);
    kz_time now = kz_now_ms();
    if (memo_use(c, hash, gen, now))
        return KZ_OK;
    kz_apikey k;
    kz_err e2;
    kz_rc rc = kz_store_key_by_hash(c->db, hash, c->arena, &k, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_EUNAUTH, NULL, "unknown or revoked API key");
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    kz_org org;
    rc = kz_store_org_get(c->db, k.organization, c->arena, &org, &e2);
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    c->who.key_id = k.id;
    c->who.org = k.organization;
    c->who.role = k.role;
    c->who.client_of = org.client ? c->node->org_id : NULL;
    kz_svc_exercise_viewer(c);
    if (now - k.last_used > TOUCH_EVERY_MS && !kz_store_key_touch(c->db, k.id, now, &e2))
        k.last_used = now;  /* best effort: a busy db must not refuse reads */
    if (now - k.last_used <= TOUCH_EVERY_MS)
        memo_keep(c, hash, kz_store_generation(c->db), k.last_used);
    return KZ_OK;
}
