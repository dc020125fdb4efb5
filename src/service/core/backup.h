/* Backups of a node: a consistent copy of its database taken while the server runs,
 * its key file copied as key material (mode 0600, never overwriting), and the check that
 * a copy is restorable: it opens with its key file, passes SQLite's integrity check and
 * holds an intact, signed audit chain. Restoring is the same copy in the other
 * direction, into place only once it verified. (svc_backup.c) */
#ifndef KZ_SERVICE_BACKUP_H
#define KZ_SERVICE_BACKUP_H

#include "model/audit.h"
#include "service/core/node.h"

typedef struct kz_copy_report {
    kz_audit_report audit;       /* of the copy's chain */
    bool key_copied;             /* a key file was written beside the copy */
} kz_copy_report;

/* Opens the copy at path read-only (KZ_NODE_READ_ONLY: it is never changed, and its
 * schema must be this binary's) with key_file (its node must be the key file's) or, when
 * key_file is NULL, without keys, checking signatures against pk; then the integrity
 * check and the audit chain. KZ_ECORRUPT (with rep->audit.first_bad) when broken. */
kz_rc kz_node_verify_copy(const char *path, const char *key_file, const unsigned char *pk, kz_copy_report *rep,
                          kz_err *err);

/* Writes a copy of node's database to dest (which must not exist) and, unless key_dest
 * is NULL, the node's key file (read from key_file, NULL = "<db>.key") to key_dest,
 * then verifies the copy (kz_node_verify_copy). On failure nothing is left behind. */
kz_rc kz_node_backup(kz_node *node, const char *key_file, const char *dest, const char *key_dest,
                     kz_copy_report *rep, kz_err *err);

/* Restores the backup at from into the new database db: the key file key_file (NULL =
 * "<db>.key") is used when it exists, else copied from from_key (NULL = "<from>.key").
 * The copy is verified before it appears under db; db must not exist (stop the server
 * and move the damaged database away first). */
kz_rc kz_node_restore(const char *from, const char *from_key, const char *db, const char *key_file,
                      kz_copy_report *rep, kz_err *err);

/* The server's mark (store.h kz_store_mark_serving): set when serving starts, cleared
 * on a clean stop. */
kz_rc kz_node_serving(kz_node *node, bool on, kz_err *err);

#endif
