/* CSV records to indicators: the --map parser, the column resolution against a header,
 * and the conversions of feed spellings (type names, TLP labels, times). */
#include "codec/sharing/indicator_csv.h"

#include "codec/sharing/indicator_norm.h"
#include "model/enums.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const kz_csv_target_names[KZ_COL_TARGETS] = {
    [KZ_COL_TYPE] = "type", [KZ_COL_VALUE] = "value", [KZ_COL_TLP] = "tlp",
    [KZ_COL_CONFIDENCE] = "confidence", [KZ_COL_FIRST_SEEN] = "first_seen",
    [KZ_COL_LAST_SEEN] = "last_seen", [KZ_COL_VALID_UNTIL] = "valid_until",
    [KZ_COL_DESCRIPTION] = "description",
};

static int target_of(const char *s, size_t n)
{
    for (int t = 0; t < KZ_COL_TARGETS; t++)
        if (strlen(kz_csv_target_names[t]) == n && strncmp(kz_csv_target_names[t], s, n) == 0)
            return t;
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

kz_rc kz_csv_map_parse(const char *spec, kz_csv_map *m, kz_err *err)
{
    memset(m, 0, sizeof *m);
    for (int t = 0; t < KZ_COL_TARGETS; t++)
        m->col[t].index = -1;
    const char *p = spec;
    for (int item = 1;; item++) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq)
            return kz_fail(err, KZ_EINVAL, "map", "item %d ('%.*s') is not COLUMN=FIELD", item, (int)(n > 64 ? 64 : n), p);
        const char *col = p, *field = eq + 1;
        size_t cn = (size_t)(eq - p), fn = n - cn - 1;
        trim(&col, &cn);
        trim(&field, &fn);
        int t = target_of(field, fn);
        if (t < 0) {
            char list[160] = "";
            for (int k = 0, o = 0; k < KZ_COL_TARGETS; k++)
                o += snprintf(list + o, sizeof list - (size_t)o, "%s%s", k ? ", " : "", kz_csv_target_names[k]);
            return kz_fail(err, KZ_EINVAL, "map", "item %d: '%.*s' is not a field (%s)", item,
                           (int)(fn > 64 ? 64 : fn), field, list);
        }
        if (m->col[t].set)
            return kz_fail(err, KZ_EINVAL, "map", "item %d: %s is mapped twice", item, kz_csv_target_names[t]);
        if (cn == 0 || cn >= sizeof m->col[t].name)
            return kz_fail(err, KZ_EINVAL, "map", "item %d: the column must be a name or a number", item);
        m->col[t].set = true;
        size_t digits = strspn(col, "0123456789");
        if (digits == cn) {
            char num[16];
            if (cn >= sizeof num)
                return kz_fail(err, KZ_EINVAL, "map", "item %d: column number too large", item);
            memcpy(num, col, cn);
            num[cn] = '\0';
            long v = strtol(num, NULL, 10);
            if (v < 1 || v > KZ_CSV_MAX_FIELDS)
                return kz_fail(err, KZ_EINVAL, "map", "item %d: columns are numbered 1 to %d", item, KZ_CSV_MAX_FIELDS);
            m->col[t].index = (int)v - 1;
        } else {
            memcpy(m->col[t].name, col, cn);
            m->col[t].name[cn] = '\0';
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (!m->col[KZ_COL_VALUE].set)
        return kz_fail(err, KZ_EINVAL, "map", "the map must say which column is the value (e.g. url=value)");
    return KZ_OK;
}

static int find_column(const kz_csv_record *h, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < h->n; i++) {
        const char *f = h->field[i];
        size_t fl = h->len[i];
        trim(&f, &fl);
        if (fl == nl && strncasecmp(f, name, nl) == 0)
            return (int)i;
    }
    return -1;
}

kz_rc kz_csv_map_resolve(kz_csv_map *m, const kz_csv_record *header, kz_err *err)
{
    for (int t = 0; t < KZ_COL_TARGETS; t++) {
        if (!m->col[t].set || !m->col[t].name[0])
            continue;
        if (!header)
            return kz_fail(err, KZ_EINVAL, "map", "without a header line, columns are numbers (%s=%s)",
                           m->col[t].name, kz_csv_target_names[t]);
        m->col[t].index = find_column(header, m->col[t].name);
        if (m->col[t].index < 0)
            return kz_fail(err, KZ_EINVAL, "map", "the header (line %llu) has no column '%s'",
                           (unsigned long long)header->line, m->col[t].name);
    }
    return KZ_OK;
}

kz_rc kz_csv_map_from_header(kz_csv_map *m, const kz_csv_record *header, kz_err *err)
{
    memset(m, 0, sizeof *m);
    for (int t = 0; t < KZ_COL_TARGETS; t++) {
        m->col[t].index = find_column(header, kz_csv_target_names[t]);
        m->col[t].set = m->col[t].index >= 0;
        snprintf(m->col[t].name, sizeof m->col[t].name, "%s", kz_csv_target_names[t]);
    }
    if (!m->col[KZ_COL_VALUE].set)
        return kz_fail(err, KZ_EINVAL, "map",
                       "the header (line %llu) has no column named value; say which column is which with --map",
                       (unsigned long long)header->line);
    return KZ_OK;
}

