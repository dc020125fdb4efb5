/* The streaming JSON scanner of json_stream.h: a byte-at-a-time state machine over the
 * RFC 8259 grammar with a stack of open containers (the path), copying the bytes of a
 * selected value into one buffer until the value closes. */
#include "codec/json/json_stream.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

typedef enum state {
    S_VALUE,      /* a value must start */
    S_ARR_FIRST,  /* after '[': a value or ']' */
    S_OBJ_FIRST,  /* after '{': a key or '}' */
    S_OBJ_KEY,    /* after ',' in an object: a key */
    S_COLON,      /* after a key */
    S_AFTER,      /* after a value: ',' or the container's end (or nothing at the top) */
    S_STR, S_STR_ESC, S_STR_U,
    S_NUM,
    S_LIT,
} state;

/* Sub-states of a number, named after what was read last. */
typedef enum num { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP } num;

struct kz_jstream {
    state st;
    num ns;
    bool in_key;            /* the string being read is an object key */
    int u_left;             /* hex digits left in \uXXXX */
    const char *lit;        /* "true", "false" or "null" being matched */
    size_t lit_pos;
    bool done;              /* the top-level value is complete */
    bool started;

    kz_jlevel *levels;      /* KZ_JSTREAM_DEPTH of them */
    size_t depth;
    size_t key_len;

    kz_jselect_fn select;
    kz_jemit_fn emit;
    void *ctx;
    bool capturing;
    size_t cap_depth;       /* depth of the container holding the captured value */
    uint64_t cap_offset;
    kz_buf cap;
    kz_buf doc;             /* the whole document, while it fits (keep_document) */
    bool keep_doc, doc_overflow;

    uint64_t offset, line, col;
    kz_err failed;          /* the first error, repeated afterwards */
};

kz_jstream *kz_jstream_new(size_t max_value, kz_jselect_fn select, kz_jemit_fn emit, void *ctx)
{
    kz_jstream *s = kz_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->levels = kz_calloc(KZ_JSTREAM_DEPTH, sizeof *s->levels);
    if (!s->levels) {
        kz_free(s);
        return NULL;
    }
    s->st = S_VALUE;
    s->select = select;
    s->emit = emit;
    s->ctx = ctx;
    s->line = 1;
    kz_buf_init(&s->cap, max_value);
    return s;
}

void kz_jstream_free(kz_jstream *s)
{
    if (!s)
        return;
    kz_buf_free(&s->cap);
    kz_buf_free(&s->doc);
    kz_free(s->levels);
    kz_free(s);
}

uint64_t kz_jstream_offset(const kz_jstream *s) { return s->offset; }

kz_rc kz_jstream_keep_document(kz_jstream *s, size_t max)
{
    kz_buf_init(&s->doc, max);
    s->keep_doc = true;
    return KZ_OK;
}

bool kz_jstream_document(const kz_jstream *s, const char **text, size_t *len)
{
    if (!s->keep_doc || s->doc_overflow || !s->done)
        return false;
    *text = s->doc.p ? s->doc.p : "";
    *len = s->doc.len;
    return true;
}

char *kz_jpath_format(const kz_jpath *path, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < path->depth && o < size; i++) {
        const kz_jlevel *l = &path->levels[i];
        int k = l->array ? snprintf(out + o, size - o, "[%llu]", (unsigned long long)l->index)
                         : snprintf(out + o, size - o, "%s%s%s", o ? "." : "", l->key, l->key_long ? "..." : "");
        if (k < 0)
            break;
        o += (size_t)k;
    }
    return out;
}

static kz_rc bad(kz_jstream *s, kz_err *err, const char *what)
{
    kz_fail(&s->failed, KZ_EINVAL, "", "malformed JSON at line %llu, column %llu: %s",
            (unsigned long long)s->line, (unsigned long long)s->col, what);
    *err = s->failed;
    return KZ_EINVAL;
}

static kz_jpath path_of(const kz_jstream *s) { return (kz_jpath){s->levels, s->depth, 0}; }

/* The bytes p[from..to) belong to the captured value. */
static kz_rc keep(kz_jstream *s, const char *p, size_t from, size_t to, kz_err *err)
{
    if (!s->capturing || to <= from)
        return KZ_OK;
    kz_rc rc = kz_buf_append(&s->cap, p + from, to - from);
    if (rc) {
        char where[256];
        kz_jpath path = path_of(s);
        path.depth = s->cap_depth;
        kz_jpath_format(&path, where, sizeof where);
        kz_fail(&s->failed, rc, where, rc == KZ_ETOOBIG ? "the value at %s is larger than %zu bytes" : "out of memory at %s",
                where, s->cap.max);
        *err = s->failed;
    }
    return rc;
}

