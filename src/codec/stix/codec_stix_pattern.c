/* STIX 2.1 patterning: a hand-written lexer and recursive-descent parser following the
 * grammar of STIX 2.1 part 9 (the OASIS ANTLR grammar STIXPattern.g4), and the mapping
 * of single-observable patterns to and from Kizuna indicators. */
#include "codec/stix/stix_pattern.h"

#include "codec/sharing/indicator_norm.h"

#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lexer ------------------------------------------------------------------------ */

typedef enum tok_kind {
    T_END, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_COLON, T_DOT, T_COMMA, T_STAR,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
    T_IDENT,        /* [a-zA-Z_][a-zA-Z0-9_]* */
    T_IDENT_HYPHEN, /* [a-zA-Z_][a-zA-Z0-9_-]* with at least one hyphen */
    T_INT, T_FLOAT, T_STRING, T_HEX, T_BINARY, T_TIME, T_BOOL,
    /* keywords */
    T_AND, T_OR, T_NOT, T_FOLLOWEDBY, T_LIKE, T_MATCHES, T_ISSUPERSET, T_ISSUBSET, T_EXISTS,
    T_IN, T_START, T_STOP, T_SECONDS, T_WITHIN, T_REPEATS, T_TIMES,
} tok_kind;

static const struct {
    const char *word;
    tok_kind kind;
} keywords[] = {
    {"AND", T_AND}, {"OR", T_OR}, {"NOT", T_NOT}, {"FOLLOWEDBY", T_FOLLOWEDBY},
    {"LIKE", T_LIKE}, {"MATCHES", T_MATCHES}, {"ISSUPERSET", T_ISSUPERSET},
    {"ISSUBSET", T_ISSUBSET}, {"EXISTS", T_EXISTS}, {"IN", T_IN}, {"START", T_START},
    {"STOP", T_STOP}, {"SECONDS", T_SECONDS}, {"WITHIN", T_WITHIN}, {"REPEATS", T_REPEATS},
    {"TIMES", T_TIMES}, {"true", T_BOOL}, {"false", T_BOOL},
};

typedef struct tok {
    tok_kind kind;
    const char *p;     /* start in the input */
    size_t len;
    size_t col;        /* 1-based byte column */
} tok;

typedef struct parser {
    const char *s;
    size_t n, pos;
    tok t;             /* current token */
    kz_arena *a;
    kz_err *err;
    int depth;
    bool failed;
} parser;

static bool fail(parser *ps, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(parser *ps, size_t col, const char *fmt, ...)
{
    if (!ps->failed) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        kz_fail(ps->err, KZ_EINVAL, "pattern", "pattern column %zu: %s", col, msg);
        ps->failed = true;
    }
    return false;
}

static bool oom(parser *ps)
{
    if (!ps->failed) {
        kz_fail(ps->err, KZ_ENOMEM, NULL, NULL);
        ps->failed = true;
    }
    return false;
}

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool is_b64(int c) { return is_alpha(c) ? c != '_' : is_digit(c) || c == '+' || c == '/'; }

/* Length of the whitespace (the grammar's WS set, ASCII and Unicode) at s, or 0. */
static size_t space_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return 1;
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (n >= 3 && s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 ||
                                                     s[2] == 0xA9 || s[2] == 0xAF))
        return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

/* Skips whitespace and comments; false on an unterminated comment. */
static bool skip_space(parser *ps)
{
    for (;;) {
        const unsigned char *u = (const unsigned char *)ps->s + ps->pos;
        size_t left = ps->n - ps->pos, k = space_len(u, left);
        if (k) {
            ps->pos += k;
        } else if (left >= 2 && u[0] == '/' && u[1] == '*') {
            const char *end = NULL;
            for (size_t i = 2; i + 1 < left; i++)
                if (u[i] == '*' && u[i + 1] == '/') {
                    end = (const char *)u + i + 2;
                    break;
                }
            if (!end)
                return fail(ps, ps->pos + 1, "%s", "unterminated comment");
            ps->pos = (size_t)(end - ps->s);
        } else if (left >= 2 && u[0] == '/' && u[1] == '/') {
            while (ps->pos < ps->n && ps->s[ps->pos] != '\r' && ps->s[ps->pos] != '\n')
                ps->pos++;
        } else {
            return true;
        }
    }
}