/* ---- feed spellings ------------------------------------------------------------- */

static const struct {
    const char *name;
    int type;
} type_names[] = {
    {"ipv4", KZ_IND_IPV4}, {"ipv6", KZ_IND_IPV6}, {"cidr", KZ_IND_CIDR}, {"domain", KZ_IND_DOMAIN},
    {"url", KZ_IND_URL}, {"email", KZ_IND_EMAIL}, {"md5", KZ_IND_MD5}, {"sha1", KZ_IND_SHA1},
    {"sha256", KZ_IND_SHA256}, {"asn", KZ_IND_ASN},
    /* STIX 2.1 observable types and MISP attribute types */
    {"ipv4-addr", KZ_CSV_TYPE_AUTO}, {"ipv6-addr", KZ_CSV_TYPE_AUTO}, {"ip", KZ_CSV_TYPE_AUTO},
    {"ip-src", KZ_CSV_TYPE_AUTO}, {"ip-dst", KZ_CSV_TYPE_AUTO}, {"domain-name", KZ_IND_DOMAIN},
    {"hostname", KZ_IND_DOMAIN}, {"fqdn", KZ_IND_DOMAIN}, {"uri", KZ_IND_URL}, {"link", KZ_IND_URL},
    {"email-addr", KZ_IND_EMAIL}, {"email-src", KZ_IND_EMAIL}, {"email-dst", KZ_IND_EMAIL},
    {"autonomous-system", KZ_IND_ASN}, {"as", KZ_IND_ASN}, {"sha-1", KZ_IND_SHA1},
    {"sha-256", KZ_IND_SHA256}, {"hash", KZ_CSV_TYPE_AUTO}, {"auto", KZ_CSV_TYPE_AUTO},
};

int kz_ind_type_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcasecmp(type_names[i].name, name) == 0)
            return type_names[i].type;
    return -1;
}

static bool all_hex(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || ((v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'f')))
            return false;
    return n > 0;
}

int kz_ind_type_detect(const char *v, size_t n)
{
    trim(&v, &n);
    unsigned char a16[16];
    if (n > 2 && (v[0] | 0x20) == 'a' && (v[1] | 0x20) == 's' && strspn(v + 2, "0123456789.") >= n - 2)
        return KZ_IND_ASN;
    if (memmem(v, n, "://", 3))
        return KZ_IND_URL;
    if (memchr(v, '@', n))
        return KZ_IND_EMAIL;
    if (memchr(v, '/', n))
        return KZ_IND_CIDR;
    if (kz_ipv4_parse(v, n, a16))
        return KZ_IND_IPV4;
    if (memchr(v, ':', n) && kz_ipv6_parse(v, n, a16))
        return KZ_IND_IPV6;
    if (all_hex(v, n) && (n == 32 || n == 40 || n == 64))
        return n == 32 ? KZ_IND_MD5 : n == 40 ? KZ_IND_SHA1 : KZ_IND_SHA256;
    return KZ_IND_DOMAIN;
}

int kz_tlp_from_name(const char *s)
{
    if (strncasecmp(s, "tlp:", 4) == 0)
        s += 4;
    if (strcasecmp(s, "white") == 0)
        return KZ_TLP_CLEAR;
    for (int i = 0; i < kz_tlp_enum.count; i++)
        if (strcasecmp(kz_tlp_enum.values[i], s) == 0)
            return i;
    return -1;
}

kz_rc kz_feed_time(const char *s, kz_time *out)
{
    if (kz_time_parse(s, out) == KZ_OK)
        return KZ_OK;
    size_t n = strlen(s);
    /* "2026-01-31 09:00:00" or with 'T', fractions allowed, no zone: UTC */
    if (n >= 19 && n < 40 && (s[10] == ' ' || s[10] == 'T') && !strpbrk(s + 19, "Zz+-")) {
        char z[48];
        snprintf(z, sizeof z, "%sZ", s);
        return kz_time_parse(z, out);
    }
    if (n >= 1 && n <= 11 && strspn(s, "0123456789") == n) {
        *out = strtoll(s, NULL, 10) * 1000;
        return KZ_OK;
    }
    return KZ_EINVAL;
}

/* ---- a record ------------------------------------------------------------------- */

static void column_name(const kz_csv_map *m, kz_csv_target t, char *out, size_t size)
{
    if (m->col[t].name[0])
        snprintf(out, size, "column '%.40s' (%s)", m->col[t].name, kz_csv_target_names[t]);
    else
        snprintf(out, size, "column %d (%s)", m->col[t].index + 1, kz_csv_target_names[t]);
}

