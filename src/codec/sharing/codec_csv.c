/* CSV: field splitting (one physical line per record), the record reader for feeds on
 * top of it, and the writers. */
#include "codec/sharing/csv.h"

#include "util/clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

kz_rc kz_csv_split(const char *line, size_t n, char sep, char *scratch, kz_csv_field *f, int max,
                   int *nf, kz_err *err)
{
    if (n && line[n - 1] == '\r')
        n--;
    int k = 0;
    size_t i = 0, s = 0;
    *nf = 0;
    for (;;) {
        if (k == max)
            return kz_fail(err, KZ_EINVAL, NULL, "column %zu: more than %d fields", i + 1, max);
        if (i < n && line[i] == '"') {
            size_t open = i++;
            char *out = scratch + s;
            size_t len = 0;
            for (;;) {
                if (i >= n)
                    return kz_fail(err, KZ_EINVAL, NULL,
                                   "column %zu: the quote opened here is not closed", open + 1);
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        out[len++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[len++] = line[i++];
            }
            if (i < n && line[i] != sep)
                return kz_fail(err, KZ_EINVAL, NULL,
                               "column %zu: text after the closing quote of a field", i + 1);
            f[k++] = (kz_csv_field){out, len};
            s += len;
        } else {
            const char *end = memchr(line + i, sep, n - i);
            size_t stop = end ? (size_t)(end - line) : n;
            f[k++] = (kz_csv_field){line + i, stop - i};
            i = stop;
        }
        if (i >= n)
            break;
        i++;  /* the separator */
        if (i == n) {  /* a trailing separator ends with an empty field */
            if (k == max)
                return kz_fail(err, KZ_EINVAL, NULL, "column %zu: more than %d fields", i, max);
            f[k++] = (kz_csv_field){line + i, 0};
            break;
        }
    }
    *nf = k;
    return KZ_OK;
}

/* ---- records over several lines ------------------------------------------------- */

void kz_csv_reader_init(kz_csv_reader *p, char sep, char comment)
{
    memset(p, 0, sizeof *p);
    p->sep = sep ? sep : ',';
    p->comment = comment;
    kz_buf_init(&p->joined, KZ_CSV_MAX_RECORD);
    kz_buf_init(&p->scratch, KZ_CSV_MAX_RECORD);
    kz_buf_init(&p->text, KZ_CSV_MAX_RECORD + KZ_CSV_MAX_FIELDS);
}

void kz_csv_reader_free(kz_csv_reader *p)
{
    kz_buf_free(&p->joined);
    kz_buf_free(&p->scratch);
    kz_buf_free(&p->text);
}

static int fail(kz_csv_reader *p, kz_err *err, kz_rc rc, uint64_t line, const char *why)
{
    kz_fail(err, rc, NULL, "%s", why);
    p->line = line;
    kz_buf_reset(&p->joined);
    return -1;
}

static bool odd_quotes(const char *s, size_t n)
{
    size_t q = 0;
    for (const char *e = s + n; (s = memchr(s, '"', (size_t)(e - s))); s++)
        q++;
    return q & 1;
}

int kz_csv_reader_line(kz_csv_reader *p, const char *line, size_t len, uint64_t lineno,
                       const kz_csv_record **rec, kz_err *err)
{
    if (!p->started) {
        p->started = true;
        if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3, len -= 3;
    }
    if (memchr(line, '\0', len))
        return fail(p, err, KZ_EINVAL, lineno, "a NUL byte is not text");
    const char *text = line;
    size_t n = len;
    if (p->joined.len) {  /* the line continues a quoted field */
        if (kz_buf_append(&p->joined, "\n", 1) || kz_buf_append(&p->joined, line, len))
            return fail(p, err, KZ_ETOOBIG, p->line, "a record longer than 1 MiB");
        text = p->joined.p;
        n = p->joined.len;
    } else {
        if (len == 0 || (p->comment && line[0] == p->comment))
            return 0;
        p->line = lineno;
    }
    kz_buf_reset(&p->scratch);
    if (kz_buf_reserve(&p->scratch, n + 1))
        return fail(p, err, KZ_ETOOBIG, p->line, "a record longer than 1 MiB");
    int nf = 0;
    kz_err e;
    if (kz_csv_split(text, n, p->sep, p->scratch.p, p->f, KZ_CSV_MAX_FIELDS, &nf, &e)) {
        if (!odd_quotes(text, n))
            return fail(p, err, KZ_EINVAL, p->line, e.msg);
        if (!p->joined.len && kz_buf_append(&p->joined, line, len))  /* wait for the rest */
            return fail(p, err, KZ_ETOOBIG, p->line, "a record longer than 1 MiB");
        return 0;
    }
    /* the fields take at most n bytes and one NUL each: reserve it all, so that the
     * buffer does not move while they are copied */
    kz_buf_reset(&p->text);
    if (kz_buf_reserve(&p->text, n + (size_t)nf))
        return fail(p, err, KZ_ETOOBIG, p->line, "a record longer than 1 MiB");
    for (int i = 0; i < nf; i++) {
        p->rec.field[i] = p->text.p + p->text.len;
        p->rec.len[i] = p->f[i].n;
        kz_buf_append(&p->text, p->f[i].p, p->f[i].n);
        kz_buf_append(&p->text, "", 1);
    }
    p->rec.n = (size_t)nf;
    p->rec.line = p->line;
    kz_buf_reset(&p->joined);
    *rec = &p->rec;
    return 1;
}

int kz_csv_reader_end(kz_csv_reader *p, kz_err *err)
{
    if (!p->joined.len)
        return 0;
    return fail(p, err, KZ_EINVAL, p->line, "a quoted field is never closed");
}

/* ---- writing ------------------------------------------------------------------- */

kz_rc kz_csv_put(kz_buf *b, const char *s, size_t n, char sep)
{
    if (!s || n == 0)
        return KZ_OK;
    /* quoted too: a field that starts like a comment line or a byte order mark, which a
     * reader could otherwise take for one when the field comes first on a line */
    bool quote = s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[0] == '#' ||
                 (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0);
    for (size_t i = 0; !quote && i < n; i++)
        quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote)
        return kz_buf_append(b, s, n);
    kz_rc rc = kz_buf_append(b, "\"", 1);
    for (size_t i = 0, from = 0; !rc && i <= n; i++)
        if (i == n || s[i] == '"') {
            rc = kz_buf_append(b, s + from, i - from + (i < n));  /* a quote goes out twice */
            from = i;
        }
    return rc ? rc : kz_buf_append(b, "\"", 1);
}

