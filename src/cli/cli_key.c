/* kizuna key create: a new API key made on the database file itself, as the node, for
 * an operator who lost every admin key (the API would need one to make another). The
 * secret is printed once; only its hash is stored; the creation is audited. */
#include "cli/cli_session.h"

#include "crypto/crypto.h"
#include "model/enums.h"
#include "service/directory/keys.h"

#include <stdio.h>
#include <string.h>

static int run(const kz_args *a)
{
    const char *db = kz_arg(a, "db"), *role = kz_arg(a, "role");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    int r = kz_arg_enum(a, "role");
    if (r < 0)
        return 2;
    kz_cli_session s;
    char key[KZ_KEY_TEXT];
    int status = kz_cli_session_open(a, &s);
    kz_apikey k = {.role = (kz_key_role)r, .label = (char *)kz_arg(a, "label")};
    if (!status) {
        const char *org = kz_arg(a, "organization");
        k.organization = (char *)(org ? kz_cli_organization(&s.call, org) : s.node->org_id);
        if (kz_svc_key_create(&s.call, &k, key))
            status = s.err.field[0] ? kz_cli_error(a, "%s (--%s)", s.err.msg, s.err.field)
                                    : kz_cli_error(a, "%s", s.err.msg);
        else
            printf("Created %s key %s of organization %s (audited as key.create).\n"
                   "The key follows; it is shown only this once:\n%s\n",
                   role, k.id, k.organization, key);
        kz_wipe(key, sizeof key);
    }
    kz_cli_session_close(&s);
    return status;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"organization", "ORG", NULL, "the key's organization: its id or exact name (default the node operator's)"},
    {"role", "ROLE", "admin", NULL, &kz_key_role_enum},
    {"label", "TEXT", "created by kizuna key create", "what the key is for, shown in the key list"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_key_create = {
    "key create", "--db FILE [--organization ORG] [--role ROLE]", "make an API key on the database file (lost admin keys)",
    "Creates an API key directly in the database, as the node itself, so that an operator\n"
    "who lost every admin key can get one back without the API. Needs the database and its\n"
    "key file (it signs the audit entry); works with the server running or stopped. Prints\n"
    "the key as the last line of stdout, once; only its hash is kept. Admin keys belong to\n"
    "the node operator's organization.",
    opts, run, 0, 0,
};
