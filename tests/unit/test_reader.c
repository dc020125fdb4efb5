/* Unit tests of util/reader: lines, numbers and offsets against a straightforward
 * split of the same bytes (random texts, tiny blocks so every boundary case happens),
 * over-long lines skipped in bounded memory, gzip (single and multi-member, truncated,
 * corrupt, trailing garbage), pipes, and the block interface used by worker threads;
 * a mapped file gives the same blocks as reading it, reads on when the file grows, and
 * a file truncated under the mapping is an error from kz_reader_done, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/reader.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kz-reader-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

/* gzip of data[0..n) as `members` concatenated members, into a malloc'd buffer. */
static unsigned char *gzip_of(const char *data, size_t n, int members, size_t *out_len)
{
    size_t cap = n + 1024 * (size_t)members + 64, len = 0;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    size_t per = members ? n / (size_t)members : n;
    for (int m = 0; m < members; m++) {
        size_t from = per * (size_t)m, to = m == members - 1 ? n : per * (size_t)(m + 1);
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        z.next_in = (unsigned char *)data + from;
        z.avail_in = (uInt)(to - from);
        z.next_out = out + len;
        z.avail_out = (uInt)(cap - len);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        len = cap - z.avail_out;
        deflateEnd(&z);
    }
    *out_len = len;
    return out;
}

/* Reference: split text the obvious way and compare with what the reader gives. */
static void expect_lines(const char *path, const char *text, size_t n, size_t block,
                         size_t max_line)
{
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open(path, block, max_line, &r, &err), KZ_OK);
    size_t start = 0;
    uint64_t no = 0;
    kz_line ln;
    while (start < n) {
        const char *nl = memchr(text + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - text) : n;
        size_t len = end - start;
        bool too_long = len > max_line;  /* counted with the '\r' */
        if (!too_long && len && text[end - 1] == '\r')
            len--;
        assert_int_equal(kz_reader_next(r, &ln, &err), 1);
        no++;
        assert_int_equal(ln.no, no);
        assert_int_equal(ln.offset, start);
        assert_int_equal(ln.len, len);
        if (too_long) {
            assert_true(ln.too_long);
            assert_null(ln.p);
        } else {
            assert_false(ln.too_long);
            assert_memory_equal(ln.p, text + start, len);
        }
        start = end + 1;
    }
    assert_int_equal(kz_reader_next(r, &ln, &err), 0);
    assert_int_equal(kz_reader_next(r, &ln, &err), 0);
    assert_int_equal(kz_reader_bytes_out(r), n);
    kz_reader_close(r);
}

static void small_cases(void **state)
{
    (void)state;
    static const char *texts[] = {
        "", "\n", "\n\n", "a", "a\n", "a\nb", "a\r\nb\r\n", "\r\n", "one\ntwo\n\nfour\n",
        "with\0nul\n", "exactly-16-bytes\nx\n", "seventeen-bytes!!\nshort\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        size_t n = i == 9 ? 9 : strlen(texts[i]);
        const char *path = write_file("small", texts[i], n);
        for (size_t block = 64; block <= 4096; block *= 4)
            expect_lines(path, texts[i], n, block, 16);
    }
}

/* n random bytes (malloc'd): mostly short lines, CRs and binary bytes, and about one
 * byte in long_one_in starting a run of long_len 'L's. */
static char *random_text(size_t n, int long_one_in, size_t long_len)
{
    char *text = malloc(n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++) {
        int k = rand() % 100;
        text[i] = k < 4   ? '\n'
                  : k < 5 ? '\r'
                  : k < 6 ? (char)(rand() % 256)
                          : (char)('a' + k % 26);
        if (rand() % long_one_in == 0)
            for (size_t j = 0; j < long_len && i + 1 < n; j++)
                text[++i] = 'L';
    }
    return text;
}

