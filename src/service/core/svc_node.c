/* Creating and opening a node: the database, the operator's organization, the key file
 * that holds the node's secrets (crypto/keyfile.h) and the first admin key; and moving
 * the secrets of a database from before key files out into one. */
#include "service/core/node.h"

#include "codec/json/json_fields.h"
#include "crypto/keyfile.h"
#include "service/core/call.h"
#include "service/directory/keys.h"
#include "store/core/audit.h"
#include "service/core/tlp.h"
#include "util/alloc.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PATH_MAX_ = 4096 };

/* meta keys: the public key stays in the database (to tell a wrong key file); the two
 * secrets older databases kept there are moved out on open. */
static const char pk_meta[] = "node_sign_pk", legacy_secret[] = "node_secret", legacy_sign[] = "node_sign_key";

static kz_rc key_path(const char *db, const char *given, char out[PATH_MAX_], kz_err *err)
{
    if (given ? (size_t)snprintf(out, PATH_MAX_, "%s", given) >= PATH_MAX_ : !kz_keyfile_default(db, out, PATH_MAX_))
        return kz_fail(err, KZ_EINVAL, "key-file", "the key file's path is too long");
    return KZ_OK;
}

/* The node takes its secrets from k and signs its audit entries with them from now on. */
static void take_keys(kz_node *node, const kz_keyset *k)
{
    memcpy(node->sign_sk, k->sign_sk, sizeof node->sign_sk);
    memcpy(node->answer_key, k->answer_key, sizeof node->answer_key);
    memcpy(node->victim_key, k->victim_key, sizeof node->victim_key);
    kz_sign_public_key(node->sign_sk, node->sign_pk);
    node->has_prev = k->has_prev;
    if (k->has_prev) {
        memcpy(node->prev_sk, k->prev_sk, sizeof node->prev_sk);
        kz_sign_public_key(node->prev_sk, node->prev_pk);
    }
    node->has_keys = true;
    kz_store_set_signer(node->store, node->sign_sk);
    kz_cursor_key(node->answer_key); /* list cursors and TAXII next (crypto.h) */
}

/* Inside a write transaction: records the public key in meta and, in the audit chain,
 * that the node signs with it (so a record signed by it can be traced to the node). */
static kz_rc note_sign_key(kz_db *db, kz_node *node, const char *actor, kz_err *err)
{
    char pk[2 * KZ_SIGN_PK_BYTES + 1];
    kz_hex_encode(node->sign_pk, sizeof node->sign_pk, pk);
    kz_audit_event ev = {.actor_key = actor, .actor_org = node->org_id, .action = "node.signing_key",
                         .object_type = "node", .object_id = node->org_id, .detail = pk};
    kz_rc rc = kz_store_meta_put(db, pk_meta, node->sign_pk, sizeof node->sign_pk, err);
    return rc ? rc : kz_store_audit_append(db, &ev, err);
}

/* The secrets an older database kept in meta, as a key set: the answer-token key is the
 * old node secret itself and the victim key the one derived from it, so links already
 * mailed still answer and victims already counted stay the same. *found is false when
 * there are none (another process moved them first). *had_sign is false for a database
 * from before signing keys, which gets a new one. */
static kz_rc legacy_keys(kz_db *db, const kz_node *node, kz_keyset *k, bool *found, bool *had_sign, kz_err *err)
{
    unsigned char secret[KZ_TOKEN_BYTES];
    size_t len = 0;
    kz_err e2;
    kz_rc rc = kz_store_meta_get(db, legacy_secret, secret, sizeof secret, &len, &e2);
    *found = rc != KZ_ENOTFOUND;
    if (!*found)
        return KZ_OK;
    if (rc || len != sizeof secret)
        return kz_fail(err, rc ? rc : KZ_ECORRUPT, "db", "the old node secret cannot be read");
    unsigned char pk[KZ_SIGN_PK_BYTES];
    kz_keyset_new(k, node->org_id);
    memcpy(k->answer_key, secret, sizeof secret);
    kz_hmac(secret, "kizuna victim key v1", 20, k->victim_key);
    kz_wipe(secret, sizeof secret);
    rc = kz_store_meta_get(db, legacy_sign, k->sign_sk, sizeof k->sign_sk, &len, &e2);
    *had_sign = rc != KZ_ENOTFOUND;
    if (!*had_sign)
        kz_sign_keypair(pk, k->sign_sk);
    else if (rc || len != sizeof k->sign_sk || !kz_sign_key_check(k->sign_sk))
        return kz_fail(err, KZ_ECORRUPT, "db", "the old node signing key cannot be read");
    return KZ_OK;
}

