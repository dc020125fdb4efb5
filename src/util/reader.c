/* Streaming line input (see reader.h): large reads into caller blocks cut at the last
 * newline, the partial line carried to the next block, gzip inflated on the fly
 * (zlib), over-long lines skipped in bounded memory.
 *
 * A mapped file (kz_reader_map) gives views of one read-only mapping of the whole file,
 * cut where the reads would have cut them (a window of block_size bytes from the end
 * of the last block, cut at its last newline; the same rules for over-long lines and
 * for the end), so nothing downstream can tell the two apart -- except that the
 * reading thread no longer copies each byte out of the page cache.
 *
 * The price of a mapping is SIGBUS: a page of the mapping that lies wholly past the
 * file's end (a log truncated under the reader, logrotate's copytruncate) or that the
 * kernel cannot read (an I/O error) faults on access, in whichever thread touches it
 * -- the reading thread or a worker deep inside a parser. Unwinding such a thread
 * (siglongjmp) would abandon whatever it held: a mutex, an allocation half made, a
 * parser's state. Instead the fault is repaired where it happens: one process-wide
 * SIGBUS handler (installed at each mapping unless it is in place) looks the address up in a small
 * table of the live mappings (lock-free: atomics only, as a handler must), maps
 * anonymous zero pages over the faulting page and everything after it in that mapping
 * (MAP_FIXED: one mmap(2), a system call with no library state, so safe in a handler),
 * notes the lowest such offset, and returns; the access is retried and reads zeros.
 * Every thread carries on with its block and finishes normally. kz_reader_done then
 * judges each block in order: if a fault was noted below its end, or the file is now
 * shorter than its end (the tail of the last page past a new end reads as zeros
 * without any fault), its lines were not the file's -- KZ_EIO with the byte offset,
 * and that block and all later ones are dropped by the caller. A SIGBUS at an address
 * outside every registered mapping is not ours: the previous disposition is put back
 * and the access retried, so it kills the process as it would have. */
#include "util/reader.h"

#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { ZIN_SIZE = 256 << 10, SKIP_CHUNK = 64 << 10, MIN_BLOCK = 64, MAP_SLOTS = 32 };

/* ---- the live mappings, for the SIGBUS handler ---------------------------------- */

typedef struct map_slot {
    atomic_bool busy;           /* claimed by a reader */
    atomic_uintptr_t base;      /* 0 while not published */
    atomic_size_t span;         /* bytes mapped, whole pages */
    atomic_uint_least64_t bad;  /* lowest offset zero-filled by the handler; UINT64_MAX: none */
} map_slot;

static map_slot slots[MAP_SLOTS];
static struct sigaction old_bus;
static size_t page_size;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int saved = errno;
    uintptr_t a = (uintptr_t)si->si_addr;
    for (int i = 0; i < MAP_SLOTS; i++) {
        uintptr_t base = atomic_load(&slots[i].base);
        size_t span = atomic_load(&slots[i].span);
        if (!base || a < base || a - base >= span)
            continue;
        uintptr_t page = a & ~(uintptr_t)(page_size - 1);
        if (mmap((void *)page, base + span - page, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
            break;
        uint_least64_t off = page - base, cur = atomic_load(&slots[i].bad);
        while (off < cur && !atomic_compare_exchange_weak(&slots[i].bad, &cur, off))
            ;
        errno = saved;
        return;
    }
    /* not a mapped file's fault (or it cannot be repaired): as if we had no handler */
    sigaction(sig, &old_bus, NULL);
    errno = saved;
}

static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;

/* The handler in place for SIGBUS: installed at the first mapping, and again at a later
 * one if something replaced it since (a test harness does), the replacement then being
 * the disposition that faults not ours go back to. */
static bool install_bus(void)
{
    pthread_mutex_lock(&bus_lock);
    if (!page_size) {
        long ps = sysconf(_SC_PAGESIZE);
        page_size = ps > 0 ? (size_t)ps : 4096;
    }
    struct sigaction cur;
    bool ok = sigaction(SIGBUS, NULL, &cur) == 0;
    if (ok && !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        old_bus = cur;
        ok = sigaction(SIGBUS, &sa, NULL) == 0;
    }
    pthread_mutex_unlock(&bus_lock);
    return ok;
}

/* A free slot for [base, base + span), published; NULL when the table is full. */
static map_slot *slot_add(const void *base, size_t span)
{
    for (int i = 0; i < MAP_SLOTS; i++) {
        bool no = false;
        if (!atomic_compare_exchange_strong(&slots[i].busy, &no, true))
            continue;
        atomic_store(&slots[i].bad, UINT64_MAX);
        atomic_store(&slots[i].span, span);
        atomic_store(&slots[i].base, (uintptr_t)base);
        return &slots[i];
    }
    return NULL;
}

static void slot_remove(map_slot *m)
{
    atomic_store(&m->base, 0);
    atomic_store(&m->busy, false);
}

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

    /* a mapped file (kz_reader_map); reading goes on by read(2) from map_len once the
       file is found to have grown past it (map_read) */
    const char *map;
    size_t map_len, map_span;
    map_slot *slot;
    bool map_read;
    uint64_t released;     /* pages before this offset were let go (kz_reader_done) */

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
    if (r->map) {
        slot_remove(r->slot);
        munmap((void *)r->map, r->map_span);
    }
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
    b->buf = kz_malloc(r->block_size);
    if (!b->buf)
        return KZ_ENOMEM;
    b->data = b->buf;
    b->cap = r->block_size;
    b->max_line = r->max_line;
    return KZ_OK;
}

