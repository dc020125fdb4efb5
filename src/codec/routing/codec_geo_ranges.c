/* Range-file lines of the routing data. */
#include "codec/routing/geo_ranges.h"

#include "codec/sharing/csv.h"
#include "codec/routing/ip.h"
#include "util/utf8.h"

#include <string.h>

static kz_u128 ip_value(const kz_ip *ip)
{
    if (ip->family == 4)
        return ip->v4;
    kz_u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | ip->v6[i];
    return v;
}

static bool parse_number(const char *s, size_t n, kz_u128 max, kz_u128 *out)
{
    if (n == 0 || n > 39)
        return false;
    kz_u128 v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static size_t column(const char *line, const kz_csv_field *f)
{
    /* quoted fields live in scratch; their column is not known exactly */
    return f->p >= line ? (size_t)(f->p - line) + 1 : 0;
}

static kz_rc parse_end(const char *line, const kz_csv_field *f, int num_family, const char *name,
                       int *family, kz_u128 *out, kz_err *err)
{
    kz_ip ip;
    if (num_family) {
        kz_u128 max = num_family == 4 ? 0xffffffffu : ~(kz_u128)0;
        if (!parse_number(f->p, f->n, max, out))
            return kz_fail(err, KZ_EINVAL, name, "column %zu: %s is not an IPv%d number",
                           column(line, f), name, num_family);
        *family = num_family;
        return KZ_OK;
    }
    if (!kz_ip_parse_exact(f->p, f->n, &ip))
        return kz_fail(err, KZ_EINVAL, name, "column %zu: %s is not an IP address: \"%.*s\"",
                       column(line, f), name, (int)(f->n > 60 ? 60 : f->n), f->p);
    *family = ip.family;
    *out = ip_value(&ip);
    return KZ_OK;
}

kz_rc kz_geo_parse_line(const char *line, size_t n, int num_family, char *scratch, kz_geo_range *r,
                        kz_geo_layer *layer, kz_err *err)
{
    memset(r, 0, sizeof *r);
    if (n && line[n - 1] == '\r')
        n--;
    if (n == 0)
        return KZ_ENOTFOUND;
    kz_csv_field f[4];
    int nf;
    kz_rc rc = kz_csv_split(line, n, ',', scratch, f, 4, &nf, err);
    if (rc)
        return rc;
    if (nf != 3 && nf != 4)
        return kz_fail(err, KZ_EINVAL, NULL,
                       "%d fields; expected first,last,country or first,last,asn,organization", nf);
    int fam2;
    if ((rc = parse_end(line, &f[0], num_family, "first", &r->family, &r->first, err)) ||
        (rc = parse_end(line, &f[1], num_family, "last", &fam2, &r->last, err)))
        return rc;
    if (fam2 != r->family)
        return kz_fail(err, KZ_EINVAL, "last", "column %zu: first and last are of different families",
                       column(line, &f[1]));
    if (r->first > r->last)
        return kz_fail(err, KZ_EINVAL, "last", "column %zu: the range ends before it starts",
                       column(line, &f[1]));
    if (nf == 3) {
        const kz_csv_field *c = &f[2];
        char a = c->n == 2 ? (char)(c->p[0] & ~0x20) : 0, b = c->n == 2 ? (char)(c->p[1] & ~0x20) : 0;
        if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
            return kz_fail(err, KZ_EINVAL, "country", "column %zu: a country is two letters",
                           column(line, c));
        r->cc[0] = a;
        r->cc[1] = b;
        *layer = KZ_GEO_LAYER_COUNTRY;
        return KZ_OK;
    }
    const kz_csv_field *a = &f[2], *o = &f[3];
    const char *p = a->p;
    size_t len = a->n;
    if (len > 2 && (p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's')) {
        p += 2;
        len -= 2;
    }
    kz_u128 asn;
    if (!parse_number(p, len, 0xffffffffu, &asn))
        return kz_fail(err, KZ_EINVAL, "asn", "column %zu: the AS number is not a number below 2^32",
                       column(line, a));
    if (o->n > KZ_GEO_ORG_MAX || !kz_text_ok(o->p, o->n, false))
        return kz_fail(err, KZ_EINVAL, "organization",
                       "column %zu: the organization is longer than %d bytes, not UTF-8 or holds control characters",
                       column(line, o), KZ_GEO_ORG_MAX);
    r->asn = (uint32_t)asn;
    r->org = o->p;
    r->org_len = o->n;
    *layer = KZ_GEO_LAYER_AS;
    return KZ_OK;
}
