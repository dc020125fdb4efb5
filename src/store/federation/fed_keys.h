/* Key rotation in SQLite (docs/FEDERATION.md, "Key rotation"): a peer's previous key
 * during the overlap of its rotation, the keys this node replaced (public halves only:
 * secrets stay in the key file), and the rotation and revocation notices waiting for
 * each peer. Decides nothing: the service says what is allowed. */
#ifndef KZ_STORE_FED_KEYS_H
#define KZ_STORE_FED_KEYS_H

#include "model/federation.h"
#include "store/core/store.h"
#include "util/arena.h"

/* The peer's rotation arrived: fingerprint and public_key become the new key, the old
 * one is kept as prev_* accepted until `until`. KZ_ENOTFOUND naming "peer". */
kz_rc kz_store_peer_rotate(kz_db *db, const char *id, const char *fingerprint, const char *public_key,
                           kz_time until, kz_time now, kz_err *err);
/* The peer's previous key is refused from `when` on, for reason. */
kz_rc kz_store_peer_revoke_prev(kz_db *db, const char *id, kz_time when, const char *reason, kz_err *err);

/* A key this node signed with before a rotation. */
typedef struct kz_node_key {
    const char *fingerprint, *public_key, *replaced_by, *reason;
    kz_time retired, until, revoked;  /* revoked 0: not revoked */
} kz_node_key;
/* Records a replaced key; keys replaced before it are accepted no longer than k->retired. */
kz_rc kz_store_node_key_retire(kz_db *db, const kz_node_key *k, kz_err *err);
/* Every replaced key, newest first; in a. */
kz_rc kz_store_node_keys(kz_db *db, kz_arena *a, kz_node_key **items, size_t *n, kz_err *err);
/* Marks a replaced key revoked (its overlap ends then). KZ_ENOTFOUND naming
 * "fingerprint" when it is not one of them, KZ_ECONFLICT when it was revoked already. */
kz_rc kz_store_node_key_revoke(kz_db *db, const char *fingerprint, kz_time when, const char *reason, kz_err *err);

/* A notice for a peer: kind "rotation" (signed by the replaced key `fingerprint`) or
 * "revocation" (signed by the current key). */
typedef struct kz_key_notice {
    int64_t n;
    const char *peer, *kind, *fingerprint, *body, *last_error;
    kz_time created, delivered;
    int64_t attempts;
} kz_key_notice;
kz_rc kz_store_key_notice_add(kz_db *db, const char *peer, const char *kind, const char *fingerprint,
                              const char *body, kz_time now, kz_err *err);
/* The notices not yet delivered to peer, oldest first (at most max); in a. */
kz_rc kz_store_key_notices_pending(kz_db *db, const char *peer, size_t max, kz_arena *a, kz_key_notice **items,
                                   size_t *n, kz_err *err);
/* The peer acknowledged it (delivered) or did not (why; delivered stays NULL). */
kz_rc kz_store_key_notice_result(kz_db *db, int64_t n, kz_time delivered, const char *why, kz_err *err);

#endif
