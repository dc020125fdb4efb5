/* Federation: this node and its peers (docs/FEDERATION.md). Peers are pinned by the
 * fingerprint of their ed25519 key, compared out of band (never trusted on first use);
 * every node-to-node message is signed (RFC 9421) and checked; each node keeps a log of
 * changes to its own objects that peers pull from a cursor, filtered for the
 * organizations each peer hosts by kz_tlp_visible, and checked again on arrival.
 * Objects that came from a peer keep their origin and are read-only here. */
#ifndef KZ_SERVICE_FEDERATION_H
#define KZ_SERVICE_FEDERATION_H

#include "model/federation.h"
#include "service/core/call.h"
#include "util/buf.h"

enum {
    KZ_FED_SKEW_S = 300,      /* a message's created may be this far from our clock */
    KZ_FED_VALID_S = 120,     /* how long a signature we make is valid */
    KZ_FED_PAGE = 500,        /* changes asked for per pull */
    KZ_FED_RETRY_BASE_S = 10, /* the first retry of a failed exchange or poke, before jitter */
    KZ_FED_RETRY_MAX_S = 3600, /* the longest wait between two retries */
    KZ_FED_COMPACT_EVERY_S = 3600, /* the scheduler compacts the change log this often */
};

/* What a node says of itself (GET /api/v1/node, kizuna node). Strings in c->arena. */
typedef struct kz_node_identity {
    const char *node, *name, *state;
    char public_key[2 * KZ_SIGN_PK_BYTES + 1];
    char fingerprint[KZ_HASH_HEX];
} kz_node_identity;
kz_rc kz_svc_node_identity(kz_call *c, kz_node_identity *out);

/* A peer with what GET /api/v1/peers shows beside its row. */
typedef struct kz_peer_view {
    kz_peer peer;
    int64_t waiting_out;  /* entries of this node's log past what the peer acknowledged */
    int64_t waiting_in;   /* entries of the peer's log past what was applied here */
    int64_t pending;      /* changes of the peer kept until what they refer to arrives */
    struct kz_peer_refusal *refusals;  /* newest first */
    size_t n_refusals;
    int64_t notices_waiting;        /* this node's key notices not yet acknowledged by it */
    const char *notice_error;       /* why the oldest of them was not, or NULL */
} kz_peer_view;

/* Adds a peer (admin): fetches url's /api/v1/node and accepts it only when the key it
 * presents has the given fingerprint (KZ_EFORBIDDEN naming "fingerprint" otherwise).
 * An https url's certificate must verify, chain and host name, against ca (PEM text of
 * the certificates to trust for this peer, kept on its row and used for every exchange
 * with it) or, when ca is NULL, against the system's CA store: KZ_EPEER naming "ca" (or
 * "url" without one) otherwise. A ca for an http url, or one that is not PEM
 * certificates, is KZ_EINVAL naming "ca". Audited as peer.add. */
kz_rc kz_svc_peer_add(kz_call *c, const char *url, const char *fingerprint, const char *ca, kz_peer_view *out);
/* Changes the CA a peer's certificate is checked against (admin; ca NULL: the system's
 * CA store), when its certificate moved to another CA: the peer's identity is read
 * again with the new one and must verify and present the pinned key, as at peer_add
 * (same errors); nothing changes otherwise. Audited as peer.ca. */
kz_rc kz_svc_peer_set_ca(kz_call *c, const char *id, const char *ca, kz_peer_view *out);
kz_rc kz_svc_peer_get(kz_call *c, const char *id, kz_peer_view *out);
kz_rc kz_svc_peer_list(kz_call *c, kz_peer_view **items, size_t *n);
/* Pause (nothing pulled from it, its messages refused) or resume; audited. */
kz_rc kz_svc_peer_set_status(kz_call *c, const char *id, int status, kz_peer_view *out);
/* Removes a peer (admin); what it sent stays, read-only. Audited. */
kz_rc kz_svc_peer_remove(kz_call *c, const char *id);