void kz_block_free(kz_block *b)
{
    kz_free(b->buf);
    memset(b, 0, sizeof *b);
}

/* b's own buffer, of the block size. */
static int block_buf(kz_reader *r, kz_block *b, kz_err *err)
{
    if (b->cap != r->block_size || !b->buf) {
        char *d = kz_realloc(b->buf, r->block_size);
        if (!d) {
            kz_fail(err, KZ_ENOMEM, "input", NULL);
            return -1;
        }
        b->buf = d;
        b->cap = r->block_size;
    }
    b->data = b->buf;
    b->view = false;
    return 0;
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

/* The rest of a block by read(2), after its first len bytes (already in b->buf), cut at
 * its last newline. */
static int read_block(kz_reader *r, kz_block *b, size_t len, kz_err *err)
{
    bool eof = false, error = false, have_nl = false;
    while (len < b->cap) {
        ssize_t got = src_read(r, b->buf + len, b->cap - len);
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
            have_nl = have_nl || memchr(b->buf + len - (size_t)got, '\n', (size_t)got);
            if (have_nl && !more_ready(r))
                break;
        }
    }
    char *nl = len ? memrchr(b->buf, '\n', len) : NULL;
    if (error) {
        /* Deliver the whole lines read before the error; the error comes next call. */
        len = nl ? (size_t)(nl - b->buf) + 1 : 0;
        r->done = true;
    } else if (eof) {
        r->done = true;  /* the last line may lack its newline: it is a line all the same */
    } else if (nl) {
        size_t keep = (size_t)(nl - b->buf) + 1, rest = len - keep;
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

/* ---- a mapped file ------------------------------------------------------------ */

static int map_gone(kz_reader *r, uint64_t from, kz_err *err)
{
    if (!r->failed)
        fail_io(r, KZ_EIO, "the file shrank or could not be read while it was being read: its "
                "bytes from %llu on are gone (truncated under the reader?)",
                (unsigned long long)from);
    if (err)
        *err = r->error;
    return -1;
}

/* A block cut from the mapping: whether a fault was already noted below its end (the
 * reading thread's own accesses), so that the caller learns it at once. */
static int map_checked(kz_reader *r, kz_err *err)
{
    uint64_t bad = atomic_load(&r->slot->bad);
    return bad < r->next_offset ? map_gone(r, bad, err) : 1;
}

/* Whether the file is longer than the mapping now: it grew while it was read. */
static bool map_grew(const kz_reader *r)
{
    struct stat st;
    return fstat(r->fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size > r->map_len;
}

static void map_seen(kz_reader *r, uint64_t end)
{
    if (end > r->in)
        r->in = r->out = end;
}

/* The file grew past the mapping: reading goes on by read(2) from the mapped end, as
 * without the mapping, the mapped bytes from `from` on starting b (or, while skipping an
 * over-long line, counted in it already). */
static int map_to_read(kz_reader *r, kz_block *b, uint64_t from, kz_err *err)
{
    r->map_read = true;
    if (block_buf(r, b, err) < 0)
        return -1;
    if (lseek(r->fd, (off_t)r->map_len, SEEK_SET) < 0) {
        fail_io(r, KZ_EIO, "cannot seek to byte %zu: %s", r->map_len, strerror(errno));
        if (err)
            *err = r->error;
        return -1;
    }
    map_seen(r, r->map_len);
    if (r->skipping)
        return skip_line(r, b, err);
    size_t len = r->map_len - (size_t)from;
    memcpy(b->buf, r->map + from, len);
    b->offset = from;
    return read_block(r, b, len, err);
}

/* Continues an over-long line in the mapping; b becomes its stand-in. */
static int map_skip(kz_reader *r, kz_block *b, kz_err *err)
{
    size_t from = (size_t)(r->skip_offset + r->skip_bytes);
    const char *nl = memchr(r->map + from, '\n', r->map_len - from);
    if (!nl) {
        r->skip_bytes += r->map_len - from;
        if (map_grew(r))
            return map_to_read(r, b, r->map_len, err);
        r->done = true;
    } else {
        r->skip_bytes += (uint64_t)(nl - (r->map + from));
    }
    r->skipping = false;
    b->data = r->map + r->skip_offset;
    b->offset = r->skip_offset;
    b->skipped = r->skip_bytes;
    r->next_offset = r->skip_offset + r->skip_bytes + (nl ? 1 : 0);
    map_seen(r, r->next_offset);
    return map_checked(r, err);
}

/* The next window of block_size bytes of the mapping, cut as read_block cuts. */
static int map_block(kz_reader *r, kz_block *b, kz_err *err)
{
    b->view = true;
    if (r->skipping)
        return map_skip(r, b, err);
    if (r->done) {
        r->seq--;
        return 0;
    }
    uint64_t off = r->next_offset;
    size_t avail = r->map_len - (size_t)off;
    const char *s = r->map + off;
    b->data = s;
    b->offset = off;
    if (avail < r->block_size) {
        /* the reads would meet the end here, or read on if the file has grown */
        if (map_grew(r))
            return map_to_read(r, b, off, err);
        r->done = true;
        map_seen(r, r->map_len);
        if (!avail) {
            r->seq--;
            return 0;
        }
        b->len = avail;
    } else {
        map_seen(r, off + r->block_size);
        const char *nl = memrchr(s, '\n', r->block_size);
        if (!nl) {
            /* a window without a newline: one line longer than the block */
            r->skipping = true;
            r->skip_bytes = r->block_size;
            r->skip_offset = off;
            return map_skip(r, b, err);
        }
        size_t keep = (size_t)(nl - s) + 1, rest = r->block_size - keep;
        if (rest > r->max_line) {
            r->skipping = true;
            r->skip_bytes = rest;
            r->skip_offset = off + keep;
        }
        b->len = keep;
    }
    r->next_offset = off + b->len;
    return map_checked(r, err);
}

bool kz_reader_map(kz_reader *r)
{
    struct stat st;
    if (!r->regular || r->started || r->map || fstat(r->fd, &st) != 0 || st.st_size <= 0 ||
        (uint64_t)st.st_size > SIZE_MAX / 2 || lseek(r->fd, 0, SEEK_CUR) != 0)
        return false;
    if (!install_bus())
        return false;
    size_t len = (size_t)st.st_size, span = (len + page_size - 1) & ~(page_size - 1);
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, r->fd, 0);
    if (p == MAP_FAILED)
        return false;
    map_slot *m = slot_add(p, span);
    if (!m) {
        munmap(p, len);
        return false;
    }
    /* read ahead from the page cache or the disk (bench/RESULTS.md, perf-read: beside
       SEQUENTIAL alone, or each block populated by the reading thread, within the noise
       and never worse) */
    madvise(p, len, MADV_SEQUENTIAL);
    madvise(p, len, MADV_WILLNEED);
    const unsigned char *u = p;
    if (len >= 2 && u[0] == 0x1F && u[1] == 0x8B) {
        slot_remove(m);
        munmap(p, len);
        return false;  /* gzip: inflated from read(2) */
    }
    r->map = p;
    r->map_len = len;
    r->map_span = span;
    r->slot = m;
    r->size = st.st_size;
    r->started = true;
    return true;
}

kz_rc kz_reader_done(kz_reader *r, const kz_block *b, kz_err *err)
{
    if (!b->view || !r->map)
        return KZ_OK;
    uint64_t end = b->offset + (b->skipped ? b->skipped : b->len);
    uint64_t bad = atomic_load(&r->slot->bad);
    struct stat st;
    /* past a new end inside its last page the bytes read as zeros, without a fault */
    if (bad >= end && fstat(r->fd, &st) == 0 && (uint64_t)st.st_size < end)
        bad = (uint64_t)st.st_size;
    if (bad < end) {
        map_gone(r, bad, err);
        return KZ_EIO;
    }
    uint64_t upto = end / page_size * page_size;  /* the page of `end` is the next block's too */
    if (upto > r->released) {
        madvise((void *)(r->map + r->released), (size_t)(upto - r->released), MADV_DONTNEED);
        r->released = upto;
    }
    return KZ_OK;
}

int kz_reader_block(kz_reader *r, kz_block *b, kz_err *err)
{
    if (r->failed) {
        if (err)
            *err = r->error;
        return -1;
    }
    b->skipped = 0;
    b->len = 0;
    b->max_line = r->max_line;
    if (r->map && !r->map_read) {
        b->seq = r->seq++;
        return map_block(r, b, err);
    }
    if (block_buf(r, b, err) < 0)
        return -1;
    b->seq = r->seq++;
    if (r->skipping)
        return skip_line(r, b, err);
    if (r->done) {
        r->seq--;
        return 0;
    }
    b->offset = r->next_offset;
    memcpy(b->buf, r->carry, r->carry_len);
    size_t len = r->carry_len;
    r->carry_len = 0;
    return read_block(r, b, len, err);
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