kz_rc kz_csv_header(kz_buf *b, const kz_schema *s)
{
    kz_rc rc = KZ_OK;
    bool first = true;
    for (size_t i = 0; !rc && i < s->count; i++)
        if (!(s->fields[i].flags & KZ_FF_WRITEONLY)) {
            rc = kz_buf_printf(b, "%s%s", first ? "" : ",", s->fields[i].name);
            first = false;
        }
    return rc ? rc : kz_buf_append(b, "\n", 1);
}

static kz_rc put_value(kz_buf *b, const kz_field *f, const void *p)
{
    char tmp[40];
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT: {
        const char *v = *(char *const *)p;
        return kz_csv_put(b, v, v ? strlen(v) : 0, ',');
    }
    case KZ_FT_ENUM: return kz_buf_puts(b, kz_enum_name(f->en, *(const int *)p));
    case KZ_FT_INT: return kz_buf_printf(b, "%" PRId64, *(const int64_t *)p);
    case KZ_FT_BOOL: return kz_buf_puts(b, *(const bool *)p ? "true" : "false");
    case KZ_FT_TIME: {
        kz_time t = *(const kz_time *)p;
        return t ? kz_buf_puts(b, kz_time_format(t, tmp, sizeof tmp)) : KZ_OK;
    }
    case KZ_FT_STRLIST: {
        const kz_strlist *l = p;
        kz_buf joined;
        kz_buf_init(&joined, KZ_CSV_MAX_RECORD);
        kz_rc rc = KZ_OK;
        for (size_t i = 0; !rc && i < l->n; i++)
            rc = kz_buf_printf(&joined, "%s%s", i ? " " : "", l->v[i]);
        if (!rc)
            rc = kz_csv_put(b, joined.p, joined.len, ',');
        kz_buf_free(&joined);
        return rc;
    }
    }
    return KZ_EINTERNAL;
}

kz_rc kz_csv_row(kz_buf *b, const kz_schema *s, const void *obj)
{
    kz_rc rc = KZ_OK;
    bool first = true;
    for (size_t i = 0; !rc && i < s->count; i++) {
        const kz_field *f = &s->fields[i];
        if (f->flags & KZ_FF_WRITEONLY)
            continue;
        if (!first)
            rc = kz_buf_append(b, ",", 1);
        first = false;
        if (!rc)
            rc = put_value(b, f, KZ_FIELD_PTR(obj, f));
    }
    return rc ? rc : kz_buf_append(b, "\n", 1);
}