void kz_csv_map_field(const kz_csv_map *m, kz_err *err)
{
    int t = target_of(err->field, strlen(err->field));
    if (t >= 0 && m->col[t].set) {
        char field[sizeof err->field];
        column_name(m, (kz_csv_target)t, field, sizeof field);
        memcpy(err->field, field, sizeof field);
    }
}

static kz_rc col_fail(kz_err *err, const kz_csv_map *m, kz_csv_target t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static kz_rc col_fail(kz_err *err, const kz_csv_map *m, kz_csv_target t, const char *fmt, ...)
{
    char field[96], msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    column_name(m, t, field, sizeof field);
    kz_fail(err, KZ_EINVAL, field, "%s", msg);
    return KZ_EINVAL;
}

/* The text of column t, or NULL when t is not mapped or the record is short of it. */
static const char *cell(const kz_csv_map *m, kz_csv_target t, const kz_csv_record *r)
{
    if (!m->col[t].set || m->col[t].index < 0 || (size_t)m->col[t].index >= r->n)
        return NULL;
    const char *s = r->field[m->col[t].index];
    return s[strspn(s, " \t")] ? s : NULL;  /* blank = not given */
}

static kz_rc time_cell(const kz_csv_map *m, kz_csv_target t, const kz_csv_record *r, kz_time *out,
                       unsigned bit, unsigned *given, kz_err *err)
{
    const char *s = cell(m, t, r);
    if (!s)
        return KZ_OK;
    if (kz_feed_time(s, out))
        return col_fail(err, m, t, "'%.40s' is not a time (2026-01-31T09:00:00Z, 2026-01-31 09:00:00 or Unix seconds)", s);
    *given |= bit;
    return KZ_OK;
}

kz_rc kz_csv_indicator(const kz_csv_map *m, const kz_csv_defaults *d, const kz_csv_record *r,
                       kz_arena *a, kz_indicator *o, unsigned *given, kz_err *err)
{
    (void)a;
    memset(o, 0, sizeof *o);
    *given = 0;
    const char *v = cell(m, KZ_COL_VALUE, r);
    if (!v)
        return col_fail(err, m, KZ_COL_VALUE, "%sno value", "");
    o->value = (char *)v;

    const char *s = cell(m, KZ_COL_TYPE, r);
    int type = s ? kz_ind_type_from_name(s) : d->type;
    if (s && type < 0)
        return col_fail(err, m, KZ_COL_TYPE, "'%.40s' is not an indicator type", s);
    if (type < 0)
        return kz_fail(err, KZ_EINVAL, "type", "no type column and no --type");
    o->type = type == KZ_CSV_TYPE_AUTO ? kz_ind_type_detect(v, strlen(v)) : type;

    s = cell(m, KZ_COL_TLP, r);
    o->tlp = s ? kz_tlp_from_name(s) : d->tlp;
    if (s && o->tlp < 0)
        return col_fail(err, m, KZ_COL_TLP, "'%.40s' is not a TLP label (clear, green, amber, amber+strict, red)", s);
    if (o->tlp < 0)
        return kz_fail(err, KZ_EINVAL, "tlp", "no tlp column and no --tlp");
    *given |= KZ_GIVEN_TLP;

    s = cell(m, KZ_COL_CONFIDENCE, r);
    if (s) {
        char *end;
        errno = 0;
        long c = strtol(s, &end, 10);
        if (errno || end == s || *end || c < 0 || c > 100)
            return col_fail(err, m, KZ_COL_CONFIDENCE, "'%.40s' is not a confidence from 0 to 100", s);
        o->confidence = c;
        *given |= KZ_GIVEN_CONFIDENCE;
    } else if (d->confidence >= 0) {
        o->confidence = d->confidence;
        *given |= KZ_GIVEN_CONFIDENCE;
    }
    kz_rc rc = time_cell(m, KZ_COL_FIRST_SEEN, r, &o->first_seen, KZ_GIVEN_FIRST_SEEN, given, err);
    if (!rc)
        rc = time_cell(m, KZ_COL_LAST_SEEN, r, &o->last_seen, KZ_GIVEN_LAST_SEEN, given, err);
    if (!rc)
        rc = time_cell(m, KZ_COL_VALID_UNTIL, r, &o->valid_until, KZ_GIVEN_VALID_UNTIL, given, err);
    if (rc)
        return rc;
    if ((s = cell(m, KZ_COL_DESCRIPTION, r))) {
        o->description = (char *)s;
        *given |= KZ_GIVEN_DESCRIPTION;
    }
    o->recipients = d->recipients;
    if (d->recipients_given)
        *given |= KZ_GIVEN_RECIPIENTS;
    o->allow_clients = d->allow_clients;
    if (d->allow_clients)
        *given |= KZ_GIVEN_ALLOW_CLIENTS;
    o->incidents = d->incidents;
    o->source = (char *)d->source;
    return KZ_OK;
}
