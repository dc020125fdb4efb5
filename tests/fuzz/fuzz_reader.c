/* Fuzz target: the streaming reader. The first two bytes pick the block size and the
 * line ceiling; the rest is the input, plain or gzip (seeds include gzip files). The
 * lines handed out must add up to the text read, whatever the input: binary, broken
 * gzip, over-long lines. And the blocks of the file mapped (kz_reader_map) must be the
 * blocks of the file read, one for one. */
#include "fuzz_target.h"
#include "util/reader.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The blocks of fd read and mapped, in step: the same seq, offset, length, skipped
 * count and bytes, and the same end. */
static void same_blocks(int fd, size_t block, size_t max_line)
{
    kz_reader *a, *m;
    kz_err err;
    if (lseek(fd, 0, SEEK_SET) != 0 || kz_reader_open_fd(fd, "fuzz", block, max_line, &a, &err) != KZ_OK)
        return;
    int fd2 = dup(fd);
    if (fd2 < 0 || kz_reader_open_fd(fd2, "fuzz", block, max_line, &m, &err) != KZ_OK) {
        kz_reader_close(a);
        if (fd2 >= 0)
            close(fd2);
        return;
    }
    /* dup shares the file position: read one reader fully first */
    kz_block ba, bm;
    memset(&ba, 0, sizeof ba);
    memset(&bm, 0, sizeof bm);
    size_t n = 0, cap = 0;
    kz_block *seen = NULL;
    int ga;
    while ((ga = kz_reader_block(a, &ba, &err)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            seen = realloc(seen, cap * sizeof *seen);
            if (!seen)
                abort();
        }
        seen[n] = ba;
        seen[n].buf = malloc(ba.len + 1);
        if (!seen[n].buf)
            abort();
        memcpy(seen[n].buf, ba.data, ba.len);
        n++;
    }
    if (lseek(fd2, 0, SEEK_SET) != 0)
        abort();
    bool mapped = kz_reader_map(m);
    size_t i = 0;
    int gm;
    while ((gm = kz_reader_block(m, &bm, &err)) == 1) {
        if (i >= n || bm.seq != seen[i].seq || bm.offset != seen[i].offset || bm.len != seen[i].len ||
            bm.skipped != seen[i].skipped || bm.view != mapped || memcmp(bm.data, seen[i].buf, bm.len) != 0)
            abort();
        if (kz_reader_done(m, &bm, &err) != KZ_OK)
            abort();
        i++;
    }
    if (gm != ga || i != n || kz_reader_bytes_out(m) != kz_reader_bytes_out(a))
        abort();
    for (i = 0; i < n; i++)
        free(seen[i].buf);
    free(seen);
    kz_block_free(&ba);
    kz_block_free(&bm);
    kz_reader_close(a);
    kz_reader_close(m);
    close(fd2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t block = 64 + (size_t)data[0] * 8, max_line = 1 + data[1];
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data + 2, size - 2) != (ssize_t)(size - 2) || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return 0;
    }
    kz_reader *r;
    kz_err err;
    if (kz_reader_open_fd(fd, "fuzz", block, max_line, &r, &err) != KZ_OK) {
        close(fd);
        return 0;
    }
    kz_line ln;
    uint64_t bytes = 0, last_no = 0;
    int rc;
    while ((rc = kz_reader_next(r, &ln, &err)) == 1) {
        if (ln.no != last_no + 1 || ln.offset != bytes)
            abort();
        last_no = ln.no;
        if (ln.too_long != (ln.p == NULL))
            abort();
        /* the raw line is len bytes, plus a '\r' when it was stripped, plus the '\n' */
        size_t raw = ln.len;
        if (!ln.too_long && bytes + raw < kz_reader_bytes_out(r) &&
            ln.p[raw] == '\r')
            raw++;
        bytes += raw + 1;
    }
    if (rc == 0 && bytes < kz_reader_bytes_out(r))
        abort();
    kz_reader_close(r);
    same_blocks(fd, block, max_line);
    close(fd);
    return 0;
}
