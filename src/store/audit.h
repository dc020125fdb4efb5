/* The audit chain in SQLite: append inside the caller's write transaction, verify the
 * whole chain, list entries. */
#ifndef KZ_STORE_AUDIT_H
#define KZ_STORE_AUDIT_H

#include "model/audit.h"
#include "store/directory.h"

/* Appends ev (fills seq, at if 0, prev_hash and hash). Must run inside a write
 * transaction so that the chain cannot fork. */
kz_rc kz_store_audit_append(kz_db *db, kz_audit_event *ev, kz_err *err);

/* Recomputes every hash in order and compares the chain's end with the recorded head.
 * KZ_OK with report->first_bad = 0 when intact; KZ_ECORRUPT naming the first bad entry
 * otherwise. */
kz_rc kz_store_audit_verify(kz_db *db, kz_audit_report *report, kz_err *err);

typedef KZ_PAGE_OF(kz_audit_event) kz_audit_page;
kz_rc kz_store_audit_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_audit_page *out, kz_err *err);

#endif
