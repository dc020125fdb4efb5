/* kizuna backup / restore: copies of the database through SQLite's online backup, the
 * key file copied as kizuna init writes it (crypto/keyfile.h: 0600, written in full
 * before it appears), and the verification that makes a copy worth keeping. */
#include "service/core/backup.h"

#include "crypto/keyfile.h"
#include "service/core/audit.h"
#include "service/core/call.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PATH_MAX_ = 4096 };

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* path, or "<db>.key" when path is NULL, into out. */
static kz_rc key_at(const char *db, const char *path, char out[PATH_MAX_], kz_err *err)
{
    if (path ? (size_t)snprintf(out, PATH_MAX_, "%s", path) >= PATH_MAX_ : !kz_keyfile_default(db, out, PATH_MAX_))
        return kz_fail(err, KZ_EINVAL, "key-file", "the key file's path is too long");
    return KZ_OK;
}

/* The key file at from, re-created at to (0600; KZ_ECONFLICT when it exists). */
static kz_rc copy_key(const char *from, const char *to, kz_err *err)
{
    kz_keyset k;
    kz_rc rc = kz_keyfile_read(from, &k, err);
    if (!rc)
        rc = kz_keyfile_create(to, &k, err);
    kz_wipe(&k, sizeof k);
    return rc;
}

kz_rc kz_node_verify_copy(const char *path, const char *key_file, const unsigned char *pk, kz_copy_report *rep,
                          kz_err *err)
{
    memset(&rep->audit, 0, sizeof rep->audit);
    kz_node *node = NULL;
    /* read as it is: checking a backup leaves it in rollback-journal mode, alone */
    kz_rc rc = kz_node_open_keys(path, key_file, KZ_NODE_READ_ONLY | (key_file ? 0 : KZ_NODE_PUBLIC_ONLY), &node, err);
    if (rc)
        return rc;
    kz_arena ar;
    kz_arena_init(&ar);
    kz_call c;
    rc = kz_call_init_system(&c, node, "cli", &ar, err);
    if (!rc)
        rc = kz_store_integrity(c.db, err);
    if (!rc)
        rc = kz_svc_audit_verify_with(&c, key_file ? NULL : pk, NULL, &rep->audit);
    if (rc == KZ_ECORRUPT && rep->audit.first_bad)
        kz_fail(err, rc, "audit", "the copy's audit chain is broken at entry %lld: %s",
                (long long)rep->audit.first_bad, rep->audit.reason);
    kz_arena_free(&ar);
    kz_node_close(node);
    return rc;
}

/* Removes what a failed backup or restore wrote. */
static void discard(const char *db, const char *key)
{
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        char p[PATH_MAX_ + 32];
        if ((size_t)snprintf(p, sizeof p, "%s%s", db, ext[i]) < sizeof p)
            unlink(p);
    }
    if (key)
        unlink(key);
}

kz_rc kz_node_backup(kz_node *node, const char *key_file, const char *dest, const char *key_dest,
                     kz_copy_report *rep, kz_err *err)
{
    memset(rep, 0, sizeof *rep);
    char from_key[PATH_MAX_];
    kz_db *db = kz_store_db(node->store, err);
    if (!db)
        return KZ_ESTORE;
    kz_rc rc = key_at(kz_store_path(node->store), key_file, from_key, err);
    if (!rc && key_dest && exists(key_dest))
        rc = kz_fail(err, KZ_ECONFLICT, "key-output", "%s already exists; refusing to overwrite a key file", key_dest);
    if (!rc)
        rc = kz_store_backup(db, dest, err);
    if (rc)
        return rc;
    if (key_dest && (rc = copy_key(from_key, key_dest, err))) {
        discard(dest, NULL);
        return rc;
    }
    rep->key_copied = key_dest != NULL;
    rc = kz_node_verify_copy(dest, key_dest, node->sign_pk, rep, err);
    if (rc)
        discard(dest, key_dest);
    return rc;
}

kz_rc kz_node_restore(const char *from, const char *from_key, const char *db, const char *key_file,
                      kz_copy_report *rep, kz_err *err)
{
    memset(rep, 0, sizeof *rep);
    char key[PATH_MAX_], src_key[PATH_MAX_], tmp[PATH_MAX_ + 16], tmp_key[PATH_MAX_ + 16];
    kz_rc rc = key_at(db, key_file, key, err);
    if (!rc)
        rc = key_at(from, from_key, src_key, err);
    if (rc)
        return rc;
    if (exists(db))
        return kz_fail(err, KZ_ECONFLICT, "db", "%s already exists; stop its server and move it away first", db);
    snprintf(tmp, sizeof tmp, "%s.restoring", db);
    snprintf(tmp_key, sizeof tmp_key, "%s.restoring", key);
    bool have_key = exists(key);
    kz_store *st = NULL;
    if (!have_key && !exists(src_key))
        return kz_fail(err, KZ_ENOTFOUND, "input-key", "no key file for the backup: neither %s nor %s exists "
                       "(give the one kept apart with --input-key FILE)", key, src_key);
    discard(tmp, NULL);
    /* the copy is migrated, never the backup: it stays what its kizuna wrote */
    rc = kz_store_copy_file(from, tmp, err);
    if (!rc && !(rc = kz_store_open(tmp, 0, &st, err)))
        kz_store_close(st);
    if (!rc && !have_key)
        rc = copy_key(src_key, tmp_key, err);
    if (!rc)
        rc = kz_node_verify_copy(tmp, have_key ? key : tmp_key, NULL, rep, err);
    if (!rc && rename(tmp, db) != 0)
        rc = kz_fail(err, KZ_EIO, "db", "cannot move the restored copy to %s", db);
    if (!rc && !have_key && rename(tmp_key, key) != 0)
        rc = kz_fail(err, KZ_EIO, "key-file", "cannot move the restored key file to %s", key);
    rep->key_copied = !rc && !have_key;
    if (rc)
        discard(tmp, have_key ? NULL : tmp_key);
    return rc;
}

kz_rc kz_node_serving(kz_node *node, bool on, kz_err *err)
{
    kz_db *db = kz_store_db(node->store, err);
    return db ? kz_store_mark_serving(db, on, err) : KZ_ESTORE;
}
