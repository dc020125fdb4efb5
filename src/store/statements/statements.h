/* Public attribution statements in SQLite: the statement rows, their append-only
 * versions and the co-signers' signatures. No policy here: the service decides who
 * sees and changes what (service/statements/statements.h). */
#ifndef KZ_STORE_STATEMENTS_H
#define KZ_STORE_STATEMENTS_H

#include "model/statement.h"
#include "store/core/store.h"
#include "util/arena.h"

kz_rc kz_store_statement_insert(kz_db *db, const kz_statement *s, kz_err *err);
kz_rc kz_store_statement_update(kz_db *db, const kz_statement *s, kz_err *err);

/* One statement into out (strings in a); KZ_ENOTFOUND when there is none. */
kz_rc kz_store_statement_get(kz_db *db, const char *id, kz_arena *a, kz_statement *out, kz_err *err);

/* Every statement, newest first (a few hundred at most on a node: the service filters
 * each through the visibility rule). Array and strings in a. */
kz_rc kz_store_statement_all(kz_db *db, kz_arena *a, kz_statement **out, size_t *n, kz_err *err);

/* The ids of the scheduled statements whose publish_at is at or before now; in a. */
kz_rc kz_store_statements_due(kz_db *db, kz_time now, kz_arena *a, kz_strlist *out, kz_err *err);

kz_rc kz_store_statement_version_insert(kz_db *db, const char *id, const kz_statement_version *v, kz_err *err);
/* Versions oldest first; in a. */
kz_rc kz_store_statement_versions(kz_db *db, const char *id, kz_arena *a, kz_statement_version **out,
                                  size_t *n, kz_err *err);

kz_rc kz_store_statement_sig_insert(kz_db *db, const kz_statement_sig *g, kz_err *err);
/* Signatures in the order they were made; in a. */
kz_rc kz_store_statement_sigs(kz_db *db, const char *id, kz_arena *a, kz_statement_sig **out, size_t *n,
                              kz_err *err);

#endif