/* Writes the key file of k, or accepts the one there when it holds the same keys (a
 * move that crashed before its commit). */
static kz_rc keep_in_file(const char *path, const kz_keyset *k, kz_err *err)
{
    kz_keyset have;
    kz_err e2;
    kz_rc rc = kz_keyfile_read(path, &have, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_keyfile_create(path, k, err);
    bool same = !rc && kz_ct_equal(&have, k, sizeof have);
    kz_wipe(&have, sizeof have);
    if (rc)
        return kz_fail(err, rc, e2.field, "%s", e2.msg);
    return same ? KZ_OK
                : kz_fail(err, KZ_ECONFLICT, "key-file", "%s holds other keys than this database's; "
                          "move it away to let the database's secrets be moved into a new key file", path);
}

static const char *const legacy_meta[] = {legacy_secret, legacy_sign};

/* Inside the write transaction of move_keys_out: *found is false when another process
 * moved the secrets first. */
static kz_rc move_in_tx(kz_db *db, kz_node *node, const char *path, bool *found, kz_err *err)
{
    kz_keyset k;
    bool had_sign = true;
    kz_rc rc = legacy_keys(db, node, &k, found, &had_sign, err);
    if (!rc && *found)
        rc = keep_in_file(path, &k, err);
    if (!rc && *found) {
        take_keys(node, &k);
        rc = kz_store_meta_forget(db, legacy_meta, 2, err);
        kz_audit_event ev = {.actor_key = "kizuna", .actor_org = node->org_id, .action = "node.keys_moved",
                             .object_type = "node", .object_id = node->org_id,
                             .detail = "the node's secrets moved from the database into its key file"};
        if (!rc)
            rc = had_sign ? kz_store_meta_put(db, pk_meta, node->sign_pk, sizeof node->sign_pk, err)
                          : note_sign_key(db, node, "kizuna", err);
        if (!rc)
            rc = kz_store_audit_append(db, &ev, err);
    }
    kz_wipe(&k, sizeof k);
    return rc;
}

/* A database from before key files: its secrets go into the key file, leave the
 * database (secure_delete, then an emptied WAL) and the move is audited. Done in one
 * write transaction, so two processes opening it at once agree. */
static kz_rc move_keys_out(kz_db *db, kz_node *node, const char *path, kz_err *err)
{
    unsigned char probe[KZ_TOKEN_BYTES];
    size_t len = 0;
    kz_err e2;
    bool found = false;
    kz_rc rc = kz_store_meta_get(db, legacy_secret, probe, sizeof probe, &len, &e2);
    kz_wipe(probe, sizeof probe);
    if (rc == KZ_ENOTFOUND)
        return KZ_OK; /* the usual case: nothing to move, no write lock taken */
    if ((rc = kz_db_begin(db, true, err)))
        return rc;
    rc = move_in_tx(db, node, path, &found, err);
    if (rc)
        kz_db_rollback(db);
    else
        rc = kz_db_commit(db, err); /* which rolls back itself when it fails */
    if (rc)
        return rc;
    if (found && kz_store_scrub_wal(db, &e2))
        kz_log(KZ_LOG_WARN, "node.keys_moved", KZ_S("wal", "not emptied: another process reads the database"));
    else if (found)
        kz_log(KZ_LOG_INFO, "node.keys_moved", KZ_S("key_file", path));
    return KZ_OK;
}

/* Whether k is the key file of a rotation whose database commit did not happen: its
 * previous key is the one the database names. */
static bool unfinished_rotation(const kz_keyset *k, const unsigned char want[KZ_SIGN_PK_BYTES])
{
    unsigned char prev[KZ_SIGN_PK_BYTES];
    if (!k->has_prev)
        return false;
    kz_sign_public_key(k->prev_sk, prev);
    return memcmp(prev, want, sizeof prev) == 0;
}

/* Reads the key file and checks it belongs to this database's node. */
static kz_rc read_keys(kz_db *db, kz_node *node, const char *path, kz_err *err)
{
    kz_keyset k;
    kz_rc rc = kz_keyfile_read(path, &k, err);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, rc, "key-file", "no key file at %s: the node's secrets (its signing key, the answer-token "
                       "and victim-hashing keys) are kept there, not in the database. Restore it from its backup, "
                       "or name it with --key-file FILE (KIZUNA_KEY_FILE)", path);
    if (rc)
        return rc;
    unsigned char want[KZ_SIGN_PK_BYTES], have[KZ_SIGN_PK_BYTES];
    size_t len = 0;
    kz_sign_public_key(k.sign_sk, have);
    if (strcmp(k.node, node->org_id) != 0)
        rc = kz_fail(err, KZ_ECONFLICT, "key-file", "the key file %s belongs to node %s, not to this database's "
                     "node %s", path, k.node, node->org_id);
    else if (kz_store_meta_get(db, pk_meta, want, sizeof want, &len, err) || len != sizeof want)
        rc = kz_fail(err, KZ_ECORRUPT, "db", "the database records no signing key");
    else if (memcmp(want, have, sizeof want) != 0 && !unfinished_rotation(&k, want))
        rc = kz_fail(err, KZ_ECONFLICT, "key-file", "the key file %s does not hold this database's signing key", path);
    if (!rc && memcmp(want, have, sizeof want) != 0) {
        /* a rotation that wrote the key file but never committed: the old key stays */
        memcpy(k.sign_sk, k.prev_sk, sizeof k.sign_sk);
        k.has_prev = false;
        kz_log(KZ_LOG_WARN, "node.key_rotate", KZ_S("state", "not finished: the node keeps its key of before"));
    }
    if (!rc) {
        take_keys(node, &k);
        snprintf(node->key_file, sizeof node->key_file, "%s", path);
    }
    kz_wipe(&k, sizeof k);
    return rc;
}

