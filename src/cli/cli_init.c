/* kizuna init: create a node database, its key file and its first admin key. Also
 * kz_cli_open_node, how every command finds a database's key file. */
#include "cli/cli.h"

#include "crypto/crypto.h"
#include "crypto/keyfile.h"
#include "model/validate.h"
#include "service/directory/keys.h"
#include "service/core/node.h"

#include <string.h>

kz_rc kz_cli_open_node(const kz_args *a, const char *db, unsigned flags, kz_node **node, kz_err *err)
{
    return kz_node_open_keys(db, kz_arg(a, "key-file"), flags, node, err);
}

static int run(const kz_args *a)
{
    const char *db = kz_arg(a, "db");
    kz_node_setup setup = {kz_arg(a, "org-name"), kz_arg(a, "state"), kz_arg(a, "key-file")};
    kz_err err;
    kz_err_clear(&err);
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (kz_valid_country(setup.state, "state", &err))
        return kz_cli_usage_error(a, "--state: %s", err.msg);
    if (!setup.org_name[0] || strlen(setup.org_name) > 200)
        return kz_cli_usage_error(a, "--org-name must be 1 to 200 characters");
    char key[KZ_KEY_TEXT];
    if (kz_node_create(db, &setup, key, sizeof key, &err))
        return kz_cli_error(a, "%s", err.msg);
    char kf[4096];
    if (!setup.key_file && kz_keyfile_default(db, kf, sizeof kf))
        setup.key_file = kf;
    printf("Created %s (schema version %d) for %s (%s).\n", db, kz_store_schema_version(),
           setup.org_name, setup.state);
    printf("The node's secret keys are in %s (mode 0600): back it up, apart from the database.\n",
           setup.key_file);
    printf("The admin API key follows; it is shown only this once:\n%s\n", key);
    kz_wipe(key, sizeof key);
    return 0;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"org-name", "NAME", "Kizuna node operator", "name of the organization that runs this node"},
    {"state", "CC", "JP", "ISO 3166-1 alpha-2 code of the operator's state"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_init = {
    "init", "--db FILE [options]", "create a new Kizuna database and print an admin API key",
    "Creates the SQLite database (WAL mode, current schema) and the operator's organization,\n"
    "writes the node's secret keys (signing key, answer-token key, victim-hashing key) to\n"
    "the key file (mode 0600; default DB.key), never into the database, and prints one new\n"
    "admin API key as the last line of stdout. Refuses to touch an existing database or\n"
    "key file.",
    opts, run, 0, 0,
};
