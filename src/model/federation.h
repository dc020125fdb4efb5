/* The nouns of federation: a peer node (pinned by the fingerprint of its ed25519 key)
 * and the kinds of objects that travel between nodes. Field table order is the column
 * order of the peers table. */
#ifndef KZ_MODEL_FEDERATION_H
#define KZ_MODEL_FEDERATION_H

#include "model/field.h"
#include "util/clock.h"

#include <stdint.h>

typedef enum kz_peer_status { KZ_PEER_ACTIVE, KZ_PEER_PAUSED } kz_peer_status;
extern const kz_enum kz_peer_status_enum;

typedef struct kz_peer {
    char *id;
    kz_time created, modified;
    char *url;           /* base URL, http or https, no trailing slash */
    char *fingerprint;   /* SHA-256 of public_key, hex: what the operators compared */
    char *public_key;    /* ed25519, hex */
    char *node;          /* the peer's node organization */
    char *name;          /* its operator organization's name */
    char *state;         /* its ISO 3166-1 state */
    int status;          /* kz_peer_status */
    int64_t cursor_in;   /* last seq of the peer's change log applied here */
    int64_t acked_out;   /* last seq of this node's log the peer acknowledged */
    int64_t peer_head;   /* the peer's newest seq when last asked */
    kz_time last_success;
    char *last_error;
    kz_time last_error_at;
    int64_t refused;     /* messages refused, both directions */
    /* After the peer rotated its key: the key it replaced, accepted until prev_until
     * (the overlap) unless revoked earlier (prev_revoked, prev_reason); rotated is when
     * the rotation arrived. All NULL/0 before any rotation. */
    char *prev_fingerprint;
    char *prev_public_key;
    kz_time prev_until;
    kz_time prev_revoked;
    char *prev_reason;
    kz_time rotated;
    /* Delivery (svc_fed_delivery.c): consecutive failed exchanges and when the next pull
     * is due; the pokes owed to the peer (this node's log head announced up to
     * poke_seq), their failures, next try and last error; when the peer last poked. */
    int64_t failures;
    kz_time next_attempt;
    int64_t poke_seq;
    int64_t poke_failures;
    kz_time poke_next;
    char *poke_error;
    kz_time poked;
    /* The CA (or self-signed) certificates, PEM, that the peer's https certificate must
     * chain to instead of the system's store; NULL: the system's store. */
    char *ca;
} kz_peer;
extern const kz_schema kz_peer_schema;
enum { KZ_PEER_CA_MAX = 64 * 1024 };  /* the longest PEM a peer's ca may be */

/* The kinds of objects in a change log, by wire name. */
typedef enum kz_fed_kind {
    KZ_FED_ORGANIZATION,
    KZ_FED_CONTACT,
    KZ_FED_INCIDENT,
    KZ_FED_INDICATOR,
    KZ_FED_SIGHTING,   /* an observer's report of an indicator, written by the observer's node */
    KZ_FED_REQUEST,    /* a request between states: both sides' nodes append to its record */
    KZ_FED_CHECK,      /* a communication check: the invitations of a peer's contacts, and their answers */
    KZ_FED_STATEMENT,  /* a public attribution statement: its drafter's node writes it, each
                          co-signer's node adds the approvals of the organizations it hosts */
    KZ_FED_KINDS
} kz_fed_kind;
extern const kz_enum kz_fed_kind_enum;

/* How far this node's side of a request between nodes has reached the other node: a
 * draft stays here; none when this node has made no move of it yet; waiting while the
 * other node has not acknowledged (by its cursor) the last change of it; delivered. */
typedef enum kz_fed_delivery { KZ_DELIVERY_DRAFT, KZ_DELIVERY_NONE, KZ_DELIVERY_WAITING, KZ_DELIVERY_DELIVERED } kz_fed_delivery;
extern const kz_enum kz_fed_delivery_enum;

#endif
