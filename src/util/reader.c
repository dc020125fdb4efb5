/* Streaming line input (see reader.h): large reads into caller blocks cut at the last
 * newline, the partial line carried to the next block, gzip inflated on the fly
 * (zlib), over-long lines skipped in bounded memory. */
#include "util/reader.h"

#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { ZIN_SIZE = 256 << 10, SKIP_CHUNK = 64 << 10, MIN_BLOCK = 64 };

struct kz_reader {
    int fd;
    bool own_fd, regular;
    char name[256];
    size_t block_size, max_line;
    int64_t size;
    uint64_t in, out;      /* bytes read from fd; bytes of text produced */

    bool started, gzip, src_eof, z_ready, member_done, done, failed;
    kz_err error;          /* sticky once failed */
    z_stream z;
    unsigned char *zin;    /* compressed input, or the sniffed head of a plain file */
    size_t head_off, head_len;

    char *carry;           /* the partial line after a block's last newline */
    size_t carry_len, carry_cap, skip_chunk;
    bool skipping;
    uint64_t skip_bytes, skip_offset;
    uint64_t next_offset;  /* offset of carry[0] in the text */
    uint64_t seq;

    kz_block blk;          /* kz_reader_next's own block */
    bool blk_live;
    size_t pos;
    uint64_t line_no;
};

