/* Persistence of the directory: organizations, API keys and contacts. Functions take
 * the calling thread's kz_db; strings they return are copied into the caller's arena.
 * They never decide who may do what (that is service/). */
#ifndef KZ_STORE_DIRECTORY_H
#define KZ_STORE_DIRECTORY_H

#include "model/directory.h"
#include "model/page.h"
#include "store/core/store.h"
#include "util/arena.h"

typedef KZ_PAGE_OF(kz_org) kz_org_page;
typedef KZ_PAGE_OF(kz_contact) kz_contact_page;
typedef KZ_PAGE_OF(kz_apikey) kz_apikey_page;
typedef KZ_PAGE_OF(int64_t) kz_row_page; /* row numbers (rowid) */
typedef struct kz_numbered_contact {
    int64_t row; /* contacts.n (within one store generation, one contact) */
    kz_contact c;
} kz_numbered_contact;
typedef KZ_PAGE_OF(kz_numbered_contact) kz_numbered_contact_page;

/* viewer (may be NULL: everything, for the services' own walks): leaves out the
 * exercise-only organizations of the table-top runs it takes no part in (and their
 * contacts), with kz_visible's rule for the run (kz_viewer.exercises). */
typedef struct kz_org_filter {
    const char *state, *kind, *q;
    const kz_viewer *viewer;
} kz_org_filter;

typedef struct kz_contact_filter {
    const char *state, *role, *organization, *q;
    const kz_viewer *viewer;
} kz_contact_filter;

kz_rc kz_store_org_insert(kz_db *db, const kz_org *o, kz_err *err);
kz_rc kz_store_org_update(kz_db *db, const kz_org *o, kz_err *err);
kz_rc kz_store_org_get(kz_db *db, const char *id, kz_arena *a, kz_org *out, kz_err *err);
/* KZ_ECONFLICT while contacts or keys still belong to it. */
kz_rc kz_store_org_delete(kz_db *db, const char *id, kz_err *err);
kz_rc kz_store_org_list(kz_db *db, const kz_org_filter *f, const kz_page *pg, kz_arena *a,
                        kz_org_page *out, kz_err *err);

kz_rc kz_store_contact_insert(kz_db *db, const kz_contact *c, kz_err *err);
kz_rc kz_store_contact_update(kz_db *db, const kz_contact *c, kz_err *err);
kz_rc kz_store_contact_get(kz_db *db, const char *id, kz_arena *a, kz_contact *out, kz_err *err);
kz_rc kz_store_contact_delete(kz_db *db, const char *id, kz_err *err);
kz_rc kz_store_contact_list(kz_db *db, const kz_contact_filter *f, const kz_page *pg,
                            kz_arena *a, kz_contact_page *out, kz_err *err);
/* The same page with each contact's row number; and the row numbers alone (same
 * filters, viewer clause, order and cursor: the rows kz_store_contact_list reads). */
kz_rc kz_store_contact_list_numbered(kz_db *db, const kz_contact_filter *f, const kz_page *pg,
                                     kz_arena *a, kz_numbered_contact_page *out, kz_err *err);
kz_rc kz_store_contact_rows(kz_db *db, const kz_contact_filter *f, const kz_page *pg,
                            kz_arena *a, kz_row_page *out, kz_err *err);
/* Ids of every contact matching state and role (either may be NULL), up to max, leaving
 * out the contacts of exercise-only organizations (a check of the directory is real work). */
kz_rc kz_store_contact_ids(kz_db *db, const char *state, const char *role, size_t max,
                           kz_arena *a, kz_strlist *out, kz_err *err);

/* Contacts of state with role, those of organization `prefer` (may be NULL) first, then
 * oldest first; at most max. The contacts of a table-top run's exercise-only
 * organizations only for work of that run (exercise; NULL: real work, never). */
kz_rc kz_store_contacts_by_role(kz_db *db, const char *state, const char *role, const char *prefer,
                                const char *exercise, size_t max, kz_arena *a, kz_contact **items, size_t *n,
                                kz_err *err);

/* Stores a key with the hash of its secret (never the secret). */
kz_rc kz_store_key_insert(kz_db *db, const kz_apikey *k, const char *hash_hex, kz_err *err);
kz_rc kz_store_key_get(kz_db *db, const char *id, kz_arena *a, kz_apikey *out, kz_err *err);
/* The unrevoked key whose secret hashes to hash_hex; KZ_ENOTFOUND otherwise. */
kz_rc kz_store_key_by_hash(kz_db *db, const char *hash_hex, kz_arena *a, kz_apikey *out, kz_err *err);
kz_rc kz_store_key_revoke(kz_db *db, const char *id, kz_time when, kz_err *err);
/* Records a use of the key; skipped (KZ_ESTORE) rather than waiting when the database
 * is locked by a writer. */
kz_rc kz_store_key_touch(kz_db *db, const char *id, kz_time when, kz_err *err);
/* organization NULL lists every key. */
kz_rc kz_store_key_list(kz_db *db, const char *organization, const kz_page *pg, kz_arena *a,
                        kz_apikey_page *out, kz_err *err);

#endif
