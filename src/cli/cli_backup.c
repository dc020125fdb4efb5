/* kizuna backup and kizuna restore: a verified copy of a node (its database, and its key
 * file unless told not to) taken while the server runs, and putting one back. */
#include "cli/cli.h"

#include "service/core/backup.h"

#include <stdio.h>
#include <string.h>

static void print_chain(const char *what, const char *path, const kz_copy_report *rep)
{
    printf("%s %s: integrity check ok, audit chain intact (%lld entries, signed by the node key)\n", what, path,
           (long long)rep->audit.entries);
}

static int run_backup(const kz_args *a)
{
    const char *db = kz_arg(a, "db"), *out = kz_arg(a, "output");
    if (!db || !out)
        return kz_cli_usage_error(a, "give the database with --db FILE and the copy with --output FILE");
    char key_out[4200];
    const char *kout = kz_arg(a, "key-output");
    if (!kout && (size_t)snprintf(key_out, sizeof key_out, "%s.key", out) < sizeof key_out)
        kout = key_out;
    if (kz_arg(a, "no-key"))
        kout = NULL;
    kz_err err;
    kz_node *node = NULL;
    if (kz_cli_open_node(a, db, 0, &node, &err))
        return kz_cli_error(a, "%s", err.msg);
    kz_copy_report rep;
    kz_rc rc = kz_node_backup(node, kz_arg(a, "key-file"), out, kout, &rep, &err);
    kz_node_close(node);
    if (rc)
        return kz_cli_error(a, "%s", err.msg);
    print_chain("backed up to", out, &rep);
    if (kout)
        printf("the node's key file is copied to %s (mode 0600): store it apart from the database copies\n", kout);
    else
        printf("no key file copied (--no-key): restore needs the key file kept elsewhere (--input-key)\n");
    return 0;
}

static int run_restore(const kz_args *a)
{
    const char *db = kz_arg(a, "db"), *in = kz_arg(a, "input");
    if (!db || !in)
        return kz_cli_usage_error(a, "give the backup with --input FILE and the database to create with --db FILE");
    kz_err err;
    kz_copy_report rep;
    if (kz_node_restore(in, kz_arg(a, "input-key"), db, kz_arg(a, "key-file"), &rep, &err))
        return kz_cli_error(a, "%s", err.msg);
    print_chain("restored", db, &rep);
    printf("%s\n", rep.key_copied ? "the backup's key file is in place beside it (mode 0600)"
                                  : "with the key file that was already in place");
    return 0;
}

static const kz_opt backup_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"output", "FILE", NULL, "the copy of the database to write (must not exist)"},
    {"key-output", "FILE", NULL, "where the copy of the key file goes (default OUTPUT.key)"},
    {"no-key", NULL, NULL, "copy the database only (the key file is backed up elsewhere)"},
    KZ_OPT_LOG,
    {0},
};

static const kz_opt restore_opts[] = {
    {"input", "FILE", NULL, "the backup (a copy written by kizuna backup)"},
    {"input-key", "FILE", NULL, "the backup's key file (default INPUT.key)"},
    {"db", "FILE", NULL, "the database to create from it (must not exist)"},
    {"key-file", "FILE", NULL, "the node's key file; used when it exists, else copied from the backup's (default DB.key)"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_backup = {
    "backup", "--db FILE --output FILE [options]", "copy a node's database (and key file), consistent while it serves",
    "Copies the database with SQLite's online backup, so the server may keep running and\n"
    "writing: the copy is one consistent moment, complete without a -wal file. The key file\n"
    "is copied as kizuna init writes one (mode 0600, never over an existing file) to\n"
    "OUTPUT.key, unless --no-key. Then the copy is opened with that key file and checked:\n"
    "SQLite's integrity check and the signed audit chain. Exits 1 and leaves nothing when\n"
    "any of it fails.",
    backup_opts, run_backup, 0, 0,
};

const kz_cmd kz_cmd_restore = {
    "restore", "--input BACKUP --db FILE [options]", "put a backup back as a node's database",
    "Copies the backup to a temporary file beside --db (with the backup's key file unless\n"
    "the node's key file is already in place), verifies it as kizuna backup does, and only\n"
    "then moves it to --db. Refuses an existing --db: stop the server and move the old\n"
    "database away first. Start the server on the restored file as before.",
    restore_opts, run_restore, 0, 0,
};