static int fail_io(kz_reader *r, kz_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_io(kz_reader *r, kz_rc rc, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kz_fail(&r->error, rc, "input", "%s: %s", r->name, msg);
    r->failed = true;
    return -1;
}

kz_rc kz_reader_open_fd(int fd, const char *name, size_t block_size, size_t max_line,
                        kz_reader **out, kz_err *err)
{
    if (!block_size)
        block_size = KZ_READER_BLOCK;
    if (block_size < MIN_BLOCK)
        block_size = MIN_BLOCK;
    if (!max_line)
        max_line = KZ_READER_MAX_LINE;
    if (max_line > block_size / 2)
        max_line = block_size / 2;
    kz_reader *r = kz_calloc(1, sizeof *r);
    if (!r)
        return kz_fail(err, KZ_ENOMEM, "input", NULL);
    r->fd = fd;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->block_size = block_size;
    r->max_line = max_line;
    r->skip_chunk = block_size / 2 < SKIP_CHUNK ? block_size / 2 : SKIP_CHUNK;
    r->carry_cap = max_line > r->skip_chunk ? max_line : r->skip_chunk;
    r->carry = kz_malloc(r->carry_cap);
    r->zin = kz_malloc(ZIN_SIZE);
    if (!r->carry || !r->zin) {
        kz_free(r->carry);
        kz_free(r->zin);
        kz_free(r);
        return kz_fail(err, KZ_ENOMEM, "input", NULL);
    }
    struct stat st;
    r->size = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        r->regular = true;
        r->size = st.st_size;
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    *out = r;
    return KZ_OK;
}

kz_rc kz_reader_open(const char *path, size_t block_size, size_t max_line, kz_reader **out,
                     kz_err *err)
{
    if (strcmp(path, "-") == 0)
        return kz_reader_open_fd(STDIN_FILENO, "stdin", block_size, max_line, out, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kz_fail(err, KZ_EIO, "input", "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return kz_fail(err, KZ_EIO, "input", "%s: is a directory", path);
    }
    kz_rc rc = kz_reader_open_fd(fd, path, block_size, max_line, out, err);
    if (rc != KZ_OK) {
        close(fd);
        return rc;
    }
    (*out)->own_fd = true;
    return KZ_OK;
}

void kz_reader_close(kz_reader *r)
{
    if (!r)
        return;
    if (r->z_ready)
        inflateEnd(&r->z);
    if (r->own_fd)
        close(r->fd);
    kz_block_free(&r->blk);
    kz_free(r->carry);
    kz_free(r->zin);
    kz_free(r);
}

/* read(2) until n bytes or the end; -1 on an error. */
static ssize_t read_fd(kz_reader *r, void *buf, size_t n)
{
    for (;;) {
        ssize_t got = read(r->fd, buf, n);
        if (got >= 0) {
            r->in += (uint64_t)got;
            return got;
        }
        if (errno != EINTR)
            return fail_io(r, KZ_EIO, "read failed at byte %llu: %s", (unsigned long long)r->in,
                           strerror(errno));
    }
}

/* Reads the first bytes and decides between plain text and gzip (RFC 1952 magic). */
static int sniff(kz_reader *r)
{
    r->started = true;
    while (r->head_len < 2) {
        ssize_t got = read_fd(r, r->zin + r->head_len, ZIN_SIZE - r->head_len);
        if (got < 0)
            return -1;
        if (got == 0) {
            r->src_eof = true;
            break;
        }
        r->head_len += (size_t)got;
    }
    if (r->head_len >= 2 && r->zin[0] == 0x1F && r->zin[1] == 0x8B) {
        r->gzip = true;
        memset(&r->z, 0, sizeof r->z);
        if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
            return fail_io(r, KZ_ENOMEM, "cannot start gzip decompression");
        r->z_ready = true;
        r->z.next_in = r->zin;
        r->z.avail_in = (uInt)r->head_len;
        r->head_len = 0;
    }
    return 0;
}

static ssize_t read_gzip(kz_reader *r, char *buf, size_t n)
{
    r->z.next_out = (unsigned char *)buf;
    r->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    uInt want = r->z.avail_out;
    while (r->z.avail_out == want) {
        if (r->z.avail_in == 0) {
            if (r->src_eof) {
                if (!r->member_done)
                    return fail_io(r, KZ_ECORRUPT,
                                   "truncated gzip input: the compressed data ends at byte %llu "
                                   "before the end of its stream (%llu bytes of text decoded; "
                                   "the incomplete last line is not processed)",
                                   (unsigned long long)r->in, (unsigned long long)r->out);
                return 0;
            }
            ssize_t got = read_fd(r, r->zin, ZIN_SIZE);
            if (got < 0)
                return -1;
            if (got == 0) {
                r->src_eof = true;
                continue;
            }
            r->z.next_in = r->zin;
            r->z.avail_in = (uInt)got;
        }
        if (r->member_done) {
            /* Another member follows (pigz, logrotate appends); anything else is not gzip. */
            if (r->z.next_in[0] != 0x1F)
                return fail_io(r, KZ_ECORRUPT, "data that is not gzip after the end of the "
                               "compressed stream, at byte %llu",
                               (unsigned long long)(r->in - r->z.avail_in));
            inflateReset(&r->z);
            r->member_done = false;
        }
        int rc = inflate(&r->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            r->member_done = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return fail_io(r, KZ_ECORRUPT, "corrupt gzip data at byte %llu: %s",
                           (unsigned long long)(r->in - r->z.avail_in),
                           r->z.msg ? r->z.msg : "inflate failed");
        }
    }
    return (ssize_t)(want - r->z.avail_out);
}

/* Up to n bytes of text; 0 at the end, -1 on an error. */
static ssize_t src_read(kz_reader *r, char *buf, size_t n)
{
    if (r->failed)
        return -1;
    if (!r->started && sniff(r) < 0)
        return -1;
    ssize_t got;
    if (r->gzip) {
        got = read_gzip(r, buf, n);
    } else if (r->head_off < r->head_len) {
        size_t k = r->head_len - r->head_off;
        if (k > n)
            k = n;
        memcpy(buf, r->zin + r->head_off, k);
        r->head_off += k;
        got = (ssize_t)k;
    } else if (r->src_eof) {
        got = 0;
    } else {
        got = read_fd(r, buf, n);
    }
    if (got > 0)
        r->out += (uint64_t)got;
    return got;
}

/* Whether more input can be had without waiting: false only on a pipe or terminal with
 * nothing pending, so that a live stream is processed as it comes. */
static bool more_ready(kz_reader *r)
{
    if (r->regular || (r->gzip && r->z.avail_in > 0) || r->head_off < r->head_len)
        return true;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

kz_rc kz_block_init(kz_block *b, const kz_reader *r)
{
    memset(b, 0, sizeof *b);
    b->data = kz_malloc(r->block_size);
    if (!b->data)
        return KZ_ENOMEM;
    b->cap = r->block_size;
    b->max_line = r->max_line;
    return KZ_OK;
}

void kz_block_free(kz_block *b)
{
    kz_free(b->data);
    memset(b, 0, sizeof *b);
}

/* Continues dropping an over-long line; fills b as its stand-in once its newline (or
 * the end) is found. */
static int skip_line(kz_reader *r, kz_block *b, kz_err *err)
{
    for (;;) {
        ssize_t got = src_read(r, r->carry, r->skip_chunk);
        if (got < 0) {
            if (err)
                *err = r->error;
            return -1;
        }
        size_t rest = 0;
        if (got == 0) {
            r->done = true;
        } else {
            char *nl = memchr(r->carry, '\n', (size_t)got);
            if (!nl) {
                r->skip_bytes += (uint64_t)got;
                continue;
            }
            r->skip_bytes += (uint64_t)(nl - r->carry);
            rest = (size_t)got - (size_t)(nl - r->carry) - 1;
            memmove(r->carry, nl + 1, rest);
        }
        r->carry_len = rest;
        r->skipping = false;
        b->len = 0;
        b->offset = r->skip_offset;
        b->skipped = r->skip_bytes;
        r->next_offset = r->skip_offset + r->skip_bytes + (got ? 1 : 0);
        return 1;
    }
}

int kz_reader_block(kz_reader *r, kz_block *b, kz_err *err)
{
    if (r->failed) {
        if (err)
            *err = r->error;
        return -1;
    }
    if (b->cap != r->block_size) {
        char *d = kz_realloc(b->data, r->block_size);
        if (!d) {
            kz_fail(err, KZ_ENOMEM, "input", NULL);
            return -1;
        }
        b->data = d;
        b->cap = r->block_size;
    }
    b->seq = r->seq++;
    b->skipped = 0;
    b->len = 0;
    b->max_line = r->max_line;
    if (r->skipping)
        return skip_line(r, b, err);
    if (r->done) {
        r->seq--;
        return 0;
    }
    b->offset = r->next_offset;
    memcpy(b->data, r->carry, r->carry_len);
    size_t len = r->carry_len;
    r->carry_len = 0;
    bool eof = false, error = false, have_nl = false;
    while (len < b->cap) {
        ssize_t got = src_read(r, b->data + len, b->cap - len);
        if (got < 0) {
            error = true;
            break;
        }
        if (got == 0) {
            eof = true;
            break;
        }
        len += (size_t)got;
        if (!r->regular) {
            have_nl = have_nl || memchr(b->data + len - (size_t)got, '\n', (size_t)got);
            if (have_nl && !more_ready(r))
                break;
        }
    }
    char *nl = len ? memrchr(b->data, '\n', len) : NULL;
    if (error) {
        /* Deliver the whole lines read before the error; the error comes next call. */
        len = nl ? (size_t)(nl - b->data) + 1 : 0;
        r->done = true;
    } else if (eof) {
        r->done = true;  /* the last line may lack its newline: it is a line all the same */
    } else if (nl) {
        size_t keep = (size_t)(nl - b->data) + 1, rest = len - keep;
        if (rest > r->max_line) {
            r->skipping = true;
            r->skip_bytes = rest;
            r->skip_offset = b->offset + keep;
        } else {
            memcpy(r->carry, nl + 1, rest);
            r->carry_len = rest;
        }
        len = keep;
    } else {
        /* A full block without a newline: one line longer than the block. */
        r->skipping = true;
        r->skip_bytes = len;
        r->skip_offset = b->offset;
        return skip_line(r, b, err);
    }
    if (len == 0) {
        r->seq--;
        if (r->failed) {
            if (err)
                *err = r->error;
            return -1;
        }
        return 0;
    }
    b->len = len;
    r->next_offset = b->offset + len;
    if (error || r->failed)
        r->done = true;
    return 1;
}

bool kz_lines_next(const kz_block *b, size_t *pos, kz_line *line)
{
    if (b->skipped) {
        if (*pos)
            return false;
        *pos = 1;
        line->p = NULL;
        line->len = (size_t)b->skipped;
        line->too_long = true;
        return true;
    }
    return *pos < b->len && kz__lines_cut(b, pos, line);
}

int kz_reader_next(kz_reader *r, kz_line *line, kz_err *err)
{
    if (!r->blk.data && kz_block_init(&r->blk, r) != KZ_OK)
        return kz_fail(err, KZ_ENOMEM, "input", NULL), -1;
    for (;;) {
        if (r->blk_live) {
            size_t start = r->pos;
            if (kz_lines_next(&r->blk, &r->pos, line)) {
                line->no = ++r->line_no;
                line->offset = r->blk.offset + (r->blk.skipped ? 0 : start);
                return 1;
            }
            r->blk_live = false;
        }
        int got = kz_reader_block(r, &r->blk, err);
        if (got <= 0)
            return got;
        r->blk_live = true;
        r->pos = 0;
    }
}

uint64_t kz_reader_bytes_in(const kz_reader *r) { return r->in; }
uint64_t kz_reader_bytes_out(const kz_reader *r) { return r->out; }
int64_t kz_reader_size(const kz_reader *r) { return r->size; }
bool kz_reader_gzip(const kz_reader *r) { return r->gzip; }
