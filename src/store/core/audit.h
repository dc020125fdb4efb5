/* The audit chain in SQLite: append inside the caller's write transaction, verify the
 * whole chain, list entries. */
#ifndef KZ_STORE_AUDIT_H
#define KZ_STORE_AUDIT_H

#include "model/audit.h"
#include "store/directory/directory.h"

/* Appends ev (fills seq, at if 0, prev_hash and hash). Must run inside a write
 * transaction so that the chain cannot fork. */
kz_rc kz_store_audit_append(kz_db *db, kz_audit_event *ev, kz_err *err);

/* Appending signs the entry with the store's signer (kz_store_set_signer); without one
 * it fails. */

/* Recomputes every hash in order and compares the chain's end with the recorded head.
 * With pk (the node's ed25519 public key, from outside the database), also checks every
 * entry's signature: entries from before the chain was signed may be unsigned only as a
 * prefix followed by a signed entry. With pinned (a head exported earlier and kept
 * elsewhere), the entry at its seq must have its hash. KZ_OK with report->first_bad = 0
 * when intact; KZ_ECORRUPT naming the first bad entry otherwise. pinned's own
 * signature is the caller's to check (kz_audit_head_signature_ok). */
kz_rc kz_store_audit_verify(kz_db *db, const unsigned char *pk, const kz_audit_head *pinned,
                            kz_audit_report *report, kz_err *err);

/* The newest entry as a head (seq, at, hash, sig; public_key and node left empty), or
 * seq 0 for an empty chain. */
kz_rc kz_store_audit_head(kz_db *db, kz_audit_head *head, kz_err *err);

/* Whether head's signature is the node key pk's over KZ_AUDIT_SIGNED_FMT. */
bool kz_audit_head_signature_ok(const kz_audit_head *head, const unsigned char *pk);

typedef KZ_PAGE_OF(kz_audit_event) kz_audit_page;
kz_rc kz_store_audit_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_audit_page *out, kz_err *err);

#endif
