/* The configuration file's syntax: one line at a time, with the position of every
 * error, in bounded memory (a line is at most KZ_CONF_LINE_MAX bytes). */
#include "util/conf.h"

#include <stdbool.h>
#include <string.h>

typedef struct cursor {
    const char *p, *end;   /* the line, without its newline */
    const char *start;     /* the line's first byte, for columns */
    unsigned line;
} cursor;

static unsigned col_of(const cursor *c, const char *at) { return (unsigned)(at - c->start) + 1; }

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static bool key_char(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'; }

static kz_rc fail_at(const cursor *c, const char *at, unsigned *col, kz_err *err, const char *why)
{
    *col = col_of(c, at);
    return kz_fail(err, KZ_EINVAL, NULL, "%s", why);
}

/* "[name words]": lower-case words separated by one space (a command's name). */
static kz_rc section(cursor *c, const char *p, kz_arena *ar, const char **out, unsigned *col, kz_err *err)
{
    const char *q = ++p;
    while (q < c->end && *q != ']') {
        if (!key_char(*q) && !(*q == ' ' && q > p && q[-1] != ' '))
            return fail_at(c, q, col, err, "a section is a command's name, e.g. [serve] or [import csv]");
        q++;
    }
    if (q == c->end)
        return fail_at(c, q, col, err, "the section has no closing ']'");
    if (q == p || q[-1] == ' ')
        return fail_at(c, q, col, err, "a section is a command's name, e.g. [serve] or [import csv]");
    const char *rest = skip_space(q + 1, c->end);
    if (rest < c->end && *rest != '#')
        return fail_at(c, rest, col, err, "nothing may follow a section header but a comment");
    *out = kz_arena_strndup(ar, p, (size_t)(q - p));
    return *out ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
}

/* A double-quoted value starting at p (the quote), unescaped into out. */
static kz_rc quoted(cursor *c, const char *p, char *out, unsigned *col, kz_err *err)
{
    static const char from[] = "\"\\tn", to[] = "\"\\\t\n";
    size_t o = 0;
    const char *q = p + 1;
    for (; q < c->end && *q != '"'; q++) {
        if (*q != '\\') {
            out[o++] = *q;
            continue;
        }
        const char *e = ++q < c->end && *q ? strchr(from, *q) : NULL;
        if (!e)
            return fail_at(c, q - 1, col, err, "unknown escape (use \\\" \\\\ \\t or \\n)");
        out[o++] = to[e - from];
    }
    if (q == c->end)
        return fail_at(c, p, col, err, "the quoted value has no closing '\"'");
    out[o] = '\0';
    const char *rest = skip_space(q + 1, c->end);
    if (rest < c->end && *rest != '#')
        return fail_at(c, rest, col, err, "nothing may follow a quoted value but a comment");
    return KZ_OK;
}

/* An unquoted value: to the end of the line or a '#' after white space, trimmed. */
static void bare(const char *p, const char *end, char *out)
{
    const char *q = p;
    while (q < end && !(*q == '#' && q > p && (q[-1] == ' ' || q[-1] == '\t')))
        q++;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
        q--;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
}

static kz_rc entry(cursor *c, const char *p, kz_conf_entry *e, kz_arena *ar, unsigned *col, kz_err *err)
{
    const char *k = p;
    while (p < c->end && key_char(*p))
        p++;
    if (p == k)
        return fail_at(c, p, col, err, "expected a key (an option's name, e.g. db or log-level)");
    const char *eq = skip_space(p, c->end);
    if (eq == c->end || *eq != '=')
        return fail_at(c, eq, col, err, eq < c->end && !key_char(*eq) && *eq != ' '
                                                ? "a key is lower-case letters, digits and '-'"
                                                : "expected '=' after the key");
    const char *v = skip_space(eq + 1, c->end);
    char *key = kz_arena_strndup(ar, k, (size_t)(p - k));
    char *val = kz_arena_alloc(ar, (size_t)(c->end - v) + 1);
    if (!key || !val)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = KZ_OK;
    if (v < c->end && *v == '"')
        rc = quoted(c, v, val, col, err);
    else
        bare(v, c->end, val);
    e->key = key;
    e->value = val;
    e->key_col = col_of(c, k);
    e->value_col = col_of(c, v);
    return rc;
}

/* One line (without its newline): nothing, a comment, a section or an entry for fn. */
static kz_rc one_line(cursor *c, kz_conf_entry *e, kz_conf_fn fn, void *ctx, kz_arena *ar, unsigned *col,
                      kz_err *err)
{
    if (memchr(c->p, '\0', (size_t)(c->end - c->p)))
        return fail_at(c, (const char *)memchr(c->p, '\0', (size_t)(c->end - c->p)), col, err,
                       "a NUL byte: this is not a text file");
    if (c->end > c->p && c->end[-1] == '\r')
        c->end--;
    const char *p = skip_space(c->p, c->end);
    if (p == c->end || *p == '#')
        return KZ_OK;
    if (*p == '[') {
        kz_rc rc = section(c, p, ar, &e->section, col, err);
        kz_conf_entry head = {.section = e->section, .line = c->line, .key_col = col_of(c, p)};
        if (!rc && (rc = fn(ctx, &head, err)))
            *col = head.key_col;
        return rc;
    }
    kz_rc rc = entry(c, p, e, ar, col, err);
    if (rc)
        return rc;
    e->line = c->line;
    if ((rc = fn(ctx, e, err)))
        *col = strcmp(err->field, "value") == 0 ? e->value_col : e->key_col;
    return rc;
}

kz_rc kz_conf_parse(const char *text, size_t n, kz_conf_fn fn, void *ctx, kz_arena *ar, unsigned *line,
                    unsigned *col, kz_err *err)
{
    *line = 0;
    *col = 0;
    kz_err_clear(err);
    if (n > KZ_CONF_MAX)
        return kz_fail(err, KZ_ETOOBIG, NULL, "larger than %d bytes: not a configuration file", KZ_CONF_MAX);
    kz_conf_entry e = {.section = ""};
    const char *end = text + n;
    size_t skip = n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;  /* a UTF-8 BOM */
    cursor c = {.p = text + skip, .line = 1};
    while (c.p < end) {
        const char *nl = memchr(c.p, '\n', (size_t)(end - c.p));
        c.start = c.p;
        c.end = nl ? nl : end;
        *line = c.line;
        if (c.end - c.p > KZ_CONF_LINE_MAX) {
            *col = KZ_CONF_LINE_MAX + 1;
            return kz_fail(err, KZ_ETOOBIG, NULL, "line longer than %d bytes", KZ_CONF_LINE_MAX);
        }
        kz_rc rc = one_line(&c, &e, fn, ctx, ar, col, err);
        if (rc)
            return rc;
        c.p = nl ? nl + 1 : end;
        c.line++;
    }
    *line = 0;
    return KZ_OK;
}
