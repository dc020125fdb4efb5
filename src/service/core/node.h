/* The node: this Kizuna installation's store, its own organization and secrets, and its
 * settings. Created once per process (kz_node_open) and shared read-only by all threads. */
#ifndef KZ_SERVICE_NODE_H
#define KZ_SERVICE_NODE_H

#include "crypto/crypto.h"
#include "mail/mail.h"
#include "store/store.h"

#include <stdbool.h>

typedef struct kz_node {
    kz_store *store;
    char org_id[KZ_UUID_TEXT];            /* the node operator's organization */
    unsigned char secret[KZ_TOKEN_BYTES]; /* derives one-time tokens; never leaves the node */
    unsigned char sign_sk[KZ_SIGN_SK_BYTES]; /* ed25519: signs the request record */
    unsigned char sign_pk[KZ_SIGN_PK_BYTES]; /* published at GET /api/v1/node */
    bool test_clock;                      /* allow tests to move the clock */
    bool public_clear;                    /* callers without a key may read TLP:CLEAR
                                             incidents and indicators (serve --public) */
    char public_url[256];                 /* base URL shown in links, no trailing slash */
    kz_mail_config mail;                  /* the SMTP server of notices; url "" = mail off */
} kz_node;

/* What kizuna init needs to create a node. */
typedef struct kz_node_setup {
    const char *org_name;
    const char *state;
} kz_node_setup;

/* Creates a new database at path with the node's organization, secret, ed25519 signing
 * key and one admin key. The key's secret is written to key_out (shown once, never stored). */
kz_rc kz_node_create(const char *path, const kz_node_setup *setup, char *key_out, size_t key_size,
                     kz_err *err);

/* Opens an existing node database (migrating it if older; a database made before
 * nodes had a signing key gets one now). Caller closes with kz_node_close. */
kz_rc kz_node_open(const char *path, kz_node **out, kz_err *err);
void kz_node_close(kz_node *node);

#endif