/* A quoted literal starting at the quote at s[i]: returns the index after the closing
 * quote, or 0 when unterminated. Strings allow \' and \\ only. */
static size_t quoted_end(parser *ps, size_t i, bool escapes)
{
    size_t start = i;
    for (i++; i < ps->n; i++) {
        char c = ps->s[i];
        if (c == '\'')
            return i + 1;
        if (c == '\\' && escapes) {
            if (i + 1 < ps->n && (ps->s[i + 1] == '\'' || ps->s[i + 1] == '\\')) {
                i++;
                continue;
            }
            fail(ps, i + 1, "%s", "only \\' and \\\\ may be escaped in a string");
            return 0;
        }
    }
    /* reported where the literal starts: t'', h'' and b'' at their prefix */
    fail(ps, escapes ? start + 1 : start, "%s", "unterminated quoted literal");
    return 0;
}

/* "2016-05-12T08:17:27.000Z" with the ranges of the grammar's TimestampLiteral. */
static bool timestamp_ok(const char *p, size_t n)
{
    if (n < 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':' ||
        p[n - 1] != 'Z')
        return false;
    static const int digits[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = 0; i < sizeof digits / sizeof *digits; i++)
        if (!is_digit(p[digits[i]]))
            return false;
    int mon = (p[5] - '0') * 10 + p[6] - '0', day = (p[8] - '0') * 10 + p[9] - '0';
    int hh = (p[11] - '0') * 10 + p[12] - '0', mm = (p[14] - '0') * 10 + p[15] - '0';
    int ss = (p[17] - '0') * 10 + p[18] - '0';
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return false;
    if (n == 20)
        return true;
    if (p[19] != '.' || n < 22)
        return false;
    for (size_t i = 20; i < n - 1; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}

/* ---- the lexer: next() reads one token in phases, each for one kind of token ---- */

/* The operators and punctuation, two-character ones first so the longest matches. */
static const struct {
    const char *text;
    tok_kind kind;
} operators[] = {
    {"==", T_EQ}, {"!=", T_NE}, {"<=", T_LE}, {"<>", T_NE}, {">=", T_GE},
    {"[", T_LBRACK}, {"]", T_RBRACK}, {"(", T_LPAREN}, {")", T_RPAREN}, {":", T_COLON},
    {",", T_COMMA}, {"*", T_STAR}, {"=", T_EQ}, {"<", T_LT}, {">", T_GT},
};

/* An operator or punctuation at s[i]: its kind and end, or false when none is. */
static bool lex_operator(const parser *ps, size_t i, tok_kind *kind, size_t *end)
{
    for (size_t k = 0; k < sizeof operators / sizeof *operators; k++) {
        size_t len = strlen(operators[k].text);
        if (ps->n - i >= len && memcmp(ps->s + i, operators[k].text, len) == 0) {
            *kind = operators[k].kind;
            *end = i + len;
            return true;
        }
    }
    return false;
}

/* A name at s[i] (letters, digits, '-', '_'): a keyword, or a name with or without a
 * hyphen. Returns its end. */
static size_t lex_word(const parser *ps, size_t i, tok_kind *kind)
{
    size_t end = i + 1;
    bool hyphen = false;
    while (end < ps->n && (is_alpha(ps->s[end]) || is_digit(ps->s[end]) || ps->s[end] == '-')) {
        hyphen |= ps->s[end] == '-';
        end++;
    }
    *kind = hyphen ? T_IDENT_HYPHEN : T_IDENT;
    for (size_t k = 0; !hyphen && k < sizeof keywords / sizeof *keywords; k++)
        if (strlen(keywords[k].word) == end - i && memcmp(keywords[k].word, ps->s + i, end - i) == 0)
            *kind = keywords[k].kind;
    return end;
}

/* Whether a number starts at c, d (a digit, ".5", a sign before either). */
static bool starts_number(char c, char d)
{
    return is_digit(c) || (c == '.' && is_digit(d)) || ((c == '+' || c == '-') && (is_digit(d) || d == '.'));
}

/* An integer or float at s[i] (col: its column, for the messages). Returns its end, 0
 * after failing. */
static size_t lex_number(parser *ps, size_t i, size_t col, tok_kind *kind)
{
    size_t k = i + (ps->s[i] == '+' || ps->s[i] == '-');
    size_t int_start = k;
    while (k < ps->n && is_digit(ps->s[k]))
        k++;
    size_t int_len = k - int_start;
    if (k < ps->n && ps->s[k] == '.') {
        size_t frac = ++k;
        while (k < ps->n && is_digit(ps->s[k]))
            k++;
        if (k == frac)
            return fail(ps, col, "%s", "a number needs digits after the '.'");
        *kind = T_FLOAT;
        return k;
    }
    if (int_len == 0)
        return fail(ps, col, "%s", "a number needs digits");
    if (int_len > 1 && ps->s[int_start] == '0')
        return fail(ps, col, "%s", "integers have no leading zeros");
    *kind = T_INT;
    return k;
}

/* A character no token starts with. */
static bool lex_unexpected(parser *ps, char c, size_t col)
{
    if (c == '!')
        return fail(ps, col, "%s", "'!' must be followed by '='");
    char what[8];
    snprintf(what, sizeof what, (unsigned char)c >= 0x20 && (unsigned char)c < 0x7F ? "'%c'" : "byte %u",
             (unsigned char)c >= 0x20 && (unsigned char)c < 0x7F ? c : (unsigned char)c);
    return fail(ps, col, "unexpected %s", what);
}

/* The token at s[i]: its kind and end, or false after failing. */
static bool lex_token(parser *ps, size_t i, size_t col, tok_kind *kind, size_t *end)
{
    char c = ps->s[i], d = i + 1 < ps->n ? ps->s[i + 1] : '\0';
    if (lex_operator(ps, i, kind, end))
        return true;
    if (c == '\'') {
        *kind = T_STRING;
        return (*end = quoted_end(ps, i, true)) != 0;
    }
    if ((c == 't' || c == 'h' || c == 'b') && d == '\'') {
        *kind = c == 't' ? T_TIME : c == 'h' ? T_HEX : T_BINARY;
        return (*end = quoted_end(ps, i + 1, false)) != 0;
    }
    if (is_alpha(c)) {
        *end = lex_word(ps, i, kind);
        return true;
    }
    if (starts_number(c, d))
        return (*end = lex_number(ps, i, col, kind)) != 0;
    if (c == '.') {
        *kind = T_DOT;
        *end = i + 1;
        return true;
    }
    return lex_unexpected(ps, c, col);
}

static bool next(parser *ps)
{
    if (ps->failed || !skip_space(ps))
        return false;
    tok *t = &ps->t;
    size_t i = ps->pos, end = i;
    t->p = ps->s + i;
    t->col = i + 1;
    if (i >= ps->n) {
        t->kind = T_END;
        t->len = 0;
        return true;
    }
    if (!lex_token(ps, i, t->col, &t->kind, &end))
        return false;
    t->len = end - i;
    ps->pos = end;
    return true;
}

static const char *tok_name(tok_kind k)
{
    switch (k) {
    case T_END: return "the end of the pattern";
    case T_LBRACK: return "'['";
    case T_RBRACK: return "']'";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_COLON: return "':'";
    case T_DOT: return "'.'";
    case T_COMMA: return "','";
    case T_STAR: return "'*'";
    case T_IDENT: case T_IDENT_HYPHEN: return "a name";
    case T_INT: case T_FLOAT: return "a number";
    case T_STRING: return "a string";
    case T_HEX: case T_BINARY: return "a binary literal";
    case T_TIME: return "a timestamp";
    case T_BOOL: return "a boolean";
    default: return "an operator or keyword";
    }
}

static bool expect(parser *ps, tok_kind k, const char *what)
{
    if (ps->t.kind != k)
        return fail(ps, ps->t.col, "expected %s", what);
    return next(ps);
}

/* ---- literals --------------------------------------------------------------------- */

static bool string_value(parser *ps, const tok *t, kz_sp_value *v)
{
    char *out = kz_arena_alloc(ps->a, t->len);
    if (!out)
        return oom(ps);
    size_t o = 0;
    for (size_t i = 1; i + 1 < t->len; i++) {
        char c = t->p[i];
        if (c == '\\')
            c = t->p[++i];
        out[o++] = c;
    }
    out[o] = '\0';
    v->kind = KZ_SPL_STRING;
    v->s = out;
    v->len = o;
    return true;
}

static bool literal(parser *ps, kz_sp_value *v, bool orderable_only)
{
    tok t = ps->t;
    memset(v, 0, sizeof *v);
    switch (t.kind) {
    case T_STRING:
        if (!string_value(ps, &t, v))
            return false;
        break;
    case T_INT: {
        char buf[32];
        if (t.len >= sizeof buf)
            return fail(ps, t.col, "%s", "integer out of range");
        memcpy(buf, t.p, t.len);
        buf[t.len] = '\0';
        errno = 0;
        long long x = strtoll(buf, NULL, 10);
        if (errno)
            return fail(ps, t.col, "%s", "integer out of range");
        v->kind = KZ_SPL_INT;
        v->i = x;
        break;
    }
    case T_FLOAT: {
        char buf[64];
        if (t.len >= sizeof buf)
            return fail(ps, t.col, "%s", "number too long");
        memcpy(buf, t.p, t.len);
        buf[t.len] = '\0';
        v->kind = KZ_SPL_FLOAT;
        v->f = strtod(buf, NULL);
        if (!isfinite(v->f))
            return fail(ps, t.col, "%s", "number out of range");
        break;
    }
    case T_BOOL:
        if (orderable_only)
            return fail(ps, t.col, "%s", "booleans cannot be ordered");
        v->kind = KZ_SPL_BOOL;
        v->b = t.p[0] == 't';
        break;
    case T_TIME:
    case T_HEX:
    case T_BINARY: {
        const char *body = t.p + 2;
        size_t n = t.len - 3;
        if (t.kind == T_TIME) {
            char buf[64];
            if (!timestamp_ok(body, n) || n >= sizeof buf)
                return fail(ps, t.col, "%s", "a timestamp must be t'YYYY-MM-DDTHH:MM:SS[.s]Z'");
            memcpy(buf, body, n);
            buf[n] = '\0';
            if (kz_time_parse(buf, &v->t))
                return fail(ps, t.col, "%s", "not a valid timestamp");
            v->kind = KZ_SPL_TIME;
        } else if (t.kind == T_HEX) {
            for (size_t i = 0; i < n; i++)
                if (!is_hex(body[i]))
                    return fail(ps, t.col, "%s", "h'...' holds hexadecimal digits only");
            if (n % 2)
                return fail(ps, t.col, "%s", "h'...' needs an even number of digits");
            v->kind = KZ_SPL_HEX;
        } else {
            size_t pad = 0;
            while (pad < 2 && pad < n && body[n - 1 - pad] == '=')
                pad++;
            for (size_t i = 0; i < n - pad; i++)
                if (!is_b64(body[i]))
                    return fail(ps, t.col, "%s", "b'...' holds base64 only");
            if (n % 4 || n == 0 || (pad && n < 4))
                return fail(ps, t.col, "%s", "b'...' must be padded base64");
            v->kind = KZ_SPL_BINARY;
        }
        if (!(v->s = kz_arena_strndup(ps->a, body, n)))
            return oom(ps);
        v->len = n;
        break;
    }
    default:
        return fail(ps, t.col, "expected a literal, found %s", tok_name(t.kind));
    }
    return next(ps);
}

static bool set_literal(parser *ps, kz_sp_value *v)
{
    memset(v, 0, sizeof *v);
    v->kind = KZ_SPL_SET;
    if (!expect(ps, T_LPAREN, "'(' to start a set"))
        return false;
    size_t cap = 0;
    while (ps->t.kind != T_RPAREN) {
        if (v->n && !expect(ps, T_COMMA, "',' or ')' in the set"))
            return false;
        if (v->n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            kz_sp_value *items = kz_arena_calloc(ps->a, ncap, sizeof *items);
            if (!items)
                return oom(ps);
            if (v->n)
                memcpy(items, v->items, v->n * sizeof *items);
            v->items = items;
            cap = ncap;
        }
        if (!literal(ps, &v->items[v->n], false))
            return false;
        v->n++;
    }
    return next(ps);
}

/* ---- object paths ----------------------------------------------------------------- */

static char *tok_text(parser *ps, const tok *t)
{
    char *s = kz_arena_strndup(ps->a, t->p, t->len);
    if (!s)
        oom(ps);
    return s;
}

static bool add_step(parser *ps, kz_sp_path *path, size_t *cap, kz_sp_step step)
{
    if (path->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        kz_sp_step *steps = kz_arena_calloc(ps->a, ncap, sizeof *steps);
        if (!steps)
            return oom(ps);
        if (path->n)
            memcpy(steps, path->steps, path->n * sizeof *steps);
        path->steps = steps;
        *cap = ncap;
    }
    path->steps[path->n++] = step;
    return true;
}

/* A key: a name without hyphens, or a quoted string. */
static bool path_key(parser *ps, kz_sp_path *path, size_t *cap)
{
    kz_sp_step step = {0};
    if (ps->t.kind == T_IDENT) {
        if (!(step.key = tok_text(ps, &ps->t)))
            return false;
    } else if (ps->t.kind == T_STRING) {
        kz_sp_value v;
        if (!string_value(ps, &ps->t, &v))
            return false;
        step.key = v.s;
    } else {
        return fail(ps, ps->t.col, "%s", "expected a property name (letters, digits, '_') or a quoted key");
    }
    return add_step(ps, path, cap, step) && next(ps);
}

static bool object_path(parser *ps, kz_sp_path *path)
{
    size_t cap = 0;
    memset(path, 0, sizeof *path);
    if (ps->t.kind != T_IDENT && ps->t.kind != T_IDENT_HYPHEN)
        return fail(ps, ps->t.col, "expected an object type such as ipv4-addr, found %s", tok_name(ps->t.kind));
    if (!(path->type = tok_text(ps, &ps->t)) || !next(ps) || !expect(ps, T_COLON, "':' after the object type"))
        return false;
    if (!path_key(ps, path, &cap))
        return false;
    for (;;) {
        if (ps->t.kind == T_DOT) {
            if (!next(ps) || !path_key(ps, path, &cap))
                return false;
        } else if (ps->t.kind == T_LBRACK) {
            kz_sp_step step = {0};
            if (!next(ps))
                return false;
            if (ps->t.kind == T_STAR) {
                step.any = true;
            } else if (ps->t.kind == T_INT) {
                char buf[32];
                errno = 0;
                if (ps->t.len < sizeof buf) {
                    memcpy(buf, ps->t.p, ps->t.len);
                    buf[ps->t.len] = '\0';
                    step.index = strtoll(buf, NULL, 10);
                }
                if (errno || ps->t.len >= sizeof buf)
                    return fail(ps, ps->t.col, "%s", "list index out of range");
            } else {
                return fail(ps, ps->t.col, "%s", "expected a list index (an integer or '*')");
            }
            if (!next(ps) || !expect(ps, T_RBRACK, "']' after the list index") || !add_step(ps, path, &cap, step))
                return false;
        } else {
            return true;
        }
    }
}

/* ---- expressions ------------------------------------------------------------------ */

static kz_sp_node *node(parser *ps, kz_sp_kind kind, kz_sp_node *a, kz_sp_node *b)
{
    kz_sp_node *nd = kz_arena_calloc(ps->a, 1, sizeof *nd);
    if (!nd) {
        oom(ps);
        return NULL;
    }
    nd->kind = kind;
    nd->a = a;
    nd->b = b;
    return nd;
}

static bool enter(parser *ps)
{
    if (++ps->depth > KZ_PATTERN_DEPTH)
        return fail(ps, ps->t.col, "%s", "expressions nested too deeply");
    return true;
}

/* One level of left-associative binary operators: sub (op sub)*. */
typedef kz_sp_node *(*level_fn)(parser *ps);

static kz_sp_node *binary(parser *ps, tok_kind op, kz_sp_kind kind, level_fn sub)
{
    kz_sp_node *left = sub(ps);
    while (left && ps->t.kind == op) {
        kz_sp_node *right = next(ps) ? sub(ps) : NULL;
        left = right ? node(ps, kind, left, right) : NULL;
    }
    return left;
}

static kz_sp_node *comparison_or(parser *ps);

static kz_sp_node *prop_test(parser *ps)
{
    if (ps->t.kind == T_LPAREN) {
        if (!enter(ps) || !next(ps))
            return NULL;
        kz_sp_node *inner = comparison_or(ps);
        ps->depth--;
        if (!inner || !expect(ps, T_RPAREN, "')' to close the comparison"))
            return NULL;
        return inner;
    }
    kz_sp_node *nd = node(ps, KZ_SP_TEST, NULL, NULL);
    if (!nd)
        return NULL;
    if (ps->t.kind == T_EXISTS) {
        nd->op = KZ_SP_EXISTS;
        return next(ps) && object_path(ps, &nd->path) ? nd : NULL;
    }
    if (!object_path(ps, &nd->path))
        return NULL;
    if (ps->t.kind == T_NOT) {
        nd->negated = true;
        if (!next(ps))
            return NULL;
    }
    tok op = ps->t;
    bool ok;
    switch (op.kind) {
    case T_EQ: case T_NE:
        nd->op = op.kind == T_EQ ? KZ_SP_EQ : KZ_SP_NE;
        ok = next(ps) && literal(ps, &nd->value, false);
        break;
    case T_LT: case T_LE: case T_GT: case T_GE:
        nd->op = op.kind == T_LT ? KZ_SP_LT : op.kind == T_LE ? KZ_SP_LE : op.kind == T_GT ? KZ_SP_GT : KZ_SP_GE;
        ok = next(ps) && literal(ps, &nd->value, true);
        break;
    case T_IN:
        nd->op = KZ_SP_IN;
        ok = next(ps) && set_literal(ps, &nd->value);
        break;
    case T_LIKE: case T_MATCHES: case T_ISSUBSET: case T_ISSUPERSET:
        nd->op = op.kind == T_LIKE ? KZ_SP_LIKE : op.kind == T_MATCHES ? KZ_SP_MATCHES
               : op.kind == T_ISSUBSET ? KZ_SP_ISSUBSET : KZ_SP_ISSUPERSET;
        ok = next(ps);
        if (ok && ps->t.kind != T_STRING)
            return fail(ps, ps->t.col, "%s", "expected a string after the operator"), NULL;
        ok = ok && literal(ps, &nd->value, true);
        break;
    default:
        return fail(ps, op.col, "expected a comparison operator, found %s", tok_name(op.kind)), NULL;
    }
    return ok ? nd : NULL;
}

static kz_sp_node *comparison_and(parser *ps) { return binary(ps, T_AND, KZ_SP_AND, prop_test); }

static kz_sp_node *comparison_or(parser *ps) { return binary(ps, T_OR, KZ_SP_OR, comparison_and); }

static kz_sp_node *observation_followedby(parser *ps);

/* Each qualifier kind at most once per observation expression. */
static kz_sp_node *qualifiers(parser *ps, kz_sp_node *obs)
{
    unsigned seen = 0;
    for (;;) {
        tok q = ps->t;
        kz_sp_node *nd;
        unsigned bit;
        if (q.kind == T_WITHIN) {
            bit = 1;
            nd = node(ps, KZ_SP_WITHIN, obs, NULL);
            if (!nd || !next(ps))
                return NULL;
            if ((ps->t.kind != T_INT && ps->t.kind != T_FLOAT) || ps->t.p[0] == '-')
                return fail(ps, ps->t.col, "%s", "WITHIN needs a positive number of seconds"), NULL;
            kz_sp_value v;
            if (!literal(ps, &v, true))
                return NULL;
            nd->within = v.kind == KZ_SPL_INT ? (double)v.i : v.f;
            if (!(nd->within > 0))
                return fail(ps, q.col, "%s", "WITHIN needs a positive number of seconds"), NULL;
            if (!expect(ps, T_SECONDS, "SECONDS after WITHIN n"))
                return NULL;
        } else if (q.kind == T_REPEATS) {
            bit = 2;
            nd = node(ps, KZ_SP_REPEATS, obs, NULL);
            if (!nd || !next(ps))
                return NULL;
            if (ps->t.kind != T_INT || ps->t.p[0] == '-')
                return fail(ps, ps->t.col, "%s", "REPEATS needs a positive integer"), NULL;
            kz_sp_value v;
            if (!literal(ps, &v, true))
                return NULL;
            if (v.i <= 0)
                return fail(ps, q.col, "%s", "REPEATS needs a positive integer"), NULL;
            nd->repeats = v.i;
            if (!expect(ps, T_TIMES, "TIMES after REPEATS n"))
                return NULL;
        } else if (q.kind == T_START) {
            bit = 4;
            nd = node(ps, KZ_SP_STARTSTOP, obs, NULL);
            kz_sp_value a, b;
            if (!nd || !next(ps))
                return NULL;
            if (ps->t.kind != T_TIME)
                return fail(ps, ps->t.col, "%s", "START needs a timestamp t'...'"), NULL;
            if (!literal(ps, &a, true) || !expect(ps, T_STOP, "STOP after START t'...'"))
                return NULL;
            if (ps->t.kind != T_TIME)
                return fail(ps, ps->t.col, "%s", "STOP needs a timestamp t'...'"), NULL;
            if (!literal(ps, &b, true))
                return NULL;
            if (b.t <= a.t)
                return fail(ps, q.col, "%s", "STOP must be later than START"), NULL;
            nd->start = a.t;
            nd->stop = b.t;
        } else {
            return obs;
        }
        if (seen & bit)
            return fail(ps, q.col, "%s", "a qualifier appears twice on one observation"), NULL;
        seen |= bit;
        obs = nd;
    }
}

static kz_sp_node *observation(parser *ps)
{
    kz_sp_node *obs;
    if (!enter(ps))
        return NULL;
    if (ps->t.kind == T_LBRACK) {
        kz_sp_node *cmp = next(ps) ? comparison_or(ps) : NULL;
        obs = cmp && expect(ps, T_RBRACK, "']' to close the observation") ? node(ps, KZ_SP_OBSERVATION, cmp, NULL)
                                                                          : NULL;
    } else if (ps->t.kind == T_LPAREN) {
        obs = next(ps) ? observation_followedby(ps) : NULL;
        if (obs && !expect(ps, T_RPAREN, "')' to close the observation expression"))
            obs = NULL;
    } else {
        fail(ps, ps->t.col, "expected '[' to start an observation, found %s", tok_name(ps->t.kind));
        obs = NULL;
    }
    ps->depth--;
    return obs ? qualifiers(ps, obs) : NULL;
}

static kz_sp_node *observation_and(parser *ps) { return binary(ps, T_AND, KZ_SP_OBS_AND, observation); }

static kz_sp_node *observation_or(parser *ps) { return binary(ps, T_OR, KZ_SP_OBS_OR, observation_and); }

static kz_sp_node *observation_followedby(parser *ps) { return binary(ps, T_FOLLOWEDBY, KZ_SP_FOLLOWEDBY, observation_or); }

kz_rc kz_stix_pattern_parse(const char *p, size_t n, kz_arena *a, kz_sp_node **out, kz_err *err)
{
    *out = NULL;
    if (n > KZ_PATTERN_MAX)
        return kz_fail(err, KZ_ETOOBIG, "pattern", "a pattern may have at most %d bytes", KZ_PATTERN_MAX);
    parser ps = {.s = p, .n = n, .a = a, .err = err};
    kz_sp_node *root = NULL;
    if (next(&ps))
        root = observation_followedby(&ps);
    if (root && ps.t.kind != T_END)
        fail(&ps, ps.t.col, "unexpected %s after the pattern", tok_name(ps.t.kind));
    if (ps.failed)
        return err->rc ? err->rc : KZ_EINVAL;
    *out = root;
    return KZ_OK;
}

/* ---- Kizuna indicators ------------------------------------------------------------ */

static bool key_is(const kz_sp_step *s, const char *k) { return s->key && strcmp(s->key, k) == 0; }

/* "SHA-256", "SHA256", "sha-256" -> KZ_IND_SHA256 */
static int hash_type(const char *name)
{
    char norm[16];
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < sizeof norm; p++)
        if (*p != '-')
            norm[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    norm[o] = '\0';
    if (strlen(name) > 10)
        return -1;
    if (strcmp(norm, "MD5") == 0)
        return KZ_IND_MD5;
    if (strcmp(norm, "SHA1") == 0)
        return KZ_IND_SHA1;
    if (strcmp(norm, "SHA256") == 0)
        return KZ_IND_SHA256;
    return -1;
}

bool kz_stix_pattern_indicator(const kz_sp_node *root, kz_arena *a, int *ind_type, const char **value)
{
    if (!root || root->kind != KZ_SP_OBSERVATION || !root->a || root->a->kind != KZ_SP_TEST)
        return false;
    const kz_sp_node *t = root->a;
    const kz_sp_path *p = &t->path;
    if (t->negated || t->op != KZ_SP_EQ)
        return false;
    int type = -1;
    if (t->value.kind == KZ_SPL_STRING) {
        if (memchr(t->value.s, '\0', t->value.len))
            return false;
        if (p->n == 1 && key_is(&p->steps[0], "value")) {
            if (strcmp(p->type, "ipv4-addr") == 0 || strcmp(p->type, "ipv6-addr") == 0)
                type = strchr(t->value.s, '/') ? KZ_IND_CIDR : strcmp(p->type, "ipv4-addr") == 0 ? KZ_IND_IPV4 : KZ_IND_IPV6;
            else if (strcmp(p->type, "domain-name") == 0)
                type = KZ_IND_DOMAIN;
            else if (strcmp(p->type, "url") == 0)
                type = KZ_IND_URL;
            else if (strcmp(p->type, "email-addr") == 0)
                type = KZ_IND_EMAIL;
        } else if (p->n == 2 && strcmp(p->type, "file") == 0 && key_is(&p->steps[0], "hashes") && p->steps[1].key) {
            type = hash_type(p->steps[1].key);
        } else if (p->n == 2 && strcmp(p->type, "email-message") == 0 &&
                   (key_is(&p->steps[0], "from_ref") || key_is(&p->steps[0], "sender_ref")) &&
                   key_is(&p->steps[1], "value")) {
            type = KZ_IND_EMAIL;
        }
        if (type < 0)
            return false;
        *value = t->value.s;
    } else if (t->value.kind == KZ_SPL_INT && p->n == 1 && strcmp(p->type, "autonomous-system") == 0 &&
               key_is(&p->steps[0], "number")) {
        if (t->value.i < 0 || t->value.i > 4294967295LL)
            return false;
        type = KZ_IND_ASN;
        if (!(*value = kz_arena_printf(a, "%lld", (long long)t->value.i)))
            return false;
    } else {
        return false;
    }
    *ind_type = type;
    return true;
}

const char *kz_stix_observable_type(int ind_type)
{
    switch (ind_type) {
    case KZ_IND_IPV4: return "ipv4-addr";
    case KZ_IND_IPV6: return "ipv6-addr";
    case KZ_IND_CIDR: return NULL;  /* depends on the family */
    case KZ_IND_DOMAIN: return "domain-name";
    case KZ_IND_URL: return "url";
    case KZ_IND_EMAIL: return "email-addr";
    case KZ_IND_MD5: case KZ_IND_SHA1: case KZ_IND_SHA256: return "file";
    case KZ_IND_ASN: return "autonomous-system";
    default: return NULL;
    }
}

/* value with ' and \ escaped for a pattern string. */
static kz_rc put_quoted(kz_buf *b, const char *v)
{
    kz_rc rc = kz_buf_puts(b, "'");
    for (const char *p = v; !rc && *p;) {
        size_t run = strcspn(p, "'\\");
        rc = kz_buf_append(b, p, run);
        p += run;
        if (!rc && *p) {
            char esc[2] = {'\\', *p++};
            rc = kz_buf_append(b, esc, 2);
        }
    }
    return rc ? rc : kz_buf_puts(b, "'");
}

kz_rc kz_stix_pattern_write(kz_buf *b, int ind_type, const char *value)
{
    const char *head;
    switch (ind_type) {
    case KZ_IND_IPV4: head = "[ipv4-addr:value = "; break;
    case KZ_IND_IPV6: head = "[ipv6-addr:value = "; break;
    case KZ_IND_CIDR: head = strchr(value, ':') ? "[ipv6-addr:value = " : "[ipv4-addr:value = "; break;
    case KZ_IND_DOMAIN: head = "[domain-name:value = "; break;
    case KZ_IND_URL: head = "[url:value = "; break;
    case KZ_IND_EMAIL: head = "[email-addr:value = "; break;
    case KZ_IND_MD5: head = "[file:hashes.MD5 = "; break;
    case KZ_IND_SHA1: head = "[file:hashes.'SHA-1' = "; break;
    case KZ_IND_SHA256: head = "[file:hashes.'SHA-256' = "; break;
    case KZ_IND_ASN: {
        /* stored as "AS64500" */
        const char *digits = value;
        while (*digits && !is_digit(*digits))
            digits++;
        return kz_buf_printf(b, "[autonomous-system:number = %s]", digits);
    }
    default:
        return KZ_EINVAL;
    }
    kz_rc rc = kz_buf_puts(b, head);
    if (!rc)
        rc = put_quoted(b, value);
    return rc ? rc : kz_buf_puts(b, "]");
}
