/* The node key file: parsing and writing its text ("name hex" lines), and reading and
 * creating the file itself with the permissions a secret needs (see crypto/keyfile.h). */
#include "crypto/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[] = "kizuna-keys 1";

/* The secret lines: name, offset in kz_keyset, bytes. */
static const struct {
    const char *name;
    size_t off, len;
} fields[] = {
    {"sign-key", offsetof(kz_keyset, sign_sk), KZ_SIGN_SK_BYTES},
    {"answer-key", offsetof(kz_keyset, answer_key), KZ_TOKEN_BYTES},
    {"victim-key", offsetof(kz_keyset, victim_key), KZ_TOKEN_BYTES},
};
enum { NFIELDS = sizeof fields / sizeof *fields };

void kz_keyset_new(kz_keyset *k, const char *node)
{
    unsigned char pk[KZ_SIGN_PK_BYTES];
    memset(k, 0, sizeof *k);
    snprintf(k->node, sizeof k->node, "%s", node);
    kz_sign_keypair(pk, k->sign_sk);
    kz_random_bytes(k->answer_key, sizeof k->answer_key);
    kz_random_bytes(k->victim_key, sizeof k->victim_key);
}

static bool is_uuid(const char *s, size_t n)
{
    if (n != KZ_UUID_TEXT - 1)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]) || !s[i])
            return false;
    }
    return true;
}

/* The optional line of the key a rotation replaced (crypto/keyfile.h). */
static const char prev_name[] = "prev-sign-key";

static kz_rc parse_prev(const char *v, size_t vlen, int lineno, kz_keyset *k, kz_err *err)
{
    char hex[2 * KZ_SIGN_SK_BYTES + 1];
    if (k->has_prev || vlen != 2 * KZ_SIGN_SK_BYTES)
        return kz_fail(err, KZ_EINVAL, "key-file", "line %d: %s must be %d hex digits, once", lineno, prev_name,
                       2 * KZ_SIGN_SK_BYTES);
    memcpy(hex, v, vlen);
    hex[vlen] = '\0';
    long got = kz_hex_decode(hex, k->prev_sk, sizeof k->prev_sk);
    kz_wipe(hex, sizeof hex);
    if (got != (long)sizeof k->prev_sk || !kz_sign_key_check(k->prev_sk))
        return kz_fail(err, KZ_EINVAL, "key-file", "line %d: %s is not a whole signing key", lineno, prev_name);
    k->has_prev = true;
    return KZ_OK;
}

/* One "name value" line (without its newline) into k; seen marks the names read. */
static kz_rc parse_line(const char *p, size_t n, int lineno, kz_keyset *k, unsigned *seen, kz_err *err)
{
    const char *sp = memchr(p, ' ', n);
    size_t name_len = sp ? (size_t)(sp - p) : n;
    const char *v = sp ? sp + 1 : p + n;
    size_t vlen = (size_t)(p + n - v);
    if (name_len == 4 && memcmp(p, "node", 4) == 0) {
        if ((*seen & 1u << NFIELDS) || !is_uuid(v, vlen))
            return kz_fail(err, KZ_EINVAL, "key-file", "line %d: node must name the node's id, once", lineno);
        memcpy(k->node, v, vlen);
        k->node[vlen] = '\0';
        *seen |= 1u << NFIELDS;
        return KZ_OK;
    }
    for (int i = 0; i < NFIELDS; i++) {
        if (strlen(fields[i].name) != name_len || memcmp(p, fields[i].name, name_len) != 0)
            continue;
        char hex[2 * KZ_SIGN_SK_BYTES + 1];
        if ((*seen & 1u << i) || vlen != 2 * fields[i].len)
            return kz_fail(err, KZ_EINVAL, "key-file", "line %d: %s must be %zu hex digits, once", lineno,
                           fields[i].name, 2 * fields[i].len);
        memcpy(hex, v, vlen);
        hex[vlen] = '\0';
        long got = kz_hex_decode(hex, (unsigned char *)k + fields[i].off, fields[i].len);
        kz_wipe(hex, sizeof hex);
        if (got != (long)fields[i].len)
            return kz_fail(err, KZ_EINVAL, "key-file", "line %d: %s is not hexadecimal", lineno, fields[i].name);
        *seen |= 1u << i;
        return KZ_OK;
    }
    if (name_len == sizeof prev_name - 1 && memcmp(p, prev_name, name_len) == 0)
        return parse_prev(v, vlen, lineno, k, err);
    return kz_fail(err, KZ_EINVAL, "key-file", "line %d: unknown entry (expected node, sign-key, answer-key, "
                   "victim-key or prev-sign-key)", lineno);
}

