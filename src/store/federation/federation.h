/* Federation in SQLite: peers, refused messages, seen nonces, this node's change log
 * (filled by triggers on organizations, contacts, incidents and indicators, skipping
 * objects that came from a peer), the origin of federated objects and what each peer
 * was sent. Decides nothing: the service says what is allowed. */
#ifndef KZ_STORE_FEDERATION_H
#define KZ_STORE_FEDERATION_H

#include "model/federation.h"
#include "store/core/store.h"
#include "util/arena.h"

kz_rc kz_store_peer_insert(kz_db *db, const kz_peer *p, kz_err *err);
/* KZ_ENOTFOUND naming "peer" when there is none. Strings in a. */
kz_rc kz_store_peer_get(kz_db *db, const char *id, kz_arena *a, kz_peer *out, kz_err *err);
kz_rc kz_store_peer_by_fingerprint(kz_db *db, const char *fingerprint, kz_arena *a, kz_peer *out, kz_err *err);
/* Every peer, oldest first (a node has few); the array and its strings in a. */
kz_rc kz_store_peer_list(kz_db *db, kz_arena *a, kz_peer **items, size_t *n, kz_err *err);
kz_rc kz_store_peer_set_status(kz_db *db, const char *id, int status, kz_time now, kz_err *err);
/* The PEM the peer's certificate is checked against (NULL: the system's CA store). */
kz_rc kz_store_peer_set_ca(kz_db *db, const char *id, const char *ca, kz_time now, kz_err *err);
/* Removes the peer, its nonces, refusals, sent marks and key notices; objects it sent
 * stay, read-only. */
kz_rc kz_store_peer_delete(kz_db *db, const char *id, kz_err *err);
/* A successful exchange: the cursor of what was applied here and the peer's head; the
 * failures are forgotten and the next pull is due at next (0: only when asked). */
kz_rc kz_store_peer_pulled(kz_db *db, const char *id, int64_t cursor_in, int64_t head, kz_time now, kz_time next,
                           kz_err *err);
/* The peer acknowledged this node's log up to seq (never moves back). */
kz_rc kz_store_peer_acked(kz_db *db, const char *id, int64_t seq, kz_time now, kz_err *err);
/* A failed exchange: one more consecutive failure, the next try due at next. */
kz_rc kz_store_peer_failed(kz_db *db, const char *id, const char *why, kz_time now, kz_time next, kz_err *err);
/* The result of a poke announcing this node's log up to seq: why NULL when the peer
 * accepted it (poke_seq moves to seq, its failures are forgotten), else one more
 * failure with its reason; the next try is due at next (0: when the log grows). */
kz_rc kz_store_peer_poke_result(kz_db *db, const char *id, int64_t seq, const char *why, kz_time next, kz_err *err);
/* The peer poked this node: its next pull is due now. */
kz_rc kz_store_peer_poked(kz_db *db, const char *id, kz_time now, kz_err *err);

/* A refused message: direction "in" (refused here) or "out" (the peer refused ours). */
typedef struct kz_peer_refusal {
    kz_time at;
    const char *direction, *reason, *object;
} kz_peer_refusal;
kz_rc kz_store_peer_refuse(kz_db *db, const char *peer, const char *direction, const char *reason,
                           const char *object, kz_time now, kz_err *err);
/* The newest refusals of peer, at most max, newest first; in a. */
kz_rc kz_store_peer_refusals(kz_db *db, const char *peer, size_t max, kz_arena *a, kz_peer_refusal **items,
                             size_t *n, kz_err *err);

/* Records a nonce of peer valid until expires (forgetting those expired before now).
 * KZ_ECONFLICT naming "nonce" when the peer used it already. */
kz_rc kz_store_nonce_claim(kz_db *db, const char *peer, const char *nonce, kz_time expires, kz_time now,
                           kz_err *err);

/* One entry of this node's change log. */
typedef struct kz_fed_entry {
    int64_t seq;
    int kind;        /* kz_fed_kind */
    const char *id;
    bool deleted;
} kz_fed_entry;
/* Up to max entries with seq > after, in order, and the newest seq of the log. */
kz_rc kz_store_fed_log(kz_db *db, int64_t after, size_t max, kz_arena *a, kz_fed_entry **items, size_t *n,
                       int64_t *head, kz_err *err);