/* What one kz_svc_peer_sync did. */
typedef struct kz_sync_report {
    int64_t messages, bytes;  /* pulls made and bytes of their answers */
    int64_t applied, refused; /* changes */
    int64_t pending;          /* changes kept until what they refer to arrives */
    int64_t cursor;           /* the peer's seq applied up to */
} kz_sync_report;
/* Pulls every change waiting at the peer, page by page: each page is applied, its
 * refusals recorded and the cursor moved in one transaction, so a crash at any point
 * loses or repeats nothing. */
kz_rc kz_svc_peer_sync(kz_call *c, const char *id, kz_sync_report *rep);
/* A scheduler duty, when the node runs with --peer-sync: kz_svc_peer_sync for every
 * active peer whose next pull is due (its period passed, its backoff after a failure
 * ended, or it poked this node). */
kz_rc kz_svc_peers_sync_all(kz_call *c);

/* ---- delivery (svc_fed_delivery.c) ---- */

/* How long to wait after the n-th consecutive failure, in ms: KZ_FED_RETRY_BASE_S
 * doubled for each failure after the first, capped at KZ_FED_RETRY_MAX_S, of which the
 * second half is drawn from the node's random generator (jitter). */
kz_time kz_fed_backoff_ms(int64_t failures);
/* Posts body (len bytes) to p's url + path, signed with sk (public half pk), and checks
 * that the answer is 200 and signed by p for this request; the answer's bytes are left
 * in the caller's *answer (initialized by the caller, whose limit bounds them). A 4xx is
 * listed on the peer as refused ("out"); every failure is KZ_EPEER or KZ_ENOMEM/KZ_ESTORE. */
kz_rc kz_fed_exchange(kz_call *c, const kz_peer *p, const char *path, const char *body, size_t len,
                      const unsigned char *sk, const unsigned char *pk, kz_buf *answer);
/* kz_fed_exchange of a NUL-terminated body whose answer is not needed. */
kz_rc kz_fed_post(kz_call *c, const kz_peer *p, const char *path, const char *body, const unsigned char *sk,
                  const unsigned char *pk);
/* A scheduler duty: pokes (POST /federation/v1/poke) every active peer that this
 * node's log grew for since it acknowledged and was last told; a failed poke is tried
 * again after its backoff. Nothing when the node runs with --peer-sync 0. */
long kz_svc_fed_pokes_deliver(kz_call *c);
/* Receives a poke from peer `from`: when it announces entries past the cursor here,
 * the next pull from it is due now and the scheduler is woken. A malformed poke is
 * refused (KZ_EINVAL naming the field) and listed on the peer. */
kz_rc kz_svc_fed_poked(kz_call *c, const kz_peer *from, const char *body, size_t len);
/* Compacts this node's change log (admin; audited when it dropped entries): see
 * kz_store_fed_compact. */
struct kz_fed_compaction;
kz_rc kz_svc_fed_compact(kz_call *c, struct kz_fed_compaction *out);
/* A scheduler duty: kz_svc_fed_compact every KZ_FED_COMPACT_EVERY_S. */
long kz_svc_fed_compact_due(kz_call *c);

/* A node-to-node message as it travels: a request (method and target set) or a
 * response (status set). The three header values are what the signer fills. */
typedef struct kz_fed_wire {
    const char *method, *target_uri;
    int status;
    const char *content_digest, *signature_input, *signature;
    const void *body;
    size_t len;
} kz_fed_wire;

/* Signs m with the node key (nonce NULL: a fresh one), setting its header values in
 * c->arena. kz_fed_sign_with signs with the key sk (public half pk) instead: a
 * rotation notice is signed by the key it replaces. */
kz_rc kz_fed_sign(kz_call *c, kz_fed_wire *m, const char *nonce);
kz_rc kz_fed_sign_with(kz_call *c, kz_fed_wire *m, const char *nonce, const unsigned char *sk,
                       const unsigned char *pk);
/* Checks an incoming request: signature fields, covered components, alg, tag, the key
 * being the pinned key of an active peer, created/expires within KZ_FED_SKEW_S of our
 * clock, the nonce unseen (then remembered), the body's digest and the signature.
 * KZ_EUNAUTH naming the faulty field otherwise; a refusal of a known peer is recorded
 * with its reason. *from is the peer and *nonce the request's nonce (strings in
 * c->arena). */
