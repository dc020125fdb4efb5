/* Shared by the log-format fuzz targets: the input is a log, split into lines; each
 * line is parsed in the target's format and every field found is matched against a
 * small indicator set, so the parser and the matcher's handling of what parsers hand it
 * are fuzzed together. Any crash or sanitizer report is a bug. */
#ifndef KZ_FUZZ_LOG_H
#define KZ_FUZZ_LOG_H

#include "codec/telemetry/logfmt.h"
#include "engine/match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static kz_indset *fuzz_set(void)
{
    static kz_indset *set;
    if (set)
        return set;
    static const char *const ind[][2] = {
        {"ipv4", "203.0.113.9"}, {"cidr", "198.51.100.0/24"}, {"domain", "evil.example"},
        {"url", "http://evil.example/login*"}, {"url", "http://evil.example/a?b=c"},
        {"email", "a@evil.example"}, {"md5", "d41d8cd98f00b204e9800998ecf8427e"},
        {"ipv6", "2001:db8::1"}};
    kz_arena a;
    kz_arena_init(&a);
    kz_indset_builder *b = kz_indset_builder_new();
    for (size_t i = 0; i < sizeof ind / sizeof *ind; i++) {
        kz_norm nm;
        kz_err err;
        int t = kz_enum_parse(&kz_ind_type_enum, ind[i][0]);
        if (kz_indicator_normalize((kz_ind_type)t, ind[i][1], strlen(ind[i][1]), &a, "v", &nm, &err) ||
            kz_indset_add(b, (kz_ind_type)t, &nm, NULL, &err))
            abort();
    }
    kz_err err;
    if (kz_indset_compile(b, &set, &err))
        abort();
    kz_arena_free(&a);
    return set;
}

static void count_hit(void *ctx, const kz_logfield *f, kz_run r, const char *obs, size_t n)
{
    (void)f;
    (void)r;
    (void)obs;
    *(size_t *)ctx += n;
}

static int fuzz_log(kz_log_format format, const char *fields, bool header, const uint8_t *data,
                    size_t size)
{
    kz_indset *set = fuzz_set();
    kz_logfmt_opts o = {.format = format, .fields = fields, .header = header, .max_line = 4096};
    kz_logfmt *f;
    kz_err err;
    if (kz_logfmt_new(&o, &f, &err))
        abort();
    const char *s = (const char *)data;
    const void *state = NULL;
    if (kz_logfmt_prepare(f, s, size, &err) == KZ_OK &&
        kz_logfmt_scan_block(f, 0, s, size, &state) == KZ_OK) {
        kz_logctx *c = kz_logctx_new(f);
        static kz_record rec;
        static kz_match_scratch sc;
        size_t sum = 0;
        kz_logctx_block(c, 0, state);
        for (size_t pos = 0; pos < size;) {
            const char *nl = memchr(s + pos, '\n', size - pos);
            size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
            if (len <= 4096 &&
                kz_logfmt_parse(f, c, s + pos, len, pos, pos == 0, &rec) > 0)
                for (int i = 0; i < rec.n; i++)
                    kz_match_field(set, &sc, &rec.f[i], count_hit, NULL, &sum);
            pos += len + 1;
        }
        kz_logctx_free(c);
    }
    kz_logfmt_free(f);
    return 0;
}

#endif
