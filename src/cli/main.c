/* kizuna: entry point. Finds the subcommand in the table, resolves its options from
 * flags, KIZUNA_* environment variables, the configuration file (--config FILE or
 * KIZUNA_CONFIG, cli_config.c) and defaults, in that order, and runs it. */
#include "cli/cli.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "model/enums.h"
#include "model/validate.h"
#include "service/sharing/indicators.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/log.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { NAME_WIDTH = 17 };  /* the longest name ("statement export") keeps two spaces before its summary */

static const kz_cmd *const commands[] = {
    &kz_cmd_init, &kz_cmd_serve, &kz_cmd_demo, &kz_cmd_audit_verify, &kz_cmd_audit_head, &kz_cmd_request_export,
    &kz_cmd_request_verify, &kz_cmd_statement_export, &kz_cmd_statement_verify, &kz_cmd_routes,
    &kz_cmd_geo, &kz_cmd_geodata_build,
    &kz_cmd_geodata_info, &kz_cmd_route, &kz_cmd_import_csv, &kz_cmd_import_stix, &kz_cmd_import_misp,
    &kz_cmd_export, &kz_cmd_library_export, &kz_cmd_library_import, &kz_cmd_match, &kz_cmd_stats_victims, &kz_cmd_user_add, &kz_cmd_user_reset,
    &kz_cmd_key_create, &kz_cmd_backup, &kz_cmd_restore, &kz_cmd_node, &kz_cmd_node_rotate_key, &kz_cmd_node_revoke_key,
    &kz_cmd_peer_add, &kz_cmd_peer_list, &kz_cmd_peer_pause, &kz_cmd_peer_resume, &kz_cmd_peer_remove, &kz_cmd_peer_ca,
    &kz_cmd_peer_sync, &kz_cmd_peer_compact, &kz_cmd_exercise_run, &kz_cmd_version,
};
enum { NCOMMANDS = sizeof commands / sizeof *commands };

static int opt_count(const kz_cmd *c)
{
    int n = 0;
    while (c->opts && c->opts[n].name)
        n++;
    return n;
}

static int opt_index(const kz_cmd *c, const char *name, size_t len)
{
    for (int i = 0; c->opts && c->opts[i].name; i++)
        if (strlen(c->opts[i].name) == len && strncmp(c->opts[i].name, name, len) == 0)
            return i;
    return -1;
}

const char *kz_arg(const kz_args *a, const char *name)
{
    int i = opt_index(a->cmd, name, strlen(name));
    return i < 0 ? NULL : a->values[i];
}

const char *const *kz_arg_all(const kz_args *a, const char *name, size_t *n)
{
    int i = opt_index(a->cmd, name, strlen(name));
    *n = i < 0 ? 0 : a->n_given[i] ? (size_t)a->n_given[i] : a->values[i] ? 1 : 0;
    return i < 0 ? NULL : a->n_given[i] ? a->given[i] : &a->values[i];
}