/* Without the key file: the public key the database names, for display only. */
static void public_only(kz_db *db, kz_node *node)
{
    unsigned char any[KZ_TOKEN_BYTES];
    kz_random_bytes(any, sizeof any); /* cursors of this process only: there is no secret */
    kz_cursor_key(any);
    kz_wipe(any, sizeof any);
    size_t len = 0;
    kz_err e2;
    if (kz_store_meta_get(db, pk_meta, node->sign_pk, sizeof node->sign_pk, &len, &e2) || len != sizeof node->sign_pk)
        memset(node->sign_pk, 0, sizeof node->sign_pk);
}

static kz_rc load(kz_node *node, const char *path, unsigned flags, kz_err *err)
{
    kz_db *db = kz_store_db(node->store, err);
    if (!db)
        return err->rc;
    size_t len = 0;
    kz_rc rc = kz_store_meta_get(db, "node_org", node->org_id, sizeof node->org_id - 1, &len, err);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, KZ_ECORRUPT, "db", "this database was not made by kizuna init");
    if (rc)
        return rc;
    node->org_id[len] = '\0';
    if (flags & KZ_NODE_PUBLIC_ONLY) {
        public_only(db, node);
        return KZ_OK;
    }
    if (!(flags & KZ_NODE_READ_ONLY) && ((rc = move_keys_out(db, node, path, err)) || node->has_keys))
        return rc; /* an old database whose keys were just moved, or the error */
    return read_keys(db, node, path, err);
}

static unsigned store_flags(unsigned node_flags)
{
    return ((node_flags & KZ_NODE_SYNC_NORMAL) ? KZ_STORE_SYNC_NORMAL : 0) |
           ((node_flags & KZ_NODE_READ_ONLY) ? KZ_STORE_READ_ONLY : 0);
}

