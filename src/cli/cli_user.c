/* kizuna user add / user reset: create a user of the web interface, or let one back in
 * after a forgotten password or a lost second factor, by printing a one-time link to
 * set the password (valid 24 hours). This is also how an operator who lost every admin
 * key gets back in: it needs only the database file. */
#include "cli/cli_session.h"

#include "model/validate.h"
#include "service/directory/orgs.h"
#include "service/directory/users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char default_base[] = "http://127.0.0.1:8470";

/* --base-url, else --public-url (serve's option of that name, so KIZUNA_PUBLIC_URL and
 * a public-url key of the configuration file serve both), else the default address of
 * serve; without trailing slashes. Arena. */
static const char *base_url(const kz_args *a, kz_arena *ar)
{
    const char *b = kz_arg(a, "base-url");
    if (!b)
        b = kz_arg(a, "public-url");
    if (!b || !b[0])
        b = default_base;
    char *out = kz_arena_strdup(ar, b);
    size_t n = out ? strlen(out) : 0;
    while (n && out[n - 1] == '/')
        out[--n] = '\0';
    return out;
}

const char *kz_cli_organization(kz_call *c, const char *v)
{
    kz_err e2;
    if (kz_valid_uuid(v, "organization", &e2) == KZ_OK)
        return v;
    kz_org_filter f = {.q = v};
    kz_page pg = {.limit = 100};
    kz_org_page page;
    if (kz_svc_org_list(c, &f, &pg, &page))
        return v;
    for (size_t i = 0; i < page.n; i++)
        if (strcmp(page.items[i].name, v) == 0)
            return page.items[i].id;
    return v;
}

typedef int (*user_action)(const kz_args *a, kz_call *c, const char *base);

/* Opens the node of --db as the node itself, runs act, closes. */
static int with_node(const kz_args *a, user_action act)
{
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (!kz_arg(a, "email"))
        return kz_cli_usage_error(a, "give the user's e-mail address with --email");
    kz_cli_session s;
    int status = kz_cli_session_open(a, &s);
    if (!status)
        status = act(a, &s.call, base_url(a, &s.arena));
    kz_cli_session_close(&s);
    return status;
}

/* "--field: message" for an error naming a field, else the message. */
static int fail(const kz_args *a, const kz_err *err)
{
    if (err->field[0])
        return kz_cli_error(a, "%s (--%s)", err->msg, strcmp(err->field, "time_zone") ? err->field : "time-zone");
    return kz_cli_error(a, "%s", err->msg);
}

static int add(const kz_args *a, kz_call *c, const char *base)
{
    const char *role = kz_arg(a, "role");
    if (!kz_arg(a, "name") || !kz_arg(a, "organization") || !role)
        return kz_cli_usage_error(a, "give --name, --organization and --role as well");
    kz_user u = {
        .email = kz_arg(a, "email"),
        .name = kz_arg(a, "name"),
        .organization = kz_cli_organization(c, kz_arg(a, "organization")),
        .role = kz_arg_enum(a, "role"),
        .language = kz_arg(a, "language"),
        .time_zone = kz_arg(a, "time-zone"),
    };
    char *link = NULL;
    if (u.role < 0)
        return 2;
    if (kz_svc_user_create(c, &u, base, &link))
        return fail(a, c->err);
    printf("user %s created; send this one-time link to set the password (valid 24 hours):\n%s\n", u.id, link);
    return 0;
}

static int reset(const kz_args *a, kz_call *c, const char *base)
{
    kz_user u;
    char *link = NULL;
    if (kz_svc_user_reset(c, kz_arg(a, "email"), base, &u, &link))
        return fail(a, c->err);
    printf("user %s reset: password and second factor cleared, sessions ended; "
           "one-time link to set a new password (valid 24 hours):\n%s\n", u.id, link);
    return 0;
}

static int run_add(const kz_args *a) { return with_node(a, add); }
static int run_reset(const kz_args *a) { return with_node(a, reset); }

#define OPT_BASE {"base-url", "URL", NULL, "the server's address as people reach it (default --public-url, else http://127.0.0.1:8470)"}, \
    {"public-url", "URL", NULL, "as serve --public-url: the default of --base-url"}

static const kz_opt add_opts[] = {
    KZ_OPT_DB,
    {"email", "ADDRESS", NULL, "the user's e-mail address (signs in with it)"},
    {"name", "NAME", NULL, "the user's name"},
    {"organization", "ORG", NULL, "the user's organization: its id or exact name"},
    {"role", "ROLE", NULL, "as for API keys", &kz_key_role_enum},
    {"language", "LANG", "en", "language of the web interface: en or ja"},
    {"time-zone", "ZONE", "UTC", "IANA time zone, e.g. Asia/Tokyo"},
    OPT_BASE,
    KZ_OPT_LOG,
    {0},
};

static const kz_opt reset_opts[] = {
    KZ_OPT_DB,
    {"email", "ADDRESS", NULL, "the user's e-mail address"},
    OPT_BASE,
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_user_add = {
    "user add", "--db FILE --email E --name N --organization ORG --role R [options]",
    "create a user of the web interface; prints a one-time link to set the password",
    "The link is valid 24 hours and works once; only its hash is stored. Admin users\n"
    "belong to the node operator's organization.",
    add_opts, run_add, 0, 0,
};

const kz_cmd kz_cmd_user_reset = {
    "user reset", "--db FILE --email E [--base-url URL]",
    "forgotten password or lost second factor: a new one-time link",
    "Clears the user's password, TOTP second factor and recovery codes, ends the user's\n"
    "sessions and prints a new one-time link (valid 24 hours). Works offline on the\n"
    "database file, so it also lets an operator who lost every admin key back in.",
    reset_opts, run_reset, 0, 0,
};
