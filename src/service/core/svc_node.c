/* Creating and opening a node: the database, the operator's organization, the node
 * secret, the node's ed25519 signing key and the first admin key. */
#include "service/core/node.h"

#include "service/core/call.h"
#include "service/directory/keys.h"
#include "store/audit.h"
#include "service/core/tlp.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

static const char sign_key_meta[] = "node_sign_key";

/* A new signing key, stored inside the caller's write transaction; the audit chain
 * records its public half so that a record signed by it can be traced to the node. */
static kz_rc new_sign_key(kz_db *db, kz_node *node, const char *actor, kz_err *err)
{
    kz_sign_keypair(node->sign_pk, node->sign_sk);
    kz_rc rc = kz_store_meta_put(db, sign_key_meta, node->sign_sk, sizeof node->sign_sk, err);
    char pk[2 * KZ_SIGN_PK_BYTES + 1];
    kz_hex_encode(node->sign_pk, sizeof node->sign_pk, pk);
    kz_audit_event ev = {.actor_key = actor, .actor_org = node->org_id, .action = "node.signing_key",
                         .object_type = "node", .object_id = node->org_id, .detail = pk};
    return rc ? rc : kz_store_audit_append(db, &ev, err);
}

/* Reads the signing key; a database from before signing keys gets one, once (the write
 * lock makes two processes opening it at the same time agree on one key). */
static kz_rc load_sign_key(kz_db *db, kz_node *node, kz_err *err)
{
    size_t len = 0;
    kz_rc rc = kz_store_meta_get(db, sign_key_meta, node->sign_sk, sizeof node->sign_sk, &len, err);
    if (rc == KZ_ENOTFOUND) {
        if ((rc = kz_db_begin(db, true, err)))
            return rc;
        rc = kz_store_meta_get(db, sign_key_meta, node->sign_sk, sizeof node->sign_sk, &len, err);
        if (rc == KZ_ENOTFOUND) {
            rc = new_sign_key(db, node, "kizuna", err);
            len = sizeof node->sign_sk;
        }
        rc = rc ? rc : kz_db_commit(db, err);
        if (rc)
            kz_db_rollback(db);
    }
    if (!rc && len != sizeof node->sign_sk)
        rc = kz_fail(err, KZ_ECORRUPT, "db", "the node signing key has the wrong size");
    if (!rc)
        kz_sign_public_key(node->sign_sk, node->sign_pk);
    return rc;
}

static kz_rc load(kz_node *node, kz_err *err)
{
    kz_db *db = kz_store_db(node->store, err);
    if (!db)
        return err->rc;
    size_t len = 0;
    kz_rc rc = kz_store_meta_get(db, "node_secret", node->secret, sizeof node->secret, &len, err);
    if (!rc && len != sizeof node->secret)
        rc = kz_fail(err, KZ_ECORRUPT, "db", "the node secret has the wrong size");
    if (!rc)
        rc = kz_store_meta_get(db, "node_org", node->org_id, sizeof node->org_id - 1, &len, err);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, KZ_ECORRUPT, "db", "this database was not made by kizuna init");
    if (!rc) {
        node->org_id[len] = '\0';
        kz_cursor_key(node->secret);  /* list cursors and TAXII next (crypto.h) */
    }
    return rc ? rc : load_sign_key(db, node, err);
}

kz_rc kz_node_open(const char *path, kz_node **out, kz_err *err)
{
    kz_node *node = kz_calloc(1, sizeof *node);
    if (!node)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_store_set_visibility(kz_tlp_visible);
    kz_rc rc = kz_store_open(path, 0, &node->store, err);
    if (!rc)
        rc = load(node, err);
    if (rc) {
        kz_node_close(node);
        return rc;
    }
    *out = node;
    return KZ_OK;
}

void kz_node_close(kz_node *node)
{
    if (!node)
        return;
    kz_store_close(node->store);
    kz_wipe(node->secret, sizeof node->secret);
    kz_wipe(node->sign_sk, sizeof node->sign_sk);
    kz_wipe(&node->mail, sizeof node->mail);
    kz_free(node);
}

/* Inside kz_node_create's transaction: the operator organization and the node meta. */
static kz_rc create_operator(kz_call *c, const kz_node_setup *setup)
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
    kz_random_bytes(c->node->secret, sizeof c->node->secret);
    kz_rc rc = kz_store_org_insert(c->db, &org, c->err);
    if (!rc)
        rc = kz_store_meta_put(c->db, "node_org", org.id, strlen(org.id), c->err);
    if (!rc)
        rc = kz_store_meta_put(c->db, "node_secret", c->node->secret, sizeof c->node->secret, c->err);
    if (!rc)
        rc = kz_audit(c, "node.init", "organization", org.id, NULL);
    if (!rc)
        rc = new_sign_key(c->db, c->node, c->actor, c->err);
    return rc;
}

kz_rc kz_node_create(const char *path, const kz_node_setup *setup, char *key_out, size_t key_size,
                     kz_err *err)
{
    if (key_size < KZ_KEY_TEXT)
        return kz_fail(err, KZ_EINTERNAL, NULL, "key buffer too small");
    kz_node node = {0};
    kz_store_set_visibility(kz_tlp_visible);
    kz_rc rc = kz_store_open(path, KZ_STORE_CREATE | KZ_STORE_MUST_BE_NEW, &node.store, err);
    if (rc)
        return rc;
    kz_arena a;
    kz_arena_init(&a);
    kz_call c;
    rc = kz_call_init_system(&c, &node, "cli", &a, err);
    if (!rc && !(rc = kz_tx_begin(&c))) {
        rc = create_operator(&c, setup);
        rc = kz_tx_end(&c, rc);
    }
    if (!rc) {
        kz_apikey k = {.organization = node.org_id, .role = KZ_ROLE_ADMIN, .label = (char *)"created by kizuna init"};
        rc = kz_svc_key_create(&c, &k, key_out);
    }
    kz_arena_free(&a);
    kz_wipe(node.secret, sizeof node.secret);
    kz_wipe(node.sign_sk, sizeof node.sign_sk);
    kz_store_close(node.store);
    return rc;
}
