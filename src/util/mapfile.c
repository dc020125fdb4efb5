/* Read-only file mappings and atomic file replacement. */
#include "util/mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

kz_rc kz_map_file(const char *path, const void **p, size_t *n, kz_err *err)
{
    *p = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kz_fail(err, errno == ENOENT ? KZ_ENOTFOUND : KZ_EIO, NULL, "%s: %s", path,
                       strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return kz_fail(err, KZ_EIO, NULL, "%s: %s", path, e ? strerror(e) : "not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return KZ_OK;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return kz_fail(err, KZ_EIO, NULL, "%s: cannot map: %s", path, strerror(e));
    *p = m;
    *n = (size_t)st.st_size;
    return KZ_OK;
}

void kz_unmap_file(void *ctx, const void *p, size_t n)
{
    (void)ctx;
    if (p)
        munmap((void *)p, n);
}

kz_rc kz_write_file_atomic(const char *path, const void *p, size_t n, kz_err *err)
{
    return kz_write_file_replace(path, p, n, true, 0644, err);
}

kz_rc kz_write_file_replace(const char *path, const void *p, size_t n, bool durable, int mode, kz_err *err)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= sizeof tmp)
        return kz_fail(err, KZ_EIO, NULL, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return kz_fail(err, KZ_EIO, NULL, "%s: %s", tmp, strerror(errno));
    const char *c = p;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, c + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int e = done == n ? 0 : (errno ? errno : EIO);
    if (!e && durable && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return kz_fail(err, KZ_EIO, NULL, "%s: %s", path, strerror(e));
    }
    return KZ_OK;
}
