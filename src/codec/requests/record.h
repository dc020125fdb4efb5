/* The signed record of a request, as text: the canonical JSON of each entry (what is
 * hashed and signed), the content snapshot of a request, the exported record document
 * (JSON, and a printable HTML page made from it) and its offline verification.
 *
 * Canonical form: the entry as one JSON object, keys sorted by byte order, no
 * whitespace, UTF-8, only strings, integers, booleans, arrays and objects (no reals),
 * as jansson writes it with JSON_COMPACT | JSON_SORT_KEYS. hash = SHA-256 of those
 * bytes (hex); signature = ed25519 over the same bytes by the node's key (hex). Each
 * entry names the hash of the one before it ("prev"; 64 zeros for the first), so the
 * entries of one request form a chain; the export ends with a signed seal naming the
 * number of entries and the last hash, so that a record cut short is caught too.
 * Version 2: the seal also names the SHA-256 of the canonical text of the document's
 * "request" summary (summary_sha256) and of its "node" object (node_sha256), so that
 * every field the record and its printable page show (dates, overdue, escalation level,
 * organization and node names) is covered by the seal's signature. Version 1 records
 * (whose summary only had to agree with the entries' status and content) still verify,
 * reported as such. Verification also derives from the signed entries what they
 * determine — sent_at, acknowledged_at, answered_at (the time of the move's entry),
 * ack_due, answer_due, preserve_until (written into the send and acknowledge entries),
 * escalation_level (the escalations that reached a contact) — and names the summary
 * field that disagrees, so a summary falsified in the database before a genuine export
 * is caught too. */
#ifndef KZ_CODEC_RECORD_H
#define KZ_CODEC_RECORD_H

#include "model/request.h"
#include "util/arena.h"
#include "util/buf.h"

#define KZ_RECORD_FORMAT "kizuna-request-record"
#define KZ_RECORD_KEYS_MAX 16  /* keys a record is checked against */
#define KZ_RECORD_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* What one entry says. Strings may be NULL when they do not apply. */
typedef struct kz_record_entry_in {
    const char *request;        /* the request's id */
    int64_t seq;
    kz_time at;
    const char *organization;   /* the acting organization */
    const char *actor;          /* API key id, "scheduler" or "cli" */
    const char *action;
    int from, to;               /* kz_request_status, -1 when the entry moves nothing */
    const char *message;
    const kz_attachment *attachments;
    size_t n_attachments;
    const kz_request *content;  /* create and edit: the request's content */
    const char *contact;        /* escalations and warnings: the contact notified */
    const char *note;           /* escalations and warnings: what happened, in words */
    const char *prev;           /* hash of the entry before, or KZ_RECORD_GENESIS */
    kz_time ack_due, answer_due, preserve_until; /* deadlines the entry's move set, 0 when
                                   none: so that verification derives them from it */
    const char *to_node;        /* the send of a request to an organization of another node:
                                   the public key (hex) of the node that receives it, whose
                                   key signs every entry the recipient's side makes from then
                                   on (docs/FEDERATION.md); NULL otherwise */
} kz_record_entry_in;

/* Reads back what an entry's canonical text says (content is not read: it is NULL; the
 * attachments are, without their data). Strings in a. KZ_EINVAL naming the field
 * when the text is not an entry. */
kz_rc kz_record_entry_read(const char *text, size_t n, kz_arena *a, kz_record_entry_in *out, kz_err *err);

/* The canonical text of e, in a. NULL when out of memory. */
char *kz_record_entry_text(const kz_record_entry_in *e, kz_arena *a);

/* Everything an export is made of. */
typedef struct kz_record_source {
    const char *node_org, *node_org_name, *node_state;
    const unsigned char *public_key;   /* KZ_SIGN_PK_BYTES */
    const unsigned char *secret_key;   /* signs the seal; never written */
    const kz_request *request;         /* as its reader may see it */
    const char *from_org_name, *to_org_name;
    const kz_request_entry *entries;
    size_t n_entries;
    const char *exported_for;          /* the organization the export was made for */
    kz_time exported_at;
    /* the other node of a request between nodes: its key signed the other side's
       entries, and the export names it (NULL for a request within this node) */
    const char *peer_public_key, *peer_node, *peer_name, *peer_state;
} kz_record_source;

typedef enum kz_record_format { KZ_RECORD_JSON, KZ_RECORD_HTML } kz_record_format;

/* Writes the record document (JSON: format, node with its public key, the request,
 * every entry with hash and signature, and the seal signed now) or the printable page
 * made from it. */
kz_rc kz_record_export(const kz_record_source *src, kz_record_format fmt, kz_buf *out, kz_err *err);

/* The result of checking a record. */
typedef struct kz_record_report {
    int64_t entries;            /* entries read */
    int64_t first_bad;          /* seq of the first entry that fails, 0 when none does */
    char reason[240];           /* why it fails, "" when intact */
    char request[40];
    char status[24];            /* the status the signed entries lead to */
    char public_key[72];        /* hex of the key of the node that exported (and sealed) it */
    char peer_public_key[72];   /* a request between nodes: the other node's key, else "" */
    int version;                /* the record's format version */
    bool key_given;             /* checked against a key the caller trusts; false: only
                                   against the key the file names (internal consistency) */
} kz_record_report;

/* Checks a record document offline: every entry's hash, link and signature, the seal
 * (with the digests of the summary and node objects in version 2), and that the
 * request summary agrees with the signed entries. public_key_hex (may be
 * NULL) is the node key the caller trusts; without it the key named in the file is
 * used. KZ_OK when intact; KZ_ECORRUPT with rep->reason (and rep->first_bad when one
 * entry is to blame) when not; KZ_EINVAL when text is not a record at all (err names
 * the line and column or the field). */
kz_rc kz_record_verify(const char *text, size_t n, const char *public_key_hex,
                       kz_record_report *rep, kz_err *err);

/* The same with the keys of other nodes the caller trusts (peer_keys_hex, n_peer_keys):
 * a request between two nodes holds entries signed by each. Every entry must verify
 * with the key of its side's node: the sender's organization's entries with the key
 * that signed the first entry, the others with the key the send entry names as
 * to_node (or the first key again for a request within one node). Without any key
 * given, the keys the file names (node.public_key and signers[].public_key) are used
 * and rep->key_given is false. */
kz_rc kz_record_verify_keys(const char *text, size_t n, const char *public_key_hex, const char *const *peer_keys_hex,
                            size_t n_peer_keys, kz_record_report *rep, kz_err *err);
/* The same across key rotations: own_keys are keys of the exporting node, peer_keys[i]
 * the keys of the i-th other node; each string holds one key or several of the same
 * node separated by commas ("OLD,NEW"). An entry verifies with any key of its side's
 * node, so a record whose entries one node signed before and after a rotation verifies
 * given both of its keys; the seal must verify with one of own_keys (the key the file
 * names). At most KZ_RECORD_KEYS_MAX keys in all (KZ_EINVAL naming public_key or
 * peer_key otherwise, or when a key is not 64 hex digits). */
kz_rc kz_record_verify_sides(const char *text, size_t n, const char *const *own_keys, size_t n_own,
                             const char *const *peer_keys, size_t n_peers, kz_record_report *rep, kz_err *err);

#endif