static void vreport(const kz_args *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vreport(const kz_args *a, const char *fmt, va_list ap)
{
    fprintf(stderr, "kizuna %s: ", a->cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int kz_cli_usage_error(const kz_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(a, fmt, ap);
    va_end(ap);
    fprintf(stderr, "(see kizuna %s --help)\n", a->cmd->name);
    return 2;
}

int kz_cli_error(const kz_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(a, fmt, ap);
    va_end(ap);
    return 1;
}

long long kz_arg_num(const kz_args *a, const char *name, long long min, long long max)
{
    const char *v = kz_arg(a, name);
    if (!v)
        return min;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max) {
        kz_cli_usage_error(a, "--%s must be a number from %lld to %lld", name, min, max);
        return -1;
    }
    return n;
}

int kz_arg_chunk(const kz_args *a, uint64_t *out)
{
    const char *v = kz_arg(a, "chunk");
    if (v && !strcmp(v, "auto")) {
        *out = KZ_IND_CHUNK_AUTO;
        return 0;
    }
    long long n = kz_arg_num(a, "chunk", 0, 1LL << 40);
    *out = n < 0 ? 0 : (uint64_t)n;
    return n < 0 ? 2 : 0;
}

int kz_arg_exercise(const kz_args *a, const char **out)
{
    kz_err e;
    *out = kz_arg(a, "exercise");
    return *out && kz_valid_uuid(*out, "exercise", &e) ? kz_cli_usage_error(a, "--exercise must be an exercise id") : 0;
}

/* The choices of option name (which must have them). */
static const kz_enum *choices_of(const kz_args *a, const char *name, int *index)
{
    int i = opt_index(a->cmd, name, strlen(name));
    const kz_enum *e = i < 0 ? NULL : a->cmd->opts[i].choices;
    assert(e);
    *index = i;
    return e;
}

int kz_cli_choices_error(const kz_args *a, const char *name)
{
    int i;
    char list[512];
    kz_enum_list(choices_of(a, name, &i), list, sizeof list);
    return kz_cli_usage_error(a, "--%s must be %s", name, list);
}

int kz_arg_enum(const kz_args *a, const char *name)
{
    int i;
    const kz_enum *e = choices_of(a, name, &i);
    if (!a->values[i])
        return -2;
    int v = kz_enum_parse(e, a->values[i]);
    if (v < 0)
        kz_cli_choices_error(a, name);
    return v;
}

/* "log-level" -> "KIZUNA_LOG_LEVEL" */
static void env_name(const char *opt, char *out, size_t size)
{
    size_t o = (size_t)snprintf(out, size, "KIZUNA_");
    for (; *opt && o + 1 < size; opt++)
        out[o++] = *opt == '-' ? '_' : (char)toupper((unsigned char)*opt);
    out[o] = '\0';
}

static void help(const kz_cmd *c, FILE *f)
{
    fprintf(f, "Usage: kizuna %s %s\n\n%s\n", c->name, c->usage, c->summary);
    if (c->details)
        fprintf(f, "\n%s\n", c->details);
    fprintf(f, "\nOptions:\n");
    for (int i = 0; c->opts && c->opts[i].name; i++) {
        const kz_opt *o = &c->opts[i];
        char left[64], env[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        env_name(o->name, env, sizeof env);
        if (o->choices) {
            char list[512];
            kz_enum_list(o->choices, list, sizeof list);
            if (o->help)
                fprintf(f, "  %-26s %s (%s)", left, o->help, list);
            else
                fprintf(f, "  %-26s %s", left, list);
        } else {
            fprintf(f, "  %-26s %s", left, o->help);
        }
        if (o->def)
            fprintf(f, " (default %s)", o->def);
        fprintf(f, " [env %s]\n", env);
    }
    fprintf(f, "  %-26s %s [env KIZUNA_CONFIG]\n", "--config FILE",
            "read options from FILE: key = value, keys as the options above, [command] sections");
    fprintf(f, "  %-26s %s\n", "-h, --help", "show this help");
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: kizuna COMMAND [options]\n\n"
               "Kizuna: points of contact, incident sharing and requests between states.\n\n"
               "Commands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-*s %s\n", NAME_WIDTH, commands[i]->name, commands[i]->summary);
    fprintf(f, "\nRun 'kizuna COMMAND --help' for a command's options. Each option comes from its flag, else its\n"
               "KIZUNA_* variable, else the configuration file (--config FILE or KIZUNA_CONFIG), else its default.\n");
}

/* What the second word of the commands whose first word is `word` names, for messages
 * ("kizuna import: unknown format 'cvs'"). */
static const char *second_word_is(const char *word)
{
    return strcmp(word, "import") == 0 ? "format" : "subcommand";
}

/* Commands whose name starts with the word `word` and more: their count. */
static int group_size(const char *word)
{
    int n = 0;
    size_t len = strlen(word);
    for (int i = 0; i < NCOMMANDS; i++)
        n += strncmp(commands[i]->name, word, len) == 0 && commands[i]->name[len] == ' ';
    return n;
}

/* argv[1] is the first word of several commands (import, audit, request, ...) and what
 * follows names none of them: the group's commands (on stdout and 0 for --help, on
 * stderr and 2 otherwise), naming what was not found. */
static int group_usage(int argc, char **argv)
{
    const char *word = argv[1], *next = argc > 2 ? argv[2] : NULL;
    bool asked = next && (strcmp(next, "--help") == 0 || strcmp(next, "-h") == 0 || strcmp(next, "help") == 0);
    FILE *f = asked ? stdout : stderr;
    if (!next)
        fprintf(f, "kizuna %s: which %s?\n\n", word, second_word_is(word));
    else if (!asked)
        fprintf(f, "kizuna %s: unknown %s '%s'\n\n", word, second_word_is(word), next);
    fprintf(f, "Usage: kizuna %s %s [options]\n\n", word, strcmp(word, "import") == 0 ? "FORMAT" : "SUBCOMMAND");
    size_t len = strlen(word);
    for (int i = 0; i < NCOMMANDS; i++)
        if (strncmp(commands[i]->name, word, len) == 0 && commands[i]->name[len] == ' ')
            fprintf(f, "  %-*s %s\n", NAME_WIDTH, commands[i]->name, commands[i]->summary);
    fprintf(f, "\nRun 'kizuna %s %s --help' for its options.\n", word, strcmp(word, "import") == 0 ? "FORMAT" : "SUBCOMMAND");
    return asked ? 0 : 2;
}

/* Longest command name that matches the first words of argv. */
static const kz_cmd *find_command(int argc, char **argv, int *words)
{
    const kz_cmd *best = NULL;
    for (int i = 0; i < NCOMMANDS; i++) {
        const char *name = commands[i]->name;
        int w = 0;
        const char *p = name;
        bool ok = true;
        while (ok && *p) {
            size_t len = strcspn(p, " ");
            ok = 1 + w < argc && strlen(argv[1 + w]) == len && strncmp(argv[1 + w], p, len) == 0;
            p += len;
            p += *p == ' ';
            w++;
        }
        if (ok && (!best || w > *words)) {
            best = commands[i];
            *words = w;
        }
    }
    return best;
}

static int parse(const kz_cmd *c, int argc, char **argv, kz_args *a, kz_arena *ar)
{
    const char *config = getenv("KIZUNA_CONFIG"), *from_file[KZ_MAX_OPTS] = {0};
    memset(a, 0, sizeof *a);
    a->cmd = c;
    a->rest = kz_calloc((size_t)argc + 1, sizeof *a->rest);
    if (!a->rest)
        return 1;
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (only_positional || s[0] != '-' || strcmp(s, "-") == 0) {
            a->rest[a->nrest++] = argv[i];
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            help(c, stdout);
            exit(0);
        }
        const char *name = s + 2, *eq = strchr(name, '=');
        if (strncmp(s, "--config", 8) == 0 && (s[8] == '\0' || s[8] == '=')) {
            if (!eq && i + 1 >= argc)
                return kz_cli_usage_error(a, "--config needs a value (FILE)");
            config = eq ? eq + 1 : argv[++i];
            continue;
        }
        int k = s[1] == '-' ? opt_index(c, name, eq ? (size_t)(eq - name) : strlen(name)) : -1;
        if (k < 0)
            return kz_cli_usage_error(a, "unknown option %s", s);
        if (!c->opts[k].arg)
            a->values[k] = "1";
        else if (eq)
            a->values[k] = eq + 1;
        else if (i + 1 < argc)
            a->values[k] = argv[++i];
        else
            return kz_cli_usage_error(a, "%s needs a value (%s)", s, c->opts[k].arg);
        if (c->opts[k].arg && a->n_given[k] == KZ_MAX_REPEATS)
            return kz_cli_usage_error(a, "%s is given more than %d times", s, KZ_MAX_REPEATS);
        if (c->opts[k].arg)
            a->given[k][a->n_given[k]++] = a->values[k];
    }
    int status = config && config[0] ? kz_cli_config_load(a, commands, NCOMMANDS, config, from_file, ar) : 0;
    if (status)
        return status;
    for (int k = 0; k < opt_count(c); k++) {
        char env[64];
        env_name(c->opts[k].name, env, sizeof env);
        if (!a->values[k])
            a->values[k] = getenv(env);
        if (!a->values[k])
            a->values[k] = from_file[k];
        if (!a->values[k])
            a->values[k] = c->opts[k].def;
    }
    if (a->nrest < c->min_rest || (c->max_rest >= 0 && a->nrest > c->max_rest))
        return kz_cli_usage_error(a, "expected %s", c->usage);
    const char *lvl = kz_arg(a, "log-level");
    if (lvl) {
        int l = kz_log_level_parse(lvl);
        if (l < 0)
            return kz_cli_usage_error(a, "--log-level must be debug, info, warn or error");
        kz_log_set_level((kz_log_level)l);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        argv[1] = (char *)"version";
    int words = 0;
    const kz_cmd *c = find_command(argc, argv, &words);
    if (!c && group_size(argv[1]) > 0)
        return group_usage(argc, argv);
    if (!c) {
        fprintf(stderr, "kizuna: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    kz_json_init();
    if (kz_crypto_init() != 0) {
        fprintf(stderr, "kizuna: libsodium failed to initialize\n");
        return 1;
    }
    kz_args a;
    kz_arena ar;  /* the configuration file's values, for the whole run */
    kz_arena_init(&ar);
    int rc = parse(c, argc - 1 - words, argv + 1 + words, &a, &ar);
    if (!rc)
        rc = c->run(&a);
    kz_free(a.rest);
    kz_arena_free(&ar);
    return rc;
}