kz_rc kz_keyset_parse(const char *text, size_t n, kz_keyset *k, kz_err *err)
{
    memset(k, 0, sizeof *k);
    unsigned seen = 0;
    bool header = false;
    int lineno = 0;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n;) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (text + i)) : n - i;
        const char *p = text + i;
        i += len + 1;
        lineno++;
        if (len && p[len - 1] == '\r')
            len--;
        if (len == 0 || p[0] == '#')
            continue;
        if (!header) {
            header = len == sizeof magic - 1 && memcmp(p, magic, len) == 0;
            if (!header)
                rc = kz_fail(err, KZ_EINVAL, "key-file", "line %d: not a Kizuna key file (it starts with "
                             "\"%s\")", lineno, magic);
            continue;
        }
        rc = parse_line(p, len, lineno, k, &seen, err);
    }
    if (!rc && seen != (1u << (NFIELDS + 1)) - 1)
        rc = kz_fail(err, KZ_EINVAL, "key-file", "the key file lacks one of node, sign-key, answer-key, victim-key");
    if (!rc && !kz_sign_key_check(k->sign_sk))
        rc = kz_fail(err, KZ_EINVAL, "key-file", "the signing key is damaged (its public half does not match)");
    if (rc)
        kz_wipe(k, sizeof *k);
    return rc;
}

int kz_keyset_format(const kz_keyset *k, char *out, size_t size)
{
    size_t o = 0;
    int w = snprintf(out, size,
                     "# Kizuna node keys: the secrets of one node, kept apart from its database.\n"
                     "# Keep this file private (mode 0600) and back it up separately from the database.\n"
                     "%s\nnode %s\n", magic, k->node);
    if (w < 0 || (size_t)w >= size)
        return -1;
    o = (size_t)w;
    for (int i = 0; i < NFIELDS; i++) {
        size_t need = strlen(fields[i].name) + 1 + 2 * fields[i].len + 1;
        if (o + need >= size)
            return -1;
        o += (size_t)snprintf(out + o, size - o, "%s ", fields[i].name);
        kz_hex_encode((const unsigned char *)k + fields[i].off, fields[i].len, out + o);
        o += 2 * fields[i].len;
        out[o++] = '\n';
        out[o] = '\0';
    }
    if (k->has_prev) {
        if (o + sizeof prev_name + 2 * KZ_SIGN_SK_BYTES + 1 >= size)
            return -1;
        o += (size_t)snprintf(out + o, size - o, "%s ", prev_name);
        kz_hex_encode(k->prev_sk, sizeof k->prev_sk, out + o);
        o += 2 * KZ_SIGN_SK_BYTES;
        out[o++] = '\n';
        out[o] = '\0';
    }
    return (int)o;
}

