/* kizuna audit verify: check the audit chain of a database offline. */
#include "cli/cli.h"

#include "service/core/audit.h"

static int run(const kz_args *a)
{
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    kz_err err;
    kz_node *node = NULL;
    if (kz_node_open(db, &node, &err))
        return kz_cli_error(a, "%s", err.msg);
    kz_arena ar;
    kz_arena_init(&ar);
    kz_call c;
    kz_audit_report rep = {0};
    kz_rc rc = kz_call_init_system(&c, node, "cli", &ar, &err);
    if (!rc)
        rc = kz_svc_audit_verify(&c, &rep);
    int status = 0;
    if (rc == KZ_OK)
        printf("audit chain intact: %lld entries\n", (long long)rep.entries);
    else if (rc == KZ_ECORRUPT && rep.first_bad)
        status = kz_cli_error(a, "audit chain broken at entry %lld: %s (%lld entries read)",
                              (long long)rep.first_bad, rep.reason, (long long)rep.entries);
    else
        status = kz_cli_error(a, "%s", err.msg);
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

static const kz_opt opts[] = {KZ_OPT_DB, KZ_OPT_LOG, {0}};

const kz_cmd kz_cmd_audit_verify = {
    "audit verify", "--db FILE", "verify the hash chain of the audit log",
    "Recomputes every entry's hash in order. Exits 0 when the chain is intact, 1 naming\n"
    "the first entry that was changed, removed or inserted.",
    opts, run, 0, 0,
};
