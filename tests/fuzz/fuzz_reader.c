/* Fuzz target: the streaming reader. The first two bytes pick the block size and the
 * line ceiling; the rest is the input, plain or gzip (seeds include gzip files). The
 * lines handed out must add up to the text read, whatever the input: binary, broken
 * gzip, over-long lines. */
#include "fuzz_target.h"
#include "util/reader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
    close(fd);
    return 0;
}
