/* kizuna init: create a node database and its first admin key. */
#include "cli/cli.h"

#include "crypto/crypto.h"
#include "model/validate.h"
#include "service/directory/keys.h"
#include "service/core/node.h"

#include <string.h>

static int run(const kz_args *a)
{
    const char *db = kz_arg(a, "db");
    kz_node_setup setup = {kz_arg(a, "org-name"), kz_arg(a, "state")};
    kz_err err;
    kz_err_clear(&err);
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (kz_check_country(setup.state, "state", &err))
        return kz_cli_usage_error(a, "--state: %s", err.msg);
    if (!setup.org_name[0] || strlen(setup.org_name) > 200)
        return kz_cli_usage_error(a, "--org-name must be 1 to 200 characters");
    char key[KZ_KEY_TEXT];
    if (kz_node_create(db, &setup, key, sizeof key, &err))
        return kz_cli_error(a, "%s", err.msg);
    printf("Created %s (schema version %d) for %s (%s).\n", db, kz_store_schema_version(),
           setup.org_name, setup.state);
    printf("The admin API key follows; it is shown only this once:\n%s\n", key);
    kz_wipe(key, sizeof key);
    return 0;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    {"org-name", "NAME", "Kizuna node operator", "name of the organization that runs this node"},
    {"state", "CC", "JP", "ISO 3166-1 alpha-2 code of the operator's state"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_init = {
    "init", "--db FILE [options]", "create a new Kizuna database and print an admin API key",
    "Creates the SQLite database (WAL mode, current schema), the operator's organization and\n"
    "the node secret, and prints one new admin API key as the last line of stdout. Refuses\n"
    "to touch an existing database.",
    opts, run, 0, 0,
};
