/* bench/match/floors.c: the floor of a field-aware matcher on each delimited log format
 * and on the text fallback (issue 17 point 1): read the file as wc -l does, split every
 * line into fields with a 64-byte delimiter bitmask (AVX2, SSE2 otherwise), and hash and
 * probe a table of the indicators for each field that can hold one (the host of a URL too),
 * counting hits. Nothing else: no normalization, no shape test, no CIDR, no output.
 *
 *   bench_match_floors FORMAT INDICATORS.csv LOG     (FORMAT: csv, zeek, squid, text)
 *
 * Prints lines, hits and the CPU seconds of the scan (the table's build apart) on stdout. */
#include <fcntl.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define TABLE_BITS 18 /* 262,144 slots for 100,000 keys: load 0.38 */
#define BLOCK (1u << 20)

struct slot {
    uint64_t hash;
    const char *key; /* owned by the key arena of main */
    uint32_t len;
};

static struct slot table[1u << TABLE_BITS];
/* a 32-bit tag per slot (0: empty), 1 MiB: a miss is decided in L2 without the slots */
static uint32_t tags[1u << TABLE_BITS];

static inline uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1;
}

static inline uint64_t load_tail(const char *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n);
    return v;
}

/* a multiply-mix hash eight bytes at a time (wyhash's shape, not its constants' proof) */
static inline uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        __uint128_t m = (__uint128_t)(h ^ v) * 0xa0761d6478bd642full;
        h = (uint64_t)m ^ (uint64_t)(m >> 64);
        p += 8;
        n -= 8;
    }
    if (n) {
        __uint128_t m = (__uint128_t)(h ^ load_tail(p, n)) * 0xe7037ed1a0b428dbull;
        h = (uint64_t)m ^ (uint64_t)(m >> 64);
    }
    return h;
}

static void table_add(const char *k, uint32_t n)
{
    uint64_t h = hash_bytes(k, n);
    size_t mask = (1u << TABLE_BITS) - 1, i = h & mask;
    while (tags[i]) {
        if (table[i].hash == h && table[i].len == n && memcmp(table[i].key, k, n) == 0)
            return;
        i = (i + 1) & mask;
    }
    table[i] = (struct slot){h, k, n};
    tags[i] = tag_of(h);
}

static unsigned long hits, probes;
static int getenv_direct; /* FLOOR_DIRECT=1: each probe decided at once, no queue */

/* probes are queued with their tag's line prefetched and decided a block later, so the
 * misses of a block of lines overlap (the routing engine's batch lookup, at its least) */
#define QUEUE 64
static struct pending {
    const char *k;
    size_t n;
    uint64_t h;
} queue[QUEUE];
static unsigned queued;

static inline void decide(const struct pending *q)
{
    size_t mask = (1u << TABLE_BITS) - 1, i = q->h & mask;
    uint32_t t = tag_of(q->h);
    for (; tags[i]; i = (i + 1) & mask)
        if (tags[i] == t && table[i].len == q->n && memcmp(table[i].key, q->k, q->n) == 0) {
            hits++;
            return;
        }
}

static void flush(void)
{
    for (unsigned i = 0; i < queued; i++)
        decide(&queue[i]);
    queued = 0;
}

static inline void probe(const char *k, size_t n)
{
    uint64_t h = hash_bytes(k, n);
    probes++;
    if (getenv_direct) {
        struct pending q = {k, n, h};
        decide(&q);
        return;
    }
    if (queued == QUEUE)
        flush();
    __builtin_prefetch(&tags[h & ((1u << TABLE_BITS) - 1)]);
    queue[queued++] = (struct pending){k, n, h};
}

/* a value that may hold a URL: probe it whole and probe its host */
static inline void probe_value(const char *p, size_t n)
{
    if (n == 0)
        return;
    probe(p, n);
    const char *s = n > 7 ? memchr(p, ':', n < 8 ? n : 8) : NULL;
    if (s && s + 3 <= p + n && s[1] == '/' && s[2] == '/') {
        const char *h = s + 3, *e = memchr(h, '/', (size_t)(p + n - h));
        probe(h, (size_t)((e ? e : p + n) - h));
    }
}

/* which fields of a line can hold an indicator: bit i for field i (wanted == ~0: every one) */
struct format {
    const char *name;
    char delim;
    int merge_runs; /* empty fields between repeated delimiters are not fields (Squid, text) */
    int skip_hash_lines; /* Zeek: lines starting with '#' are headers */
    uint64_t wanted;
};

static const struct format formats[] = {
    /* ts,elapsed,src,dst,method,host,url,status,bytes,type */
    {"csv", ',', 0, 0, (1u << 2) | (1u << 3) | (1u << 5) | (1u << 6)},
    /* ts id.orig_h id.orig_p id.resp_h id.resp_p method host uri status len mime */
    {"zeek", '\t', 0, 1, (1u << 1) | (1u << 3) | (1u << 6) | (1u << 7)},
    /* ts elapsed client code/status bytes method url ident hier/peer type */
    {"squid", ' ', 1, 0, (1u << 2) | (1u << 6) | (1u << 8)},
    /* every white-space token */
    {"text", ' ', 1, 0, ~(uint64_t)0},
};

static unsigned long lines;

/* the state of the scan across blocks: the current field's start and index */
struct scan {
    const struct format *f;
    const char *field;
    unsigned index;
    int header; /* this line is a Zeek header line */
};