static void random_texts_match_a_plain_split(void **state)
{
    (void)state;
    srand(42);
    for (int round = 0; round < 60; round++) {
        size_t n = (size_t)(rand() % 20000);
        char *text = random_text(n, 3000, 900);
        const char *path = write_file("random", text, n);
        size_t block = (size_t)(64 + rand() % 1024), max_line = 1 + (size_t)rand() % (block / 2);
        expect_lines(path, text, n, block, max_line);
        size_t gz_len;
        unsigned char *gz = gzip_of(text, n, 1 + round % 3, &gz_len);
        path = write_file("random.gz", gz, gz_len);
        expect_lines(path, text, n, block, max_line);
        free(gz);
        free(text);
    }
}

static void huge_line_is_skipped_in_bounded_memory(void **state)
{
    (void)state;
    /* 3 MB without a newline between two short lines, read with 4 KiB blocks. */
    size_t big = 3u << 20, n = big + 20;
    char *text = malloc(n);
    memcpy(text, "first\n", 6);
    memset(text + 6, 'x', big);
    memcpy(text + 6 + big, "\nsecond\nthird", 13);
    n = 6 + big + 13;
    const char *path = write_file("huge", text, n);
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open(path, 4096, 100, &r, &err), KZ_OK);
    kz_line ln;
    assert_int_equal(kz_reader_next(r, &ln, &err), 1);
    assert_int_equal(ln.len, 5);
    assert_int_equal(kz_reader_next(r, &ln, &err), 1);
    assert_true(ln.too_long);
    assert_int_equal(ln.no, 2);
    assert_int_equal(ln.len, big);
    assert_int_equal(ln.offset, 6);
    assert_int_equal(kz_reader_next(r, &ln, &err), 1);
    assert_int_equal(ln.no, 3);
    assert_int_equal(ln.offset, 6 + big + 1);
    assert_memory_equal(ln.p, "second", 6);
    assert_int_equal(kz_reader_next(r, &ln, &err), 1);
    assert_memory_equal(ln.p, "third", 5);
    assert_int_equal(kz_reader_next(r, &ln, &err), 0);
    kz_reader_close(r);
    /* the same line at the very end of the input, without a newline */
    path = write_file("huge-end", text, 6 + big);
    assert_int_equal(kz_reader_open(path, 4096, 100, &r, &err), KZ_OK);
    assert_int_equal(kz_reader_next(r, &ln, &err), 1);
    assert_int_equal(kz_reader_next(r, &ln, &err), 1);
    assert_true(ln.too_long);
    assert_int_equal(ln.len, big);
    assert_int_equal(kz_reader_next(r, &ln, &err), 0);
    kz_reader_close(r);
    free(text);
}

static void truncated_gzip_is_an_error_with_its_offset(void **state)
{
    (void)state;
    char text[4000];
    size_t n = 0;
    for (int i = 0; n + 40 < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "line %d of the log\n", i);
    size_t gz_len;
    unsigned char *gz = gzip_of(text, n, 1, &gz_len);
    /* cut the 8-byte trailer and a little of the data */
    const char *path = write_file("trunc.gz", gz, gz_len - 20);
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open(path, 1024, 200, &r, &err), KZ_OK);
    kz_line ln;
    int rc;
    size_t lines = 0, bytes = 0;
    while ((rc = kz_reader_next(r, &ln, &err)) == 1) {
        assert_memory_equal(ln.p, text + bytes, ln.len);  /* every delivered line is whole */
        assert_int_equal(text[bytes + ln.len], '\n');
        bytes += ln.len + 1;
        lines++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(err.rc, KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "truncated gzip"));
    char at[64];
    snprintf(at, sizeof at, "at byte %zu", gz_len - 20);
    assert_non_null(strstr(err.msg, at));
    assert_true(lines > 0);
    assert_int_equal(kz_reader_next(r, &ln, &err), -1);  /* the error sticks */
    kz_reader_close(r);

    /* corrupt data inside the stream */
    gz[gz_len / 2] ^= 0x55;
    gz[gz_len / 2 + 1] ^= 0xAA;
    path = write_file("corrupt.gz", gz, gz_len);
    assert_int_equal(kz_reader_open(path, 1024, 200, &r, &err), KZ_OK);
    while ((rc = kz_reader_next(r, &ln, &err)) == 1)
        ;
    assert_int_equal(rc, -1);
    assert_int_equal(err.rc, KZ_ECORRUPT);
    kz_reader_close(r);
    gz[gz_len / 2] ^= 0x55;
    gz[gz_len / 2 + 1] ^= 0xAA;

    /* garbage after a complete stream */
    unsigned char *more = malloc(gz_len + 5);
    memcpy(more, gz, gz_len);
    memcpy(more + gz_len, "junk\n", 5);
    path = write_file("trailing.gz", more, gz_len + 5);
    assert_int_equal(kz_reader_open(path, 1024, 200, &r, &err), KZ_OK);
    lines = 0;
    while ((rc = kz_reader_next(r, &ln, &err)) == 1)
        lines++;
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "not gzip"));
    assert_true(lines > 0);
    assert_true(kz_reader_gzip(r));
    kz_reader_close(r);
    free(more);
    free(gz);
}

