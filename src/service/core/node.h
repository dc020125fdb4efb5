/* The node: this Kizuna installation's store, its own organization and secrets, and its
 * settings. Created once per process (kz_node_open) and shared read-only by all threads. */
#ifndef KZ_SERVICE_NODE_H
#define KZ_SERVICE_NODE_H

#include "crypto/crypto.h"
#include "mail/mail.h"
#include "store/core/store.h"

#include <stdbool.h>

typedef struct kz_node {
    kz_store *store;
    char org_id[KZ_UUID_TEXT];            /* the node operator's organization */
    /* The secrets, read from the node's key file (never stored in the database): */
    unsigned char answer_key[KZ_TOKEN_BYTES]; /* HMAC: derives check answer tokens */
    unsigned char victim_key[KZ_TOKEN_BYTES]; /* HMAC: keyed hashes of victims */
    unsigned char sign_sk[KZ_SIGN_SK_BYTES]; /* ed25519: signs the audit chain and records */
    unsigned char sign_pk[KZ_SIGN_PK_BYTES]; /* published at GET /api/v1/node */
    /* During the overlap of a key rotation: the key sign_sk replaced, kept (in the key
     * file) only to sign the rotation notice to peers not yet told. */
    bool has_prev;
    unsigned char prev_sk[KZ_SIGN_SK_BYTES];
    unsigned char prev_pk[KZ_SIGN_PK_BYTES];
    char key_file[4096];                  /* where the secrets were read from */
    bool has_keys;                        /* false when opened with KZ_NODE_PUBLIC_ONLY */
    bool test_clock;                      /* allow tests to move the clock */
    bool public_clear;                    /* callers without a key may read TLP:CLEAR
                                             incidents and indicators (serve --public) */
    int peer_sync_s;                      /* pull from peers this often; 0 = on demand */
    char public_url[256];                 /* base URL shown in links, no trailing slash */
    kz_mail_config mail;                  /* the SMTP server of notices; url "" = mail off */
} kz_node;

/* What kizuna init needs to create a node. */
typedef struct kz_node_setup {
    const char *org_name;
    const char *state;
    const char *key_file;   /* where the node's secrets go; NULL = "<db>.key" */
} kz_node_setup;

/* Creates a new database at path with the node's organization and one admin key, and
 * the node's key file (mode 0600; its signing key, answer-token key and victim-hashing
 * key) — refusing when either exists. The admin key's secret is written to key_out
 * (shown once, never stored). */
kz_rc kz_node_create(const char *path, const kz_node_setup *setup, char *key_out, size_t key_size,
                     kz_err *err);

/* Opens an existing node database and its key file (kz_node_open_keys with the default
 * key file "<db>.key"). */
kz_rc kz_node_open(const char *path, kz_node **out, kz_err *err);

enum {
    KZ_NODE_PUBLIC_ONLY = 1 << 0, /* no key file: for checking a copy of the database
                                     against a public key given; nothing can be written */
    KZ_NODE_SYNC_NORMAL = 1 << 1, /* the store's KZ_STORE_SYNC_NORMAL */
    KZ_NODE_READ_ONLY = 1 << 2,   /* the store's KZ_STORE_READ_ONLY: for checking a file
                                     (a backup) without changing it; no migration, no key
                                     move, nothing can be written */
};

/* Opens the database at path, migrating an older schema, and reads the node's secrets
 * from key_file (NULL = "<db>.key"). The key file must exist, be private to its owner
 * (no group or other permission bits) and belong to this database's node; otherwise
 * the error says which and how to fix it. A database from before key files (secrets in
 * its meta table) has them moved out: the key file is created, the rows deleted with
 * secure_delete and the write-ahead log emptied, and the move is audited. Caller closes
 * with kz_node_close. */
kz_rc kz_node_open_keys(const char *path, const char *key_file, unsigned flags, kz_node **out, kz_err *err);
void kz_node_close(kz_node *node);

/* Key rotation (service/federation/svc_fed_keys.c drives it). The node is shared by
 * the server's threads: the keys change only inside the one write transaction, so no
 * other writer signs meanwhile; a federation signature made at that moment may fail
 * and is retried.
 *
 * kz_node_rotate_keys, inside a write transaction: makes a new signing key, writes the
 * key file with it and the current key as prev-sign-key (replaced atomically), records
 * the new public key in the database and signs with it from now on. On failure the
 * key file and the node's keys are as before. `before` runs once the key file is
 * written, while the old key still signs (the audit entry naming the new key is signed
 * by the old one). kz_node_rotate_undo puts back the keys
 * of before when the transaction does not commit. */
typedef kz_rc (*kz_node_rotate_hook)(void *ctx, const unsigned char *new_pk);
kz_rc kz_node_rotate_keys(kz_db *db, kz_node *node, kz_node_rotate_hook before, void *ctx, kz_err *err);
void kz_node_rotate_undo(kz_node *node);
/* Forgets the previous key (revocation): rewrites the key file without it and wipes
 * it from memory. */
kz_rc kz_node_drop_prev_key(kz_node *node, kz_err *err);

#endif