static inline void end_field(struct scan *s, const char *end)
{
    size_t n = (size_t)(end - s->field);
    if (s->f->merge_runs && n == 0)
        return;
    if (!s->header && s->index < 64 && (s->f->wanted >> s->index & 1)) {
        const char *v = s->field;
        if (s->f->name[0] == 's' && s->index == 8) { /* HIER_DIRECT/192.0.2.1: the peer */
            const char *sl = memchr(v, '/', n);
            if (sl) {
                n -= (size_t)(sl + 1 - v);
                v = sl + 1;
            }
        }
        probe_value(v, n);
    }
    s->index++;
}

/* the delimiter and newline bitmask of 64 bytes */
__attribute__((target("avx2"))) static inline uint64_t mask64_avx2(const char *p, char d)
{
    __m256i a = _mm256_loadu_si256((const __m256i *)p), b = _mm256_loadu_si256((const __m256i *)(p + 32));
    __m256i vd = _mm256_set1_epi8(d), vn = _mm256_set1_epi8('\n');
    uint32_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(a, vd), _mm256_cmpeq_epi8(a, vn)));
    uint32_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(b, vd), _mm256_cmpeq_epi8(b, vn)));
    return lo | (uint64_t)hi << 32;
}

static inline uint64_t mask64_sse2(const char *p, char d)
{
    __m128i vd = _mm_set1_epi8(d), vn = _mm_set1_epi8('\n');
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + 16 * i));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(a, vd), _mm_cmpeq_epi8(a, vn))) << (16 * i);
    }
    return m;
}

static inline void on_byte(struct scan *s, const char *p)
{
    end_field(s, p);
    s->field = p + 1;
    if (*p == '\n') {
        lines++;
        if (queued >= QUEUE - 32)
            flush();
        s->index = 0;
        s->header = s->f->skip_hash_lines && p[1] == '#';
    }
}

/* scan buf[0, n): n is a multiple of 64 except at the end, where the tail is scalar */
#define SCAN_BODY(MASK)                                                                      \
    size_t i = 0;                                                                            \
    for (; i + 64 <= n; i += 64) {                                                           \
        uint64_t m = MASK(buf + i, s->f->delim);                                             \
        while (m) {                                                                          \
            on_byte(s, buf + i + __builtin_ctzll(m));                                        \
            m &= m - 1;                                                                      \
        }                                                                                    \
    }                                                                                        \
    for (; i < n; i++)                                                                       \
        if (buf[i] == s->f->delim || buf[i] == '\n')                                         \
            on_byte(s, buf + i);

__attribute__((target("avx2"))) static void scan_avx2(struct scan *s, const char *buf, size_t n)
{
    SCAN_BODY(mask64_avx2)
}

static void scan_sse2(struct scan *s, const char *buf, size_t n)
{
    SCAN_BODY(mask64_sse2)
}

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           u.ru_stime.tv_usec / 1e6;
}

/* the indicators' values (second CSV column), kept in one arena owned by the caller */
static char *load_indicators(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *arena = malloc((size_t)size + 1);
    if (!arena || fread(arena, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(arena);
        return NULL;
    }
    fclose(f);
    arena[size] = '\n';
    char *first = memchr(arena, '\n', (size_t)size);
    for (char *p = first ? first + 1 : arena + size; p < arena + size;) { /* skip the header */
        char *nl = memchr(p, '\n', (size_t)(arena + size + 1 - p)), *c = memchr(p, ',', (size_t)(nl - p));
        if (c && strncmp(p, "cidr,", 5) != 0)
            table_add(c + 1, (uint32_t)(nl - c - 1));
        p = nl + 1;
    }
    return arena;
}

int main(int argc, char **argv)
{
    const struct format *f = NULL;
    for (size_t i = 0; argc == 4 && i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(argv[1], formats[i].name) == 0)
            f = &formats[i];
    if (!f) {
        fprintf(stderr, "usage: bench_match_floors csv|zeek|squid|text INDICATORS.csv LOG\n");
        return 2;
    }
    char *arena = load_indicators(argv[2]);
    int fd = open(argv[3], O_RDONLY);
    /* a line may cross the read boundary: the carried part is copied to the front */
    char *buf = malloc(2 * BLOCK + 64);
    if (!arena || fd < 0 || !buf) {
        perror("bench_match_floors");
        return 1;
    }
    getenv_direct = getenv("FLOOR_DIRECT") != NULL;
    double t0 = cpu_seconds();
    void (*scan)(struct scan *, const char *, size_t) =
        __builtin_cpu_supports("avx2") && !getenv("FLOOR_SSE2") ? scan_avx2 : scan_sse2;
    size_t carry = 0;
    struct scan s = {f, buf, 0, 0};
    s.header = f->skip_hash_lines; /* the first line of a Zeek log is a header */
    for (;;) {
        ssize_t got = read(fd, buf + carry, BLOCK);
        if (got <= 0)
            break;
        size_t n = carry + (size_t)got;
        const char *last = memrchr(buf, '\n', n);
        size_t upto = last ? (size_t)(last + 1 - buf) : 0;
        /* the carried part of a line was not scanned: the scan starts at the buffer */
        s.field = buf;
        scan(&s, buf, upto);
        flush(); /* the queued keys point into the buffer about to move */
        carry = n - upto;
        memmove(buf, buf + upto, carry);
    }
    double t1 = cpu_seconds();
    printf("%s lines %lu probes %lu hits %lu scan_cpu_s %.3f %s\n", f->name, lines, probes, hits, t1 - t0,
           scan == scan_avx2 ? "avx2" : "sse2");
    close(fd);
    free(buf);
    free(arena);
    return 0;
}