static void block_interface_covers_the_input(void **state)
{
    (void)state;
    char text[30000];
    size_t n = 0;
    int i = 0;
    while (n + 60 < sizeof text) {
        if (i % 97 == 5) {  /* an over-long line now and then */
            memset(text + n, 'z', 300);
            n += 300;
            text[n++] = '\n';
        } else {
            n += (size_t)snprintf(text + n, sizeof text - n, "%d,192.0.2.%d,example.com\n", i,
                                  i % 256);
        }
        i++;
    }
    const char *path = write_file("blocks", text, n);
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open(path, 256, 100, &r, &err), KZ_OK);
    assert_int_equal(kz_reader_size(r), (int64_t)n);
    kz_block b;
    assert_int_equal(kz_block_init(&b, r), KZ_OK);
    uint64_t seq = 0, lines = 0, too_long = 0, expect_off = 0;
    int got;
    while ((got = kz_reader_block(r, &b, &err)) == 1) {
        assert_int_equal(b.seq, seq++);
        assert_int_equal(b.offset, expect_off);
        if (b.skipped)
            expect_off += b.skipped + 1;
        else
            expect_off += b.len;
        size_t pos = 0;
        kz_line ln;
        while (kz_lines_next(&b, &pos, &ln)) {
            lines++;
            too_long += ln.too_long;
        }
    }
    assert_int_equal(got, 0);
    assert_int_equal(lines, (uint64_t)i);
    assert_int_equal(too_long, (uint64_t)((i + 91) / 97));
    assert_int_equal(expect_off, n);
    assert_int_equal(kz_reader_bytes_in(r), n);
    kz_block_free(&b);
    kz_reader_close(r);
}