kz_rc kz_node_open_keys(const char *path, const char *key_file, unsigned flags, kz_node **out, kz_err *err)
{
    char kpath[PATH_MAX_];
    kz_json_init();
    kz_rc rc = key_path(path, key_file, kpath, err);
    kz_node *node = rc ? NULL : kz_calloc(1, sizeof *node);
    if (rc || !node)
        return rc ? rc : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_store_set_visibility(kz_tlp_visible);
    rc = kz_store_open(path, store_flags(flags), &node->store, err);
    if (!rc)
        rc = load(node, kpath, flags, err);
    if (rc) {
        kz_node_close(node);
        return rc;
    }
    *out = node;
    return KZ_OK;
}

/* The key set the node holds now, to write back into its key file. */
static void current_keys(const kz_node *node, kz_keyset *k)
{
    memset(k, 0, sizeof *k);
    snprintf(k->node, sizeof k->node, "%s", node->org_id);
    memcpy(k->sign_sk, node->sign_sk, sizeof k->sign_sk);
    memcpy(k->answer_key, node->answer_key, sizeof k->answer_key);
    memcpy(k->victim_key, node->victim_key, sizeof k->victim_key);
    k->has_prev = node->has_prev;
    memcpy(k->prev_sk, node->prev_sk, sizeof k->prev_sk);
}

/* Writes the node's keys as they are in memory back into its key file. */
static void restore_file(kz_node *node)
{
    kz_keyset k;
    kz_err e;
    current_keys(node, &k);
    if (kz_keyfile_replace(node->key_file, &k, &e))
        kz_log(KZ_LOG_ERROR, "node.key_rotate", KZ_S("key_file", "not restored"), KZ_S("error", e.msg));
    kz_wipe(&k, sizeof k);
}

kz_rc kz_node_rotate_keys(kz_db *db, kz_node *node, kz_node_rotate_hook before, void *ctx, kz_err *err)
{
    if (!node->has_keys || !node->key_file[0])
        return kz_fail(err, KZ_EINVAL, "key-file", "the node was opened without its key file");
    kz_keyset k;
    unsigned char pk[KZ_SIGN_PK_BYTES];
    current_keys(node, &k);
    memcpy(k.prev_sk, node->sign_sk, sizeof k.prev_sk);
    k.has_prev = true;
    kz_sign_keypair(pk, k.sign_sk);
    kz_rc rc = kz_keyfile_replace(node->key_file, &k, err);
    bool written = !rc;
    if (!rc) rc = before(ctx, pk);
    if (!rc) rc = kz_store_meta_put(db, pk_meta, pk, sizeof pk, err);
    if (rc && written)
        restore_file(node);
    if (!rc)
        take_keys(node, &k);
    kz_wipe(&k, sizeof k);
    return rc;
}

void kz_node_rotate_undo(kz_node *node)
{
    if (!node->has_prev)
        return;
    kz_keyset k;
    current_keys(node, &k);
    memcpy(k.sign_sk, node->prev_sk, sizeof k.sign_sk);
    k.has_prev = false;
    take_keys(node, &k);
    kz_wipe(&k, sizeof k);
    restore_file(node);
}

kz_rc kz_node_drop_prev_key(kz_node *node, kz_err *err)
{
    kz_keyset k;
    current_keys(node, &k);
    k.has_prev = false;
    memset(k.prev_sk, 0, sizeof k.prev_sk);
    kz_rc rc = kz_keyfile_replace(node->key_file, &k, err);
    if (!rc) {
        node->has_prev = false;
        kz_wipe(node->prev_sk, sizeof node->prev_sk);
    }
    kz_wipe(&k, sizeof k);
    return rc;
}

kz_rc kz_node_open(const char *path, kz_node **out, kz_err *err)
{
    return kz_node_open_keys(path, NULL, 0, out, err);
}

