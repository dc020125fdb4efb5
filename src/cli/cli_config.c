/* kizuna --config FILE (or KIZUNA_CONFIG): option values from a configuration file. Its
 * keys are the commands' option names (the options tables, nothing written twice):
 * keys before any section apply to every command that has the option, keys under
 * [command] to that command only and over the former. Flags and KIZUNA_* variables
 * still win: flag > environment > file > default. */
#include "cli/cli.h"

#include "util/conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A key as written under a section (NULL: before any), to refuse it written twice
 * whichever command the file is read for. */
typedef struct seen_key {
    const kz_cmd *section;
    const char *key;
    unsigned line;
} seen_key;

typedef struct loading {
    kz_arena *ar;
    seen_key *seen;                    /* in ar; grown by doubling */
    size_t nseen, cap;
    const kz_cmd *cmd;                 /* the command being run */
    const kz_cmd *const *all;
    int nall;
    const char **values;               /* per option of cmd */
    unsigned line[KZ_MAX_OPTS];        /* where each value was given, 0: not yet */
    bool from_section[KZ_MAX_OPTS];
    const kz_cmd *section;             /* the command of the current section; NULL: top */
    bool other;                        /* the section is another command's */
} loading;

static int find_opt(const kz_cmd *c, const char *key)
{
    for (int i = 0; c->opts && c->opts[i].name; i++)
        if (strcmp(c->opts[i].name, key) == 0)
            return i;
    return -1;
}

static kz_rc on_section(loading *l, const char *name, kz_err *err)
{
    for (int i = 0; i < l->nall; i++)
        if (strcmp(l->all[i]->name, name) == 0) {
            l->section = l->all[i];
            l->other = l->all[i] != l->cmd;
            return KZ_OK;
        }
    return kz_fail(err, KZ_EINVAL, NULL, "unknown section [%.60s]: sections are command names (kizuna --help)", name);
}

/* A key before any section: an option of some command, else an error. */
static bool known_anywhere(const loading *l, const char *key)
{
    for (int i = 0; i < l->nall; i++)
        if (find_opt(l->all[i], key) >= 0)
            return true;
    return false;
}

/* The value of a switch: "1" for true, NULL for false. */
static kz_rc switch_value(const char *v, const char **out, kz_err *err)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't' ? "1" : NULL;
        return KZ_OK;
    }
    return kz_fail(err, KZ_EINVAL, "value", "a switch takes true or false");
}

/* Notes key under the current section; KZ_EINVAL when it was already there. */
static kz_rc note_key(loading *l, const kz_conf_entry *e, kz_err *err)
{
    for (size_t i = 0; i < l->nseen; i++)
        if (l->seen[i].section == l->section && strcmp(l->seen[i].key, e->key) == 0)
            return kz_fail(err, KZ_EINVAL, NULL, "%s is given twice (first on line %u)", e->key, l->seen[i].line);
    if (l->nseen == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        seen_key *grown = kz_arena_alloc(l->ar, cap * sizeof *grown);
        if (!grown)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        if (l->nseen)
            memcpy(grown, l->seen, l->nseen * sizeof *grown);
        l->seen = grown;
        l->cap = cap;
    }
    l->seen[l->nseen++] = (seen_key){l->section, e->key, e->line};
    return KZ_OK;
}

static kz_rc on_entry(void *ctx, const kz_conf_entry *e, kz_err *err)
{
    loading *l = ctx;
    if (!e->key)
        return on_section(l, e->section, err);
    if (strcmp(e->key, "config") == 0)
        return kz_fail(err, KZ_EINVAL, NULL, "a configuration file cannot name another one");
    const kz_cmd *scope = l->section ? l->section : l->cmd;
    int k = find_opt(scope, e->key);
    if (k < 0 && (l->section || !known_anywhere(l, e->key)))
        return kz_fail(err, KZ_EINVAL, NULL, "unknown key '%.60s'%s%s%s", e->key, l->section ? " in [" : "",
                       l->section ? l->section->name : "", l->section ? "]" : ": no command has such an option");
    const kz_opt *o = k >= 0 ? &scope->opts[k] : NULL;
    const char *v = e->value;
    if (o && !o->arg && switch_value(e->value, &v, err))
        return KZ_EINVAL;
    if (o && o->arg && !v[0])
        return kz_fail(err, KZ_EINVAL, "value", "%s needs a value (%s)", e->key, o->arg);
    if (note_key(l, e, err))
        return KZ_EINVAL;
    if (l->other || k < 0)
        return KZ_OK;  /* checked, but another command's */
    bool section = l->section != NULL;
    if (l->line[k] && l->from_section[k])
        return KZ_OK;  /* [command] wins over the keys of every command */
    l->values[k] = v;
    l->line[k] = e->line;
    l->from_section[k] = section;
    return KZ_OK;
}

/* The file's text into ar; 0 or the exit status. */
static int read_all(const kz_args *a, const char *path, kz_arena *ar, char **text, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kz_cli_usage_error(a, "--config %s: %s", path, strerror(errno));
    *text = kz_arena_alloc(ar, KZ_CONF_MAX + 1);
    *n = *text ? fread(*text, 1, KZ_CONF_MAX + 1, f) : 0;
    bool bad = !*text || ferror(f);
    fclose(f);
    if (bad)
        return kz_cli_usage_error(a, "--config %s: cannot read it", path);
    return 0;
}

int kz_cli_config_load(const kz_args *a, const kz_cmd *const *all, int nall, const char *path, const char **values,
                       kz_arena *ar)
{
    char *text = NULL;
    size_t n = 0;
    int status = read_all(a, path, ar, &text, &n);
    if (status)
        return status;
    loading l = {.ar = ar, .cmd = a->cmd, .all = all, .nall = nall, .values = values};
    unsigned line, col;
    kz_err err;
    if (kz_conf_parse(text, n, on_entry, &l, ar, &line, &col, &err))
        return line ? kz_cli_usage_error(a, "%s:%u:%u: %s", path, line, col, err.msg)
                    : kz_cli_usage_error(a, "%s: %s", path, err.msg);
    return 0;
}
