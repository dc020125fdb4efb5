/* bench/match json_readers: the JSON-lines readers of codec/telemetry timed on one file,
 * the parse alone (no matching): the byte walk and each implementation of the SIMD
 * structural index this CPU runs; checks that all give the same records. */
#include "codec/telemetry/logfmt.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The file's contents (owned by the caller, kz_free), or NULL. */
static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = len > 0 ? kz_malloc((size_t)len) : NULL;
    *n = b ? fread(b, 1, (size_t)len, fp) : 0;
    fclose(fp);
    return b;
}

/* Parses every line with reader r; *sum: a digest of the records (field count and bytes). */
static double run(kz_json_reader r, const char *s, size_t n, size_t *lines, unsigned long long *sum)
{
    kz_logfmt_opts o = {.format = KZ_FMT_JSON, .max_line = 1 << 20};
    kz_logfmt *f;
    kz_err err;
    if (kz_logfmt_new(&o, &f, &err))
        return -1;
    if (!kz_logfmt_json_reader(f, r)) {
        kz_logfmt_free(f);
        return -1;
    }
    kz_logctx *c = kz_logctx_new(f);
    if (!c) {
        kz_logfmt_free(f);
        return -1;
    }
    static kz_record rec;
    *lines = 0;
    *sum = 0;
    double t0 = cpu_seconds();
    for (size_t pos = 0; pos < n;) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (s + pos)) : n - pos;
        int got = kz_logfmt_parse(f, c, s + pos, len, pos, pos == 0, &rec);
        *sum = *sum * 31 + (unsigned long long)(got + 1);
        for (int i = 0; got > 0 && i < rec.n; i++)
            *sum = *sum * 31 + rec.f[i].len + (unsigned long long)rec.f[i].kind;
        ++*lines;
        pos += len + 1;
    }
    double t = cpu_seconds() - t0;
    kz_logctx_free(c);
    kz_logfmt_free(f);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_json_readers FILE.jsonl [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    size_t n;
    char *s = slurp(argv[1], &n);
    if (!s) {
        fprintf(stderr, "bench_json_readers: cannot read %s\n", argv[1]);
        return 1;
    }
    static const char *const names[] = {"byte walk", "index (best)", "index scalar", "index SSE2",
                                        "index AVX2"};
    unsigned long long want = 0;
    int status = 0;
    for (kz_json_reader r = KZ_JSON_BYTES; r <= KZ_JSON_AVX2; r++) {
        double best = -1;
        size_t lines = 0;
        unsigned long long sum = 0;
        for (int i = 0; i < runs; i++) {
            double t = run(r, s, n, &lines, &sum);
            if (t >= 0 && (best < 0 || t < best))
                best = t;
        }
        if (best < 0) {
            printf("%-14s not on this CPU\n", names[r]);
            continue;
        }
        if (r == KZ_JSON_BYTES)
            want = sum;
        bool same = sum == want;
        status |= !same;
        printf("%-14s %8.3f s  %7.1f ns/line  %7.0f MiB/s  %s\n", names[r], best, best * 1e9 / (double)lines,
               (double)n / best / 1048576.0, same ? "same records" : "RECORDS DIFFER");
    }
    kz_free(s);
    return status;
}