/* The newest seq of the log for (kind, id); 0 when it never entered the log. */
kz_rc kz_store_fed_log_last(kz_db *db, int kind, const char *id, int64_t *seq, kz_err *err);
/* The newest seq of the log (0 when empty). */
kz_rc kz_store_fed_log_head(kz_db *db, int64_t *head, kz_err *err);

/* What a compaction of the log did: entries before and after, those dropped, the
 * bound (the lowest seq every peer acknowledged) and the head. */
typedef struct kz_fed_compaction {
    int64_t before, after, dropped, bound, head;
} kz_fed_compaction;
/* Drops every entry at or below the lowest acknowledged cursor of all peers (the head
 * when there are none) that a later entry of the same object supersedes; tombstones
 * that are their object's last entry stay. */
kz_rc kz_store_fed_compact(kz_db *db, kz_fed_compaction *out, kz_err *err);

/* How many entries follow after. */
kz_rc kz_store_fed_log_waiting(kz_db *db, int64_t after, int64_t *n, kz_err *err);

/* The peer an object came from (in a), or NULL when it is this node's own. */
kz_rc kz_store_fed_origin(kz_db *db, int kind, const char *id, kz_arena *a, char **peer, kz_err *err);
/* Marks an object as coming from peer; call before inserting it, so that the log
 * triggers see it is not this node's. */
kz_rc kz_store_fed_origin_set(kz_db *db, int kind, const char *id, const char *peer, kz_err *err);
/* The organizations that came from peer: the ones it hosts; in a. */
kz_rc kz_store_fed_peer_orgs(kz_db *db, const char *peer, kz_arena *a, kz_strlist *out, kz_err *err);

/* Whether peer holds a copy of the object, and setting or clearing that mark. */
kz_rc kz_store_fed_was_sent(kz_db *db, const char *peer, int kind, const char *id, bool *sent, kz_err *err);
kz_rc kz_store_fed_mark_sent(kz_db *db, const char *peer, int kind, const char *id, bool sent, kz_err *err);

/* Deletes a federated object with what hangs on it (timeline, links, sightings) and its
 * origin mark. No error when it is not there. */
kz_rc kz_store_fed_purge(kz_db *db, int kind, const char *id, kz_err *err);

/* A peer's organization arrived: this node's own incidents and indicators that it may
 * see (CLEAR, GREEN, or naming it) enter the log again, so that they reach it. */
kz_rc kz_store_fed_requeue_for(kz_db *db, const char *org, kz_err *err);

/* Whether an object of kind with id is stored here (from whichever origin). */
kz_rc kz_store_fed_exists(kz_db *db, int kind, const char *id, bool *exists, kz_err *err);

/* Appends an upsert of an object to this node's log (requests enter it this way, when
 * an entry signed here is appended: the triggers cannot tell whose entry it is). */
kz_rc kz_store_fed_log_add(kz_db *db, int kind, const char *id, kz_err *err);

/* A change from peer that waits for the object (wait_kind, wait_object) to arrive;
 * change is its JSON as it came (codec/federation/federation.h, kz_fed_change_write). */
typedef struct kz_fed_pending {
    int kind;
    const char *object, *peer;
    int wait_kind;
    const char *wait_object;
    const char *change;
} kz_fed_pending;
/* Keeps p (a newer change of the same object replaces it). */
kz_rc kz_store_fed_pending_put(kz_db *db, const kz_fed_pending *p, kz_time now, kz_err *err);
/* Forgets the pending change of (kind, id), if any. */
kz_rc kz_store_fed_pending_drop(kz_db *db, int kind, const char *id, kz_err *err);
/* Up to max pending changes that wait for (wait_kind, wait_id), oldest first; in a
 * (*items NULL when there are none). */
kz_rc kz_store_fed_pending_for(kz_db *db, int wait_kind, const char *wait_id, size_t max, kz_arena *a,
                               kz_fed_pending **items, size_t *n, kz_err *err);
/* How many changes from peer are waiting. */
kz_rc kz_store_fed_pending_count(kz_db *db, const char *peer, int64_t *n, kz_err *err);

#endif