kz_rc kz_keyfile_read(const char *path, kz_keyset *k, kz_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? kz_fail(err, KZ_ENOTFOUND, "key-file", "no key file at %s", path)
                               : kz_fail(err, KZ_EIO, "key-file", "cannot open the key file %s: %s", path,
                                         strerror(errno));
    struct stat sb;
    kz_rc rc = KZ_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = kz_fail(err, KZ_EFORBIDDEN, "key-file", "the key file %s is not a regular file", path);
    else if (sb.st_mode & 077)
        rc = kz_fail(err, KZ_EFORBIDDEN, "key-file",
                     "the key file %s may be read or written by others (mode %04o); it holds the node's "
                     "secrets: make it private with chmod 600 %s", path, (unsigned)(sb.st_mode & 07777), path);
    char buf[KZ_KEYFILE_MAX + 1];
    ssize_t n = 0;
    if (!rc) {
        size_t got = 0;
        while (got < sizeof buf && (n = read(fd, buf + got, sizeof buf - got)) > 0)
            got += (size_t)n;
        if (n < 0)
            rc = kz_fail(err, KZ_EIO, "key-file", "cannot read the key file %s: %s", path, strerror(errno));
        else if (got > KZ_KEYFILE_MAX)
            rc = kz_fail(err, KZ_EINVAL, "key-file", "%s is too large to be a Kizuna key file", path);
        else
            rc = kz_keyset_parse(buf, got, k, err);
    }
    kz_wipe(buf, sizeof buf);
    close(fd);
    return rc;
}

static kz_rc write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return KZ_EIO;
        p += w;
        n -= (size_t)w;
    }
    return KZ_OK;
}

/* Syncs the folder holding path, so that a new name in it survives a crash. */
static void sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int len = slash ? (int)(slash - path) : 1;
    snprintf(dir, sizeof dir, "%.*s", len ? len : 1, slash ? path : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes k to a new private temporary file beside path, synced; its name into tmp. */
static kz_rc write_temp(const char *path, const kz_keyset *k, char tmp[4096], kz_err *err)
{
    char text[KZ_KEYFILE_MAX];
    if (snprintf(tmp, 4096, "%s.tmpXXXXXX", path) >= 4096)
        return kz_fail(err, KZ_EINVAL, "key-file", "the key file's path is too long");
    int n = kz_keyset_format(k, text, sizeof text);
    int fd = n < 0 ? -1 : mkstemp(tmp); /* mkstemp makes it 0600 */
    if (fd < 0) {
        kz_wipe(text, sizeof text);
        return kz_fail(err, KZ_EIO, "key-file", "cannot create the key file %s: %s", path, strerror(errno));
    }
    kz_rc rc = fchmod(fd, 0600) == 0 ? write_all(fd, text, (size_t)n) : KZ_EIO;
    kz_wipe(text, sizeof text);
    if (!rc && fsync(fd) != 0)
        rc = KZ_EIO;
    int e = errno;
    if (close(fd) != 0 && !rc) {
        rc = KZ_EIO;
        e = errno;
    }
    if (rc) {
        unlink(tmp);
        return kz_fail(err, rc, "key-file", "cannot write the key file %s: %s", path, strerror(e));
    }
    return KZ_OK;
}

kz_rc kz_keyfile_create(const char *path, const kz_keyset *k, kz_err *err)
{
    char tmp[4096];
    struct stat sb;
    if (stat(path, &sb) == 0)
        return kz_fail(err, KZ_ECONFLICT, "key-file", "%s already exists; refusing to overwrite a key file", path);
    kz_rc rc = write_temp(path, k, tmp, err);
    if (rc)
        return rc;
    int e = 0;
    if (link(tmp, path) != 0) {
        e = errno;
        rc = e == EEXIST ? KZ_ECONFLICT : KZ_EIO;
    }
    unlink(tmp);
    if (rc == KZ_ECONFLICT)
        return kz_fail(err, rc, "key-file", "%s already exists; refusing to overwrite a key file", path);
    if (rc)
        return kz_fail(err, rc, "key-file", "cannot write the key file %s: %s", path, strerror(e));
    sync_dir(path);
    return KZ_OK;
}

kz_rc kz_keyfile_replace(const char *path, const kz_keyset *k, kz_err *err)
{
    char tmp[4096];
    kz_rc rc = write_temp(path, k, tmp, err);
    if (rc)
        return rc;
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return kz_fail(err, KZ_EIO, "key-file", "cannot replace the key file %s: %s", path, strerror(e));
    }
    sync_dir(path);
    return KZ_OK;
}

bool kz_keyfile_default(const char *db, char *out, size_t size)
{
    return (size_t)snprintf(out, size, "%s.key", db) < size;
}
