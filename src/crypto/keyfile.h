/* The node's key file: every secret of a node (the ed25519 signing key, the HMAC key of
 * communication-check answer tokens, the HMAC key of victim hashes) in a small text file
 * of its own, kept apart from the database so that a copy of the database reveals none
 * of them. Created once with mode 0600; refused when others may read or write it. */
#ifndef KZ_CRYPTO_KEYFILE_H
#define KZ_CRYPTO_KEYFILE_H

#include "crypto/crypto.h"

enum { KZ_KEYFILE_MAX = 4096 };

typedef struct kz_keyset {
    char node[KZ_UUID_TEXT];                    /* the node organization the keys belong to */
    unsigned char sign_sk[KZ_SIGN_SK_BYTES];    /* ed25519: audit chain, request records */
    unsigned char answer_key[KZ_TOKEN_BYTES];   /* HMAC: check answer tokens */
    unsigned char victim_key[KZ_TOKEN_BYTES];   /* HMAC: victim addresses and user names */
    /* After a key rotation, during its overlap: the signing key that sign_sk replaced,
     * kept only to sign the rotation notice to peers not yet told; dropped on revocation. */
    bool has_prev;
    unsigned char prev_sk[KZ_SIGN_SK_BYTES];
} kz_keyset;

/* Fresh random keys for node (a UUID). */
void kz_keyset_new(kz_keyset *k, const char *node);

/* Parses the text of a key file into k. KZ_EINVAL naming the line when it is not one
 * (unknown or repeated names, bad hex, a signing key whose halves disagree); k is
 * wiped then. Never copies secrets into err. */
kz_rc kz_keyset_parse(const char *text, size_t n, kz_keyset *k, kz_err *err);

/* The text of a key file for k into out (size at least KZ_KEYFILE_MAX); its length, or
 * -1 when it does not fit. The caller wipes out. */
int kz_keyset_format(const kz_keyset *k, char *out, size_t size);

/* Reads and parses the key file at path. KZ_ENOTFOUND when there is none, KZ_EFORBIDDEN
 * when it is not a regular file or group or others have any permission on it, KZ_EIO,
 * KZ_EINVAL as kz_keyset_parse. The caller wipes k (kz_wipe) when done. */
kz_rc kz_keyfile_read(const char *path, kz_keyset *k, kz_err *err);

/* Creates the key file at path with mode 0600, written in full and synced before it
 * appears under its name (a temporary file in the same folder, then a hard link), so a
 * crash never leaves half a key file. KZ_ECONFLICT when path exists. */
kz_rc kz_keyfile_create(const char *path, const kz_keyset *k, kz_err *err);

/* Replaces the key file at path with k, atomically (a synced temporary file renamed
 * over it, mode 0600): a crash leaves the old file or the new one, never a mix. Used by
 * key rotation; the caller wipes k. */
kz_rc kz_keyfile_replace(const char *path, const kz_keyset *k, kz_err *err);

/* The default key file of a database: "<db>.key". false when it does not fit. */
bool kz_keyfile_default(const char *db, char *out, size_t size);

#endif