/* A value starts at the current path: capture it when selected. */
static void value_starts(kz_jstream *s, uint64_t at, char first)
{
    s->started = true;
    if (s->capturing || s->depth == 0 || !s->select)
        return;
    kz_jpath path = path_of(s);
    path.first = first;
    if (s->select(s->ctx, &path)) {
        s->capturing = true;
        s->cap_depth = s->depth;
        s->cap_offset = at;
        kz_buf_reset(&s->cap);
    }
}

/* A value ended (its last byte already kept). */
static kz_rc value_ends(kz_jstream *s, kz_err *err)
{
    s->st = S_AFTER;
    if (s->depth == 0)
        s->done = true;
    if (!s->capturing || s->depth != s->cap_depth)
        return KZ_OK;
    s->capturing = false;
    kz_jpath path = path_of(s);
    kz_rc rc = s->emit ? s->emit(s->ctx, &path, s->cap.p ? s->cap.p : "", s->cap.len, s->cap_offset) : KZ_OK;
    if (rc) {
        s->failed = *err;
        if (!s->failed.rc)
            kz_fail(&s->failed, rc, NULL, "%s", kz_strerror(rc));
        s->failed.rc = rc;
    }
    return rc;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* One more byte of the key being read, as written between the quotes. */
static void key_byte(kz_jstream *s, char c)
{
    kz_jlevel *l = &s->levels[s->depth - 1];
    if (s->key_len < KZ_JSTREAM_KEY) {
        l->key[s->key_len++] = c;
        l->key[s->key_len] = '\0';
    } else {
        l->key_long = true;
    }
}

static kz_rc push(kz_jstream *s, bool array, kz_err *err)
{
    if (s->depth == KZ_JSTREAM_DEPTH)
        return bad(s, err, "nested too deeply");
    kz_jlevel *l = &s->levels[s->depth++];
    l->array = array;
    l->index = 0;
    l->key[0] = '\0';
    l->key_long = false;
    return KZ_OK;
}

/* Whether a number may end in its current sub-state. */
static bool num_complete(num ns) { return ns == N_ZERO || ns == N_INT || ns == N_FRAC || ns == N_EXP; }

/* Feeds one byte of a number; false when c does not continue it. */
static bool num_step(kz_jstream *s, char c, bool *error)
{
    *error = false;
    switch (s->ns) {
    case N_MINUS:
        if (c == '0') s->ns = N_ZERO;
        else if (is_digit(c)) s->ns = N_INT;
        else *error = true;
        return !*error;
    case N_ZERO:
    case N_INT:
        if (s->ns == N_INT && is_digit(c)) return true;
        if (c == '.') { s->ns = N_DOT; return true; }
        if (c == 'e' || c == 'E') { s->ns = N_E; return true; }
        if (s->ns == N_ZERO && is_digit(c)) *error = true;
        return false;
    case N_DOT:
        if (is_digit(c)) { s->ns = N_FRAC; return true; }
        *error = true;
        return false;
    case N_FRAC:
        if (is_digit(c)) return true;
        if (c == 'e' || c == 'E') { s->ns = N_E; return true; }
        return false;
    case N_E:
        if (c == '+' || c == '-') { s->ns = N_ESIGN; return true; }
        if (is_digit(c)) { s->ns = N_EXP; return true; }
        *error = true;
        return false;
    case N_ESIGN:
        if (is_digit(c)) { s->ns = N_EXP; return true; }
        *error = true;
        return false;
    case N_EXP:
        return is_digit(c);
    }
    return false;
}

kz_rc kz_jstream_feed(kz_jstream *s, const char *p, size_t n, kz_err *err)
{
    if (s->failed.rc) {
        *err = s->failed;
        return s->failed.rc;
    }
    size_t mark = 0;  /* p[mark..i) not yet copied into a capture */
    kz_rc rc = KZ_OK;
    if (s->keep_doc && !s->doc_overflow && kz_buf_append(&s->doc, p, n)) {
        s->doc_overflow = true;
        kz_buf_free(&s->doc);
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        s->col++;
    again:
        switch (s->st) {
        case S_STR:
            if (c == '"') {
                if (s->in_key) {
                    s->in_key = false;
                    s->st = S_COLON;
                    break;
                }
                if ((rc = keep(s, p, mark, i + 1, err)))
                    return rc;
                mark = i + 1;
                if ((rc = value_ends(s, err)))
                    return rc;
                break;
            }
            if (c == '\\') {
                s->st = S_STR_ESC;
            } else if ((unsigned char)c < 0x20) {
                return bad(s, err, "control character in a string");
            }
            if (s->in_key)
                key_byte(s, c);
            break;
        case S_STR_ESC:
            if (c == 'u') {
                s->st = S_STR_U;
                s->u_left = 4;
            } else if (strchr("\"\\/bfnrt", c) && c) {
                s->st = S_STR;
            } else {
                return bad(s, err, "invalid escape in a string");
            }
            if (s->in_key)
                key_byte(s, c);
            break;
        case S_STR_U:
            if (!is_hex(c))
                return bad(s, err, "\\u needs four hexadecimal digits");
            if (--s->u_left == 0)
                s->st = S_STR;
            if (s->in_key)
                s->levels[s->depth - 1].key_long = true;  /* escaped keys never match a path */
            break;
        case S_NUM: {
            bool error;
            if (num_step(s, c, &error))
                break;
            if (error || !num_complete(s->ns))
                return bad(s, err, "malformed number");
            if ((rc = keep(s, p, mark, i, err)))
                return rc;
            mark = i;
            if ((rc = value_ends(s, err)))
                return rc;
            goto again;  /* c belongs to what follows the number */
        }
        case S_LIT:
            if (c != s->lit[s->lit_pos])
                return bad(s, err, "invalid literal (expected true, false or null)");
            if (s->lit[++s->lit_pos] == '\0') {
                if ((rc = keep(s, p, mark, i + 1, err)))
                    return rc;
                mark = i + 1;
                if ((rc = value_ends(s, err)))
                    return rc;
            }
            break;
        case S_VALUE:
        case S_ARR_FIRST:
            if (is_space(c))
                break;
            if (c == ']' && s->st == S_ARR_FIRST)
                goto close;
            if (s->done)
                return bad(s, err, "data after the end of the document");
            if (!s->capturing) {
                value_starts(s, s->offset + i, c);
                mark = i;
            }
            if (c == '{') {
                if ((rc = push(s, false, err)))
                    return rc;
                s->st = S_OBJ_FIRST;
            } else if (c == '[') {
                if ((rc = push(s, true, err)))
                    return rc;
                s->st = S_ARR_FIRST;
            } else if (c == '"') {
                s->st = S_STR;
                s->in_key = false;
            } else if (c == '-' || is_digit(c)) {
                s->st = S_NUM;
                s->ns = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
            } else if (c == 't' || c == 'f' || c == 'n') {
                s->st = S_LIT;
                s->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
                s->lit_pos = 1;
            } else {
                return bad(s, err, "expected a value");
            }
            break;
        case S_OBJ_FIRST:
        case S_OBJ_KEY:
            if (is_space(c))
                break;
            if (c == '}' && s->st == S_OBJ_FIRST)
                goto close;
            if (c != '"')
                return bad(s, err, "expected a string key");
            s->st = S_STR;
            s->in_key = true;
            s->key_len = 0;
            s->levels[s->depth - 1].key[0] = '\0';
            s->levels[s->depth - 1].key_long = false;
            break;
        case S_COLON:
            if (is_space(c))
                break;
            if (c != ':')
                return bad(s, err, "expected ':' after the key");
            s->st = S_VALUE;
            break;
        case S_AFTER:
            if (is_space(c))
                break;
            if (s->depth == 0)
                return bad(s, err, "data after the end of the document");
            if (c == ',') {
                kz_jlevel *l = &s->levels[s->depth - 1];
                if (l->array) {
                    l->index++;
                    s->st = S_VALUE;
                } else {
                    s->st = S_OBJ_KEY;
                }
                break;
            }
            if (c == ']' || c == '}') {
            close:
                if (s->levels[s->depth - 1].array != (c == ']'))
                    return bad(s, err, c == ']' ? "']' closes an object" : "'}' closes an array");
                s->depth--;
                if ((rc = keep(s, p, mark, i + 1, err)))
                    return rc;
                mark = i + 1;
                if ((rc = value_ends(s, err)))
                    return rc;
                break;
            }
            return bad(s, err, "expected ',' or the end of the container");
        }
        if (c == '\n') {
            s->line++;
            s->col = 0;
        }
    }
    rc = keep(s, p, mark, n, err);
    s->offset += n;
    return rc;
}

kz_rc kz_jstream_end(kz_jstream *s, kz_err *err)
{
    if (s->failed.rc) {
        *err = s->failed;
        return s->failed.rc;
    }
    if (s->st == S_NUM && s->depth == 0 && num_complete(s->ns)) {
        kz_rc rc = value_ends(s, err);
        if (rc)
            return rc;
    }
    if (!s->done)
        return bad(s, err, s->started ? "the document ends in the middle of a value" : "the document is empty");
    return KZ_OK;
}