struct feeder {
    int fd;
    const char *data;
    size_t n;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    for (size_t off = 0; off < f->n;) {
        size_t k = f->n - off < 777 ? f->n - off : 777;  /* dribble in odd pieces */
        ssize_t w = write(f->fd, f->data + off, k);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

static void reads_a_pipe(void **state)
{
    (void)state;
    char text[50000];
    size_t n = 0;
    for (int i = 0; n + 40 < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "piped line %d\n", i);
    size_t gz_len;
    unsigned char *gz = gzip_of(text, n, 2, &gz_len);
    for (int gzip = 0; gzip < 2; gzip++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        struct feeder f = {fds[1], gzip ? (const char *)gz : text, gzip ? gz_len : n};
        pthread_t t;
        pthread_create(&t, NULL, feed, &f);
        kz_reader *r;
        kz_err err;
        assert_int_equal(kz_reader_open_fd(fds[0], "stdin", 0, 0, &r, &err), KZ_OK);
        assert_int_equal(kz_reader_size(r), -1);
        kz_line ln;
        size_t bytes = 0;
        while (kz_reader_next(r, &ln, &err) == 1) {
            assert_memory_equal(ln.p, text + bytes, ln.len);
            bytes += ln.len + 1;
        }
        assert_int_equal(bytes, n);
        assert_int_equal(kz_reader_gzip(r), gzip);
        kz_reader_close(r);
        pthread_join(t, NULL);
        close(fds[0]);
    }
    free(gz);
}

static void open_errors_name_the_file(void **state)
{
    (void)state;
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open("/nonexistent/telemetry.log", 0, 0, &r, &err), KZ_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/telemetry.log"));
    assert_int_equal(kz_reader_open(tmpdir, 0, 0, &r, &err), KZ_EIO);
    assert_non_null(strstr(err.msg, "directory"));
}

/* kz_lines_next_inline (the workers' walk) against kz_lines_next: random blocks of
 * newlines, carriage returns and letters (empty lines, "\r\n", a last line without its
 * newline, lines over the ceiling), and a block standing for a skipped line. */
static void inline_walk_agrees(void **state)
{
    (void)state;
    static char data[400];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (int t = 0; t < 20000; t++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t len = (size_t)(x >> 33) % sizeof data;
        for (size_t i = 0; i < len; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            unsigned r = (unsigned)(x >> 58);
            data[i] = r < 6 ? '\n' : r < 9 ? '\r' : 'a';
        }
        kz_block b = {.data = data, .len = len, .cap = sizeof data,
                      .max_line = (size_t)(x >> 20) % 40, .skipped = t % 500 == 0 ? 77 : 0};
        size_t p1 = 0, p2 = 0;
        kz_line a, c;
        for (;;) {
            bool more = kz_lines_next(&b, &p1, &a);
            assert_int_equal(kz_lines_next_inline(&b, &p2, &c), more);
            if (!more)
                break;
            assert_int_equal(p1, p2);
            assert_ptr_equal(a.p, c.p);
            assert_int_equal(a.len, c.len);
            assert_int_equal(a.too_long, c.too_long);
        }
    }
}

/* One block as the block interface hands it out, its text copied. */
typedef struct seen_block {
    uint64_t seq, offset, skipped;
    size_t len;
    char *text;
} seen_block;

/* Every block of path, read or mapped; *n gets their number, the result is malloc'd. */
static seen_block *blocks_of(const char *path, size_t block, size_t max_line, bool map,
                             size_t *n)
{
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open(path, block, max_line, &r, &err), KZ_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (map) {
        bool gz = false;
        FILE *f = fopen(path, "rb");
        int c0 = fgetc(f), c1 = fgetc(f);
        fclose(f);
        gz = c0 == 0x1F && c1 == 0x8B;
        assert_int_equal(kz_reader_map(r), st.st_size > 0 && !gz);
    }
    kz_block b;
    memset(&b, 0, sizeof b);
    size_t cap = 16, k = 0;
    seen_block *out = malloc(cap * sizeof *out);
    int got;
    while ((got = kz_reader_block(r, &b, &err)) == 1) {
        if (k == cap)
            out = realloc(out, (cap *= 2) * sizeof *out);
        out[k] = (seen_block){b.seq, b.offset, b.skipped, b.len, malloc(b.len + 1)};
        memcpy(out[k].text, b.data, b.len);
        k++;
        assert_int_equal(kz_reader_done(r, &b, &err), KZ_OK);
    }
    assert_int_equal(got, 0);
    assert_int_equal(kz_reader_bytes_in(r), (uint64_t)st.st_size);
    kz_block_free(&b);
    kz_reader_close(r);
    *n = k;
    return out;
}

static void free_blocks(seen_block *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(b[i].text);
    free(b);
}

static void expect_same_blocks(const char *path, size_t block, size_t max_line)
{
    size_t n_read, n_map;
    seen_block *a = blocks_of(path, block, max_line, false, &n_read);
    seen_block *m = blocks_of(path, block, max_line, true, &n_map);
    assert_int_equal(n_map, n_read);
    for (size_t i = 0; i < n_read; i++) {
        assert_int_equal(m[i].seq, a[i].seq);
        assert_int_equal(m[i].offset, a[i].offset);
        assert_int_equal(m[i].skipped, a[i].skipped);
        assert_int_equal(m[i].len, a[i].len);
        assert_memory_equal(m[i].text, a[i].text, a[i].len);
    }
    free_blocks(a, n_read);
    free_blocks(m, n_map);
}

static void mapped_blocks_are_the_read_blocks(void **state)
{
    (void)state;
    static const char *texts[] = {
        "", "\n", "a", "a\nb", "a\r\nb\r\n", "with\0nul\n", "exactly-16-bytes\nx\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        size_t n = i == 5 ? 9 : strlen(texts[i]);
        const char *path = write_file("map-small", texts[i], n);
        for (size_t block = 64; block <= 4096; block *= 4)
            expect_same_blocks(path, block, 16);
    }
    srand(7);
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(rand() % 30000);
        char *text = random_text(n, 2000, 2500);  /* long lines over the ceiling and the block */
        const char *path = write_file("map-random", text, n);
        size_t block = (size_t)(64 + rand() % 1024), max_line = 1 + (size_t)rand() % (block / 2);
        expect_same_blocks(path, block, max_line);
        if (round % 10 == 0) {  /* gzip is never mapped, and reads as before */
            size_t gz_len;
            unsigned char *gz = gzip_of(text, n, 1, &gz_len);
            expect_same_blocks(write_file("map-random.gz", gz, gz_len), block, max_line);
            free(gz);
        }
        free(text);
    }
}

/* A log written to while it is read: what was appended past the mapped end is read too,
 * as reading alone would have read it, the line cut at the mapped end included. */
static void mapped_file_that_grows_is_read_on(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        /* k = 0: a short last window; 1: a window ending exactly at the mapped end;
           2: an over-long line running past the mapped end */
        char text[8192];
        size_t n = 0;
        if (k == 2) {
            n = (size_t)snprintf(text, sizeof text, "first\n");
            memset(text + n, 'L', 1000);
            n += 1000;
        } else {
            for (int i = 0; n < (k ? 1024u : 1000u); i++)
                n += (size_t)snprintf(text + n, sizeof text - n, "line %d\n", i);
            n = k ? 1024 : n - 3;  /* the first part ends inside a line */
        }
        const char *path = write_file("grow", text, n);
        kz_reader *r;
        kz_err err;
        assert_int_equal(kz_reader_open(path, 512, 100, &r, &err), KZ_OK);
        assert_true(kz_reader_map(r));
        FILE *f = fopen(path, "ab");
        const char *more = "tail 1\ntail 2\nend";
        fputs(more, f);
        fclose(f);
        kz_block b;
        memset(&b, 0, sizeof b);
        size_t lines = 0, bytes = 0, too_long = 0;
        int got;
        while ((got = kz_reader_block(r, &b, &err)) == 1) {
            size_t pos = 0;
            kz_line ln;
            while (kz_lines_next(&b, &pos, &ln)) {
                lines++;
                too_long += ln.too_long;
            }
            bytes = (size_t)b.offset + (b.skipped ? b.skipped : b.len);
            assert_int_equal(kz_reader_done(r, &b, &err), KZ_OK);
        }
        assert_int_equal(got, 0);
        assert_int_equal(bytes, n + strlen(more));
        assert_int_equal(kz_reader_bytes_out(r), n + strlen(more));
        size_t expect = 0;
        for (size_t i = 0; i < n; i++)
            expect += text[i] == '\n';
        assert_int_equal(lines, expect + 3);  /* the cut line joined with "tail 1" */
        assert_int_equal(too_long, k == 2 ? 1 : 0);
        kz_block_free(&b);
        kz_reader_close(r);
    }
}

