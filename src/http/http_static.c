/* Static files of the web interface: resolves a URL path to a regular file under one
 * root (no dot segments, no hidden files, nothing that resolves outside the root, no
 * directory listings), answers it with the Content-Type of its extension and an ETag
 * so browsers revalidate with If-None-Match, and falls back to the UI's index.html. */
#include "http/static.h"

#include "http/router.h"
#include "util/alloc.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { STATIC_MAX_BYTES = 16 * 1024 * 1024 };

/* Paths that belong to the API: never a file, never the fallback. */
static const char *const api_prefixes[] = {"/api", "/taxii2", "/feeds", NULL};

const char *const kz_static_vendor_packages[] = {"preact", "htm", NULL};

static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *media_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    for (size_t i = 0; dot && i < sizeof media_types / sizeof *media_types; i++)
        if (strcmp(dot, media_types[i].ext) == 0)
            return media_types[i].type;
    return "application/octet-stream";
}

bool kz_static_claims(const char *method, const char *path)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return false;
    for (const char *const *p = api_prefixes; *p; p++) {
        size_t n = strlen(*p);
        if (strncmp(path, *p, n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return false;
    }
    return path[0] == '/';
}

bool kz_static_path_safe(const char *rel)
{
    if (!rel[0])
        return false;
    for (const char *s = rel; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || s[0] == '.' || memchr(s, '\\', n))
            return false;
        s += n + (e ? 1 : 0);
        if (e && !*s)
            return false; /* trailing slash: a directory */
    }
    return true;
}

typedef struct found {
    int fd;
    struct stat st;
} found;

/* Opens root/rel when it is a regular file inside root (after symlinks). */
static bool open_inside(const char *root, const char *rel, found *f)
{
    char want[PATH_MAX], real_root[PATH_MAX], real_file[PATH_MAX];
    if (!kz_static_path_safe(rel) || (size_t)snprintf(want, sizeof want, "%s/%s", root, rel) >= sizeof want)
        return false;
    if (!realpath(root, real_root) || !realpath(want, real_file))
        return false;
    size_t n = strlen(real_root);
    if (strncmp(real_file, real_root, n) != 0 || real_file[n] != '/')
        return false;
    f->fd = open(real_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f->fd < 0)
        return false;
    if (fstat(f->fd, &f->st) || !S_ISREG(f->st.st_mode) || f->st.st_size > STATIC_MAX_BYTES) {
        close(f->fd);
        return false;
    }
    return true;
}

/* Reads the whole file into r->raw_heap (handed to the server). */
static kz_rc read_body(kz_req *r, found *f)
{
    size_t n = (size_t)f->st.st_size;
    char *p = kz_malloc(n ? n : 1);
    if (!p)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(f->fd, p + got, n - got);
        if (k <= 0) {
            kz_free(p);
            return kz_fail(&r->err, KZ_EIO, NULL, "cannot read a file of the web interface");
        }
        got += (size_t)k;
    }
    r->raw_heap = p;
    r->raw_len = n;
    return KZ_OK;
}

/* Sends the opened file (or 304 when the client's copy is current); closes f. */
static kz_rc answer(kz_req *r, found *f, const char *path)
{
    char *etag = kz_arena_printf(&r->arena, "\"%llx-%llx\"", (unsigned long long)f->st.st_size,
                                  (unsigned long long)f->st.st_mtim.tv_sec * 1000000000ull +
                                      (unsigned long long)f->st.st_mtim.tv_nsec);
    kz_rc rc = etag ? KZ_OK : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    const char *inm = kz_req_header(r, "If-None-Match");
    r->endpoint = "static";
    r->content_type = media_type(path);
    r->cache_control = "no-cache";
    if (!rc)
        rc = kz_reply_header(r, "ETag", etag);
    if (!rc && inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        r->status = 304;
    } else if (!rc && !(rc = read_body(r, f))) {
        r->status = 200;
    }
    close(f->fd);
    return rc;
}

/* The package root and the path inside it for /vendor/<package>/<path>. */
static bool vendor_path(const char *path, const char **pkg, size_t *pkg_len, const char **rel)
{
    const char *rest = path + strlen("/vendor/");
    for (const char *const *p = kz_static_vendor_packages; *p; p++) {
        size_t n = strlen(*p);
        if (strncmp(rest, *p, n) == 0 && rest[n] == '/') {
            *pkg = *p;
            *pkg_len = n;
            *rel = rest + n + 1;
            return true;
        }
    }
    return false;
}

static kz_rc serve(kz_req *r, const char *web_root, const char *vendor_root)
{
    found f;
    if (!web_root || !vendor_root)
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no web interface is served here");
    if (strncmp(r->path, "/vendor/", 8) == 0) {
        const char *pkg, *rel;
        size_t n;
        char root[PATH_MAX];
        if (vendor_path(r->path, &pkg, &n, &rel) &&
            (size_t)snprintf(root, sizeof root, "%s/%.*s", vendor_root, (int)n, pkg) < sizeof root &&
            open_inside(root, rel, &f))
            return answer(r, &f, rel);
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no such file");
    }
    const char *rel = r->path + 1;
    if (*rel && open_inside(web_root, rel, &f))
        return answer(r, &f, rel);
    /* Dot segments and hidden files are refused, not answered with the UI. */
    if (*rel && !kz_static_path_safe(rel) && strstr(r->path, "/."))
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no such file");
    if (open_inside(web_root, "index.html", &f))
        return answer(r, &f, "index.html");
    return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "the web interface is not installed here (no index.html)");
}

void kz_static_serve(kz_req *r, const char *web_root, const char *vendor_root)
{
    kz_rc rc = serve(r, web_root, vendor_root);
    if (rc)
        kz_router_fail(r, rc);
}
