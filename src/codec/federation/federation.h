/* The JSON messages between nodes (docs/FEDERATION.md): a pull (the cursor, which also
 * acknowledges everything up to it), a batch of changes answered to it, and the
 * identity a node publishes at /api/v1/node. Objects inside a batch are the resources'
 * own JSON (their field tables); one that does not decode is marked with the reason,
 * so the rest of the batch still applies. */
#ifndef KZ_CODEC_FEDERATION_H
#define KZ_CODEC_FEDERATION_H

#include "model/federation.h"
#include "model/request.h"
#include "model/statement.h"
#include "util/arena.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    KZ_FED_BATCH_MAX = 1000,
    KZ_FED_MESSAGE_MAX = 64 * 1024 * 1024,
    KZ_FED_ENTRIES_MAX = 10000,        /* entries of one request's record in a change */
    KZ_FED_ENTRY_MAX = 1024 * 1024,    /* bytes of one entry's canonical text */
    KZ_FED_CHECK_TARGETS_MAX = 10000,  /* invitations of one check in a change */
    KZ_FED_ATTACHMENTS_MAX = 1000,     /* files carried by one request's change */
    KZ_FED_ATTACHMENT_MAX = 8 << 20,   /* bytes of one file: the top of requests.attachment_max_bytes */
    KZ_FED_STATEMENT_VERSIONS_MAX = 1000, /* versions of one statement in a change */
    KZ_FED_STATEMENT_SIGS_MAX = 10000,    /* approvals of one statement in a change */
};

/* A request as it travels (kind "request"): the request as the other side may see it
 * and every entry of its record, in order, each with the text its node signed, and the
 * content of the files that the sending node's entries name (id, sha256 and data; the
 * signed entry says the rest). */
typedef struct kz_fed_request {
    char *id;                   /* first, as in every kind */
    kz_request req;
    kz_request_entry *entries;
    size_t n_entries;
    kz_attachment *attachments;
    size_t n_attachments;
} kz_fed_request;

/* One invitation of a check as it travels: the contact (hosted by the node that mails
 * it), when the check's node invited it, and when it was answered (0: not yet). */
typedef struct kz_fed_check_target {
    char *contact;
    kz_time sent, answered;
} kz_fed_check_target;

/* A check as it travels (kind "check"): from the check's node, the invitations of the
 * contacts that the receiving node hosts; from that node back, the same invitations
 * with their answers. */
typedef struct kz_fed_check {
    char *id;                   /* first, as in every kind */
    char *organization;         /* who started the check (an organization of its node) */
    kz_time created, deadline;
    kz_fed_check_target *targets;
    size_t n;
} kz_fed_check;
/* A statement as it travels (kind "statement", docs/FEDERATION.md). From its drafter's
 * node: the statement row (has_statement), every version, and every approval that node
 * holds. From a co-signer's node: only the approvals of the organizations it hosts. */
typedef struct kz_fed_statement {
    char *id;                   /* first, as in every kind */
    bool has_statement;
    kz_statement st;
    kz_statement_version *versions;
    size_t n_versions;
    kz_statement_sig *sigs;
    size_t n_sigs;
} kz_fed_statement;

/* One change: an object as it stands now, or its tombstone. */
typedef struct kz_fed_change {
    int64_t seq;
    int kind;             /* kz_fed_kind */
    bool deleted;
    const char *id;
    void *obj;            /* a kz_org, kz_contact, kz_incident, kz_indicator, kz_sighting,
                             kz_fed_request, kz_fed_check or kz_fed_statement; NULL if deleted */
    const char *refused;  /* parse side: why obj could not be decoded, else NULL */
} kz_fed_change;

/* The answer to a pull: changes with after < seq <= last, in order; head is the
 * sender's newest seq (head == last: nothing more waits). */
typedef struct kz_fed_batch {
    const char *node;     /* the sender's node organization */
    int64_t after, last, head;
    kz_fed_change *items;
    size_t n;
} kz_fed_batch;

/* One change alone, as a pending change is kept (the form of an item of "changes"). */
kz_rc kz_fed_change_write(const kz_fed_change *c, kz_buf *out, kz_err *err);
/* KZ_EINVAL naming the field when the envelope is wrong; an object that does not
 * decode sets c->refused. Everything in a. */
kz_rc kz_fed_change_parse(const char *text, size_t n, kz_arena *a, kz_fed_change *c, kz_err *err);

/* The field table (NULL for requests, checks and statements, which have their own form) and struct size of
 * each kind. */
const kz_schema *kz_fed_kind_schema(int kind);
size_t kz_fed_kind_size(int kind);

/* Writes b as JSON to out. */
kz_rc kz_fed_batch_write(const kz_fed_batch *b, kz_buf *out, kz_err *err);
/* Parses a batch; everything in a. KZ_EINVAL naming the field when the envelope is
 * wrong (sequence numbers not increasing, beyond last, unknown kinds, past the
 * limits); an object that does not decode only sets that change's refused. */
kz_rc kz_fed_batch_parse(const char *text, size_t n, kz_arena *a, kz_fed_batch *out, kz_err *err);

/* The pull request body {"after": N, "limit": N}. */
kz_rc kz_fed_pull_write(int64_t after, int limit, kz_buf *out);
kz_rc kz_fed_pull_parse(const char *text, size_t n, int64_t *after, int *limit, kz_err *err);

/* A poke (POST /federation/v1/poke): {"protocol", "type": "poke", "node", "head"}, the
 * sender's node organization and the newest seq of its log. Parsing refuses unknown
 * fields (KZ_EINVAL naming the field); node in a. */
kz_rc kz_fed_poke_write(const char *node, int64_t head, kz_buf *out);
kz_rc kz_fed_poke_parse(const char *text, size_t n, kz_arena *a, const char **node, int64_t *head, kz_err *err);

/* What a node says of itself at /api/v1/node. */
typedef struct kz_fed_identity {
    const char *node, *name, *state, *public_key, *fingerprint;
} kz_fed_identity;
/* KZ_EINVAL naming the field that is missing or not a string; strings in a. */
kz_rc kz_fed_identity_parse(const char *text, size_t n, kz_arena *a, kz_fed_identity *out, kz_err *err);

/* A key message (POST /federation/v1/keys, docs/FEDERATION.md "Key rotation"): a
 * rotation names the new key and the end of the overlap, and carries the new key's
 * proof (its ed25519 signature, base64, over kz_fed_rotation_proof_text); a
 * revocation names the replaced key refused from `at` on. Times in seconds. */
typedef struct kz_fed_key_msg {
    bool revocation;
    const char *node;         /* the sender's node organization */
    const char *fingerprint;  /* the key replaced (rotation) or revoked */
    const char *new_public_key, *new_fingerprint, *proof;  /* rotation */
    const char *reason;       /* revocation; may be NULL */
    int64_t at;               /* rotation: when made; revocation: refused from */
    int64_t until;            /* rotation: the old key is accepted up to this second */
} kz_fed_key_msg;
kz_rc kz_fed_key_msg_write(const kz_fed_key_msg *m, kz_buf *out, kz_err *err);
/* KZ_EINVAL naming the field that is missing, unknown or of the wrong type; strings in a. */
kz_rc kz_fed_key_msg_parse(const char *text, size_t n, kz_arena *a, kz_fed_key_msg *out, kz_err *err);
/* The text the new key signs in a rotation's proof, into out. */
kz_rc kz_fed_rotation_proof_text(const kz_fed_key_msg *m, kz_buf *out);

#endif
