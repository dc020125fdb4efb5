/* Streaming line input: a file or stdin ("-"), plain or gzip (detected by its magic
 * bytes, several members allowed as logrotate and pigz write them), read in large
 * blocks that always end on a line boundary, lines handed out as pointer + length into
 * the block without copying. Every line has a hard ceiling: a longer line is reported
 * (flagged, counted) and skipped, whatever its length, and memory stays bounded.
 *
 * Two ways to consume it:
 *   - kz_reader_next: one line at a time, with its 1-based number and byte offset.
 *   - kz_reader_block: whole blocks, for handing to worker threads; each block carries
 *     its byte offset and sequence number, and kz_lines_next walks its lines. Line
 *     numbers are then the sum of the line counts of the blocks before (the workers
 *     count them, so the reading thread never scans for newlines a second time).
 *
 * A regular file may instead be mapped (kz_reader_map): its blocks are then views of
 * the mapping, cut exactly where reading would have cut them, and the reading thread
 * copies nothing. A mapped file that shrinks under the reader cannot crash the process:
 * the pages past its new end read as zeros, and kz_reader_done, called for every block
 * in order once its lines are used, says that block's lines were not the file's (see
 * reader.c for how).
 *
 * A reader belongs to one thread; blocks are plain memory that may move between
 * threads. zlib lives behind this module only. */
#ifndef KZ_UTIL_READER_H
#define KZ_UTIL_READER_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum {
    KZ_READER_BLOCK = 4 << 20,    /* default block size */
    KZ_READER_MAX_LINE = 1 << 20, /* default ceiling on a line, without its newline */
};

typedef struct kz_reader kz_reader;

/* A run of whole lines (the last line of the input may lack its '\n'), or, when
 * skipped > 0, the stand-in for one over-long line of `skipped` bytes that was dropped
 * while reading (data is then empty). */
typedef struct kz_block {
    const char *data; /* the lines: buf, or a view of the reader's mapping */
    size_t len;
    char *buf;        /* owned by the block (kz_block_init / kz_block_free) */
    size_t cap;       /* of buf */
    bool view;        /* data points into the mapping, valid until kz_reader_close */
    uint64_t offset;  /* byte offset of data[0] (or of the skipped line) in the input,
                         after decompression */
    uint64_t seq;     /* 0, 1, 2, ... in reading order */
    uint64_t skipped;
    size_t max_line;  /* the reader's ceiling, for kz_lines_next */
} kz_block;

/* One line: text without the '\n' (and without a '\r' before it). When too_long, the
 * line (counted with its '\r', if any) is over the ceiling: p is NULL, len its length,
 * and the caller reports it. */
typedef struct kz_line {
    const char *p;
    size_t len;
    bool too_long;
    uint64_t no;      /* kz_reader_next only: 1-based line number */
    uint64_t offset;  /* kz_reader_next only: byte offset of the line's first byte */
} kz_line;

/* Opens path ("-" for stdin) for reading in blocks of block_size bytes (0: the
 * default) with a ceiling of max_line bytes per line (0: the default; at most half the
 * block size). KZ_EIO with the reason when the file cannot be opened. The caller
 * closes *out with kz_reader_close. */
kz_rc kz_reader_open(const char *path, size_t block_size, size_t max_line, kz_reader **out,
                     kz_err *err);

/* Same, on an already open descriptor (not closed by the reader); name is for messages. */
kz_rc kz_reader_open_fd(int fd, const char *name, size_t block_size, size_t max_line,
                        kz_reader **out, kz_err *err);

/* Reads the file of a reader that has handed out nothing yet through a read-only
 * mapping instead of read(2), when it is a regular, non-empty file that is not gzip
 * (anything else keeps reading, and so does a file that cannot be mapped): returns
 * whether it is mapped. The blocks are the same, byte for byte and cut for cut; a file
 * that grows while it is read is read on past the mapped end with read(2), as without
 * the mapping. The caller must then call kz_reader_done for every block, in order, and
 * use no block after kz_reader_close. */
bool kz_reader_map(kz_reader *r);

/* Tells the reader that the lines of b, its next block in reading order, are used (no
 * thread touches them any more). For a block of a mapped file: KZ_OK when they were the
 * file's, or KZ_EIO when the file shrank (or its pages could not be read) under them
 * -- err says from which byte; the lines of b and of every later block are then not
 * the file's, and the reader fails from here on. The block's pages are let go either
 * way (so a mapped file is not all resident at the end). KZ_OK for other blocks. */
kz_rc kz_reader_done(kz_reader *r, const kz_block *b, kz_err *err);

/* Closes the file (unless it came from kz_reader_open_fd) and frees the reader. */
void kz_reader_close(kz_reader *r);

/* Next line: 1 and *line filled (valid until the next call), 0 at the end of the
 * input, -1 on an error (err says what and at which byte; the lines before it were
 * all delivered). Over-long lines come back with too_long set. */
int kz_reader_next(kz_reader *r, kz_line *line, kz_err *err);

/* Allocates a block able to hold the reader's block size. KZ_ENOMEM on failure. */
kz_rc kz_block_init(kz_block *b, const kz_reader *r);
void kz_block_free(kz_block *b);

/* Fills b with the next block: 1 when filled, 0 at the end, -1 on an error (as for
 * kz_reader_next). A zeroed b gets its memory here (free it with kz_block_free). Do not
 * mix with kz_reader_next on the same reader. */
int kz_reader_block(kz_reader *r, kz_block *b, kz_err *err);

/* Walks the lines of a block: set *pos to 0 first; each call gives the next line and
 * returns true, or returns false after the last one. Thread-safe on distinct blocks. */
bool kz_lines_next(const kz_block *b, size_t *pos, kz_line *line);

/* The line of a block that is not a skipped line, from *pos < b->len: kz_lines_next's
 * common case, here so that kz_lines_next_inline shares it. */
static inline bool kz__lines_cut(const kz_block *b, size_t *pos, kz_line *line)
{
    const char *s = b->data + *pos;
    const char *nl = memchr(s, '\n', b->len - *pos);
    size_t len = nl ? (size_t)(nl - s) : b->len - *pos;
    *pos += len + (nl ? 1 : 0);
    /* The ceiling counts the line as stored, '\r' included, as the skipping reader does. */
    bool too_long = len > b->max_line;
    if (!too_long && len && s[len - 1] == '\r')
        len--;
    line->too_long = too_long;
    line->p = too_long ? NULL : s;
    line->len = len;
    return true;
}

/* kz_lines_next inline, for the matcher's workers (a call a line less). */
static inline bool kz_lines_next_inline(const kz_block *b, size_t *pos, kz_line *line)
{
    if (b->skipped || *pos >= b->len)
        return kz_lines_next(b, pos, line);
    return kz__lines_cut(b, pos, line);
}

/* Bytes taken from the file so far (compressed, for progress) and bytes of text
 * delivered after decompression. */
uint64_t kz_reader_bytes_in(const kz_reader *r);
uint64_t kz_reader_bytes_out(const kz_reader *r);

/* Size of the file in bytes when it is a regular file, else -1 (a pipe). */
int64_t kz_reader_size(const kz_reader *r);

/* True once gzip input was detected. */
bool kz_reader_gzip(const kz_reader *r);

#endif
