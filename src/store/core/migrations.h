/* Versioned schema migrations (store_migrations.c). PRAGMA user_version holds the
 * number of migrations applied. */
#ifndef KZ_STORE_MIGRATIONS_H
#define KZ_STORE_MIGRATIONS_H

#include "store/core/store.h"

/* Number of migrations this binary knows. */
int kz__migration_count(void);

/* Applies every pending migration, each in its own transaction; refuses a database
 * whose version is newer than this binary with KZ_EVERSION. */
kz_rc kz__migrate(kz_db *db, kz_err *err);

/* KZ_OK when the database's schema is this binary's, without changing it; KZ_EVERSION
 * naming both versions otherwise (for a store opened read-only). */
kz_rc kz__schema_current(kz_db *db, kz_err *err);

#endif