struct toucher {
    const kz_block *b;
    unsigned long sum;
};

/* A worker's part: every byte of the block read. */
static void *touch(void *arg)
{
    struct toucher *t = arg;
    for (size_t i = 0; i < t->b->len; i++)
        t->sum += (unsigned char)t->b->data[i];
    return NULL;
}

/* The file shrinks while its blocks are out: the pages past the new end fault in the
 * thread that reads them, which carries on (reading zeros), and kz_reader_done says
 * which blocks were not the file's. A real SIGBUS at the page past the end, and the
 * tail of the last page (zeros without a fault), both. */
static void mapped_file_truncated_under_the_reader(void **state)
{
    (void)state;
    long page = sysconf(_SC_PAGESIZE);
    size_t block = 4 * (size_t)page, n = 64 * (size_t)page;
    char *text = malloc(n);
    for (size_t i = 0; i < n; i++)
        text[i] = i % 50 == 49 ? '\n' : (char)('a' + i % 26);
    for (int k = 0; k < 2; k++) {
        const char *path = write_file("shrink", text, n);
        kz_reader *r;
        kz_err err;
        assert_int_equal(kz_reader_open(path, block, 1000, &r, &err), KZ_OK);
        assert_true(kz_reader_map(r));
        kz_block b[4];
        memset(b, 0, sizeof b);
        for (int i = 0; i < 4; i++)
            assert_int_equal(kz_reader_block(r, &b[i], &err), 1);
        /* k = 0: cut at a page boundary inside b[2]; 1: inside a page of b[2] */
        off_t to = (off_t)(b[2].offset + (k ? 100 : (uint64_t)page * 2 - b[2].offset % (uint64_t)page));
        assert_true((uint64_t)to < b[2].offset + b[2].len);
        assert_int_equal(truncate(path, to), 0);
        for (int i = 0; i < 4; i++) {
            struct toucher t = {&b[i], 0};
            pthread_t tid;
            assert_int_equal(pthread_create(&tid, NULL, touch, &t), 0);
            assert_int_equal(pthread_join(tid, NULL), 0);
        }
        assert_int_equal(kz_reader_done(r, &b[0], &err), KZ_OK);
        assert_int_equal(kz_reader_done(r, &b[1], &err), KZ_OK);
        assert_int_equal(kz_reader_done(r, &b[2], &err), KZ_EIO);
        assert_non_null(strstr(err.msg, "shrank"));
        assert_non_null(strstr(err.msg, path));
        assert_int_equal(kz_reader_block(r, &b[0], &err), -1);  /* failed from here on */
        for (int i = 0; i < 4; i++)
            kz_block_free(&b[i]);
        kz_reader_close(r);
    }
    /* the reading thread's own window past the new end: an error from kz_reader_block */
    const char *path = write_file("shrink", text, n);
    kz_reader *r;
    kz_err err;
    assert_int_equal(kz_reader_open(path, block, 1000, &r, &err), KZ_OK);
    assert_true(kz_reader_map(r));
    kz_block b;
    memset(&b, 0, sizeof b);
    assert_int_equal(kz_reader_block(r, &b, &err), 1);
    assert_int_equal(kz_reader_done(r, &b, &err), KZ_OK);
    assert_int_equal(truncate(path, (off_t)b.len), 0);
    assert_int_equal(kz_reader_block(r, &b, &err), -1);
    assert_non_null(strstr(err.msg, "shrank"));
    kz_block_free(&b);
    kz_reader_close(r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inline_walk_agrees),
        cmocka_unit_test(mapped_blocks_are_the_read_blocks),
        cmocka_unit_test(mapped_file_that_grows_is_read_on),
        cmocka_unit_test(mapped_file_truncated_under_the_reader),
        cmocka_unit_test(small_cases),
        cmocka_unit_test(random_texts_match_a_plain_split),
        cmocka_unit_test(huge_line_is_skipped_in_bounded_memory),
        cmocka_unit_test(truncated_gzip_is_an_error_with_its_offset),
        cmocka_unit_test(block_interface_covers_the_input),
        cmocka_unit_test(reads_a_pipe),
        cmocka_unit_test(open_errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