void kz_node_close(kz_node *node)
{
    if (!node)
        return;
    kz_store_close(node->store);
    kz_wipe(node->answer_key, sizeof node->answer_key);
    kz_wipe(node->victim_key, sizeof node->victim_key);
    kz_wipe(node->sign_sk, sizeof node->sign_sk);
    kz_wipe(node->prev_sk, sizeof node->prev_sk);
    kz_wipe(&node->mail, sizeof node->mail);
    kz_free(node);
}

/* Inside kz_node_create's transaction: the operator organization, the node's keys (the
 * key file is written last, so a failure before leaves none) and the node meta. */
static kz_rc create_operator(kz_call *c, const kz_node_setup *setup, const char *kpath)
{
    kz_org org = {
        .id = kz_new_id(c),
        .name = (char *)setup->org_name,
        .state = (char *)setup->state,
        .kind = KZ_ORG_NATIONAL_CSIRT,
        .description = (char *)"The organization that operates this Kizuna node.",
    };
    org.created = org.modified = kz_now_ms();
    if (!org.id)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    snprintf(c->node->org_id, sizeof c->node->org_id, "%s", org.id);
    c->who.org = c->node->org_id;
    kz_keyset k;
    kz_keyset_new(&k, org.id);
    take_keys(c->node, &k);
    kz_rc rc = kz_store_org_insert(c->db, &org, c->err);
    if (!rc)
        rc = kz_store_meta_put(c->db, "node_org", org.id, strlen(org.id), c->err);
    if (!rc)
        rc = kz_audit(c, "node.init", "organization", org.id, NULL);
    if (!rc)
        rc = note_sign_key(c->db, c->node, c->actor, c->err);
    if (!rc)
        rc = kz_keyfile_create(kpath, &k, c->err);
    kz_wipe(&k, sizeof k);
    return rc;
}

/* Removes a database kz_node_create made and could not finish (it was new or empty). */
static void remove_new_db(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        char p[PATH_MAX_ + 16];
        snprintf(p, sizeof p, "%s%s", path, ext[i]);
        unlink(p);
    }
}

kz_rc kz_node_create(const char *path, const kz_node_setup *setup, char *key_out, size_t key_size,
                     kz_err *err)
{
    if (key_size < KZ_KEY_TEXT)
        return kz_fail(err, KZ_EINTERNAL, NULL, "key buffer too small");
    kz_json_init();
    char kpath[PATH_MAX_];
    struct stat sb;
    kz_rc rc = key_path(path, setup->key_file, kpath, err);
    if (rc)
        return rc;
    if (stat(kpath, &sb) == 0)
        return kz_fail(err, KZ_ECONFLICT, "key-file", "%s already exists; refusing to overwrite a key file", kpath);
    kz_node node = {0};
    kz_store_set_visibility(kz_tlp_visible);
    rc = kz_store_open(path, KZ_STORE_CREATE | KZ_STORE_MUST_BE_NEW, &node.store, err);
    if (rc)
        return rc;
    kz_arena a;
    kz_arena_init(&a);
    kz_call c;
    bool wrote_keys = false;
    rc = kz_call_init_system(&c, &node, "cli", &a, err);
    if (!rc && !(rc = kz_tx_begin(&c))) {
        rc = create_operator(&c, setup, kpath);
        wrote_keys = rc == KZ_OK;
        rc = kz_tx_end(&c, rc);
    }
    if (!rc) {
        kz_apikey k = {.organization = node.org_id, .role = KZ_ROLE_ADMIN, .label = (char *)"created by kizuna init"};
        rc = kz_svc_key_create(&c, &k, key_out);
    }
    kz_arena_free(&a);
    kz_store_close(node.store);
    if (rc) { /* e.g. the key file's folder does not exist: leave nothing behind */
        if (wrote_keys)
            unlink(kpath);
        remove_new_db(path);
    }
    kz_wipe(node.answer_key, sizeof node.answer_key);
    kz_wipe(node.victim_key, sizeof node.victim_key);
    kz_wipe(node.sign_sk, sizeof node.sign_sk);
    return rc;
}