kz_rc kz_fed_verify_request(kz_call *c, const kz_fed_wire *m, kz_peer *from, const char **nonce);
/* The same, saying whether the message was signed by the peer's previous key (accepted
 * during its rotation's overlap; refused, with the reason recorded, once the overlap
 * ended or the key was revoked). */
kz_rc kz_fed_verify_request_key(kz_call *c, const kz_fed_wire *m, kz_peer *from, const char **nonce, bool *by_prev);
/* Checks the answer m of peer p to a request signed with nonce: signed by p's pinned
 * key, repeating the nonce, in time, with the body's digest. KZ_EUNAUTH otherwise. */
kz_rc kz_fed_verify_response(kz_call *c, const kz_peer *p, const kz_fed_wire *m, const char *nonce);

/* Answers a pull from peer (POST /federation/v1/changes): acknowledges its cursor and
 * writes the next batch to out. */
kz_rc kz_svc_fed_changes(kz_call *c, const kz_peer *from, const char *body, size_t len, kz_buf *out);

/* The origin of an object: the peer it came from, or found false for this node's own. */
typedef struct kz_fed_origin {
    bool federated;
    const char *peer, *node, *name, *state;
} kz_fed_origin;
kz_rc kz_svc_fed_origin(kz_call *c, int kind, const char *id, kz_fed_origin *out);
/* KZ_EFORBIDDEN, saying where it can be changed, when the object came from a peer. */
kz_rc kz_fed_read_only(kz_call *c, int kind, const char *id);

/* ---- key rotation (svc_fed_keys.c) ---- */

enum {
    KZ_FED_OVERLAP_S = 7 * 24 * 3600,       /* default overlap of a rotation */
    KZ_FED_OVERLAP_MAX_S = 90 * 24 * 3600,  /* the longest a peer accepts */
};

/* What a rotation or revocation did: the keys, and the notice to each peer. */
typedef struct kz_key_report {
    char old_fingerprint[KZ_HASH_HEX], fingerprint[KZ_HASH_HEX];
    kz_time until;            /* the old key's overlap ends (revocation: it was revoked) */
    size_t n;                 /* peers told or waiting */
    struct kz_key_told {
        const char *peer, *name, *error;  /* error NULL: delivered */
    } *told;
} kz_key_report;

/* Makes a new node key (admin): the key file is rewritten with it (the old one kept as
 * prev-sign-key to sign the notices), the database records the new public key, the
 * audit chain says so in an entry signed by the old key, and every peer is sent a
 * rotation notice signed by the old key naming the new one and the end of the overlap
 * (overlap_s seconds, 0 to KZ_FED_OVERLAP_MAX_S). Notices a peer did not acknowledge
 * are sent again before each sync with it. */
kz_rc kz_svc_node_rotate_key(kz_call *c, int64_t overlap_s, kz_key_report *rep);
/* Revokes the key the last rotation replaced (admin): peers are told (signed by the
 * current key) to refuse it from now on, its secret leaves the key file. Audited. */
kz_rc kz_svc_node_revoke_key(kz_call *c, const char *reason, kz_key_report *rep);
/* Sends peer p this node's key notices it has not acknowledged, in order; each result
 * is kept on the notice. */
kz_rc kz_fed_deliver_key_notices(kz_call *c, const kz_peer *p);
/* Receives a key notice from peer `from` (POST /federation/v1/keys); by_prev as
 * kz_fed_verify_request_key said. A notice that breaks a rule is refused (KZ_EINVAL
 * or KZ_EUNAUTH naming the field) and listed with its reason on the peer. */
kz_rc kz_svc_fed_key_message(kz_call *c, const kz_peer *from, bool by_prev, const char *body, size_t len);
struct kz_node_key;
/* The keys this node replaced, newest first (for /api/v1/node). */
kz_rc kz_svc_node_old_keys(kz_call *c, struct kz_node_key **items, size_t *n);

#endif
