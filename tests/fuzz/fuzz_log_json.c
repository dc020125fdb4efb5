/* Fuzz target: the json log format (see fuzz_log.h), and its readers against each
 * other: every line is also read by the byte-by-byte walk and by every implementation
 * of the structural index this CPU runs (scalar, SSE2, AVX2), and by the byte walk in a
 * new context (the memos of names and of values without a shape empty), which must all
 * give the same answer and the same record, field by field. A difference aborts. */
#include "fuzz_target.h"
#include "fuzz_log.h"

static kz_logfmt *reader(const char *fields, kz_json_reader r)
{
    kz_logfmt_opts o = {.format = KZ_FMT_JSON, .fields = fields, .max_line = 4096};
    kz_logfmt *f;
    kz_err err;
    if (kz_logfmt_new(&o, &f, &err))
        abort();
    if (!kz_logfmt_json_reader(f, r)) {
        kz_logfmt_free(f);
        return NULL;
    }
    return f;
}

static bool same_text(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (!an || memcmp(a, b, an) == 0) && !a == !b;
}

static void same_record(const kz_record *a, const kz_record *b)
{
    if (a->n != b->n || a->truncated != b->truncated || !same_text(a->ts, a->ts_len, b->ts, b->ts_len) ||
        !same_text(a->victim, a->victim_len, b->victim, b->victim_len) ||
        !same_text(a->victim_field, a->victim_field_len, b->victim_field, b->victim_field_len))
        abort();
    for (int i = 0; i < a->n; i++)
        if (a->f[i].kind != b->f[i].kind || !same_text(a->f[i].v, a->f[i].len, b->f[i].v, b->f[i].len) ||
            !same_text(a->f[i].name, a->f[i].name_len, b->f[i].name, b->f[i].name_len))
            abort();
}

static void compare_readers(const char *fields, const uint8_t *data, size_t size)
{
    static kz_record ref, got;
    kz_logfmt *fb = reader(fields, KZ_JSON_BYTES);
    kz_logctx *cb = kz_logctx_new(fb);
    for (kz_json_reader r = KZ_JSON_SCALAR; r <= KZ_JSON_AVX2; r++) {
        kz_logfmt *f = reader(fields, r);
        if (!f)
            continue;
        kz_logctx *c = kz_logctx_new(f);
        const char *s = (const char *)data;
        for (size_t pos = 0; pos < size;) {
            const char *nl = memchr(s + pos, '\n', size - pos);
            size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
            int a = kz_logfmt_parse(fb, cb, s + pos, len, pos, pos == 0, &ref);
            int b = kz_logfmt_parse(f, c, s + pos, len, pos, pos == 0, &got);
            if (a != b)
                abort();
            if (a > 0)
                same_record(&ref, &got);
            pos += len + 1;
        }
        kz_logctx_free(c);
        kz_logfmt_free(f);
    }
    /* the memos carried from line to line answer as a new context does */
    for (size_t pos = 0; pos < size;) {
        const char *s = (const char *)data;
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
        kz_logctx *fresh = kz_logctx_new(fb);
        int a = kz_logfmt_parse(fb, cb, s + pos, len, pos, pos == 0, &ref);
        int b = kz_logfmt_parse(fb, fresh, s + pos, len, pos, pos == 0, &got);
        if (a != b)
            abort();
        if (a > 0)
            same_record(&ref, &got);
        kz_logctx_free(fresh);
        pos += len + 1;
    }
    kz_logctx_free(cb);
    kz_logfmt_free(fb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *fields = size && data[0] == 1 ? "query:host,note:text,ip:ip" : NULL;
    compare_readers(fields, data, size);
    return fuzz_log(KZ_FMT_JSON, fields, false, data, size);
}
