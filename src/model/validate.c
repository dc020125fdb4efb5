/* Field validators: countries, time zones, e-mail, phone, URLs, languages, ids, hours.
 * Deliberately strict: a directory that officials rely on must not hold junk. */
#include "model/validate.h"

#include "model/enums.h"
#include "model/states.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *zoneinfo_dir = "/usr/share/zoneinfo";

void kz_set_zoneinfo_dir(const char *dir) { zoneinfo_dir = dir; }

kz_rc kz_valid_country(const char *v, const char *field, kz_err *err)
{
    if (kz_state_find(v))
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field, "'%.8s' is not an ISO 3166-1 alpha-2 country code",
                   v);
}

/* IANA names are like "Asia/Tokyo", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+9". */
static bool tz_name_shape(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 64 || v[0] == '/' || v[n - 1] == '/' || strstr(v, "..") || strstr(v, "//"))
        return false;
    if (!isupper((unsigned char)v[0]))
        return false;
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
            return false;
    return strncmp(v, "posix/", 6) != 0 && strncmp(v, "right/", 6) != 0;
}

kz_rc kz_valid_timezone(const char *v, const char *field, kz_err *err)
{
    char path[256];
    struct stat st;
    if (tz_name_shape(v)) {
        snprintf(path, sizeof path, "%s/%s", zoneinfo_dir, v);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return KZ_OK;
    }
    return kz_fail(err, KZ_EINVAL, field, "'%.64s' is not an IANA time zone (e.g. Asia/Tokyo)", v);
}

/* An A-label's part after "xn--" decodes as punycode (RFC 3492 section 6.2) to code
 * points that exist: "xn--zz" does not. Only decodability is checked here; the indicator
 * normalizer applies IDNA itself (codec/sharing/indicator_norm.h). */
static bool punycode_ok(const char *s, size_t n)
{
    enum { BASE = 36u, TMIN = 1u, TMAX = 26u, SKEW = 38u, DAMP = 700u };
    const uint32_t max = 0x7FFFFFFF;
    size_t b = 0;
    for (size_t k = 0; k < n; k++)
        if (s[k] == '-')
            b = k;
    uint32_t code = 128, i = 0, bias = 72, out = (uint32_t)b;
    for (size_t in = b ? b + 1 : 0; in < n;) {
        uint32_t old = i, w = 1;
        for (uint32_t k = BASE;; k += BASE) {
            if (in >= n)
                return false;
            char c = (char)tolower((unsigned char)s[in++]);
            uint32_t digit = c >= 'a' && c <= 'z' ? (uint32_t)(c - 'a') : c >= '0' && c <= '9' ? (uint32_t)(c - '0' + 26) : BASE;
            if (digit >= BASE || digit > (max - i) / w)
                return false;
            i += digit * w;
            uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
            if (digit < t)
                break;
            if (w > max / (BASE - t))
                return false;
            w *= BASE - t;
        }
        out++;
        uint32_t delta = old == 0 ? (i - old) / DAMP : (i - old) / 2;  /* adapt */
        delta += delta / out;
        for (bias = 0; delta > ((BASE - TMIN) * TMAX) / 2; bias += BASE)
            delta /= BASE - TMIN;
        bias += (BASE - TMIN + 1) * delta / (delta + SKEW);
        if (i / out > max - code)
            return false;
        code += i / out;
        i %= out;
        if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i++;
    }
    return out > b;  /* something was encoded */
}

static bool label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    bool ace = n > 4 && tolower((unsigned char)s[0]) == 'x' && tolower((unsigned char)s[1]) == 'n' && s[2] == '-' &&
               s[3] == '-';
    return !ace || punycode_ok(s + 4, n - 4);
}

/* A DNS host name with at least two labels, ASCII (IDNs in punycode). */
static bool host_ok(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!label_ok(s + start, i - start))
                return false;
            labels++;
            start = i + 1;
        }
    }
    return labels >= 2;
}

kz_rc kz_valid_hostname(const char *v, const char *field, kz_err *err)
{
    size_t n = strlen(v);
    if (n && v[n - 1] == '.')
        n--; /* the root label of a fully qualified name */
    size_t tld = n;
    while (tld && v[tld - 1] != '.')
        tld--;
    bool numeric_tld = tld < n;
    for (size_t i = tld; i < n; i++)
        numeric_tld = numeric_tld && isdigit((unsigned char)v[i]);
    /* an all-numeric top-level label is an address typed wrong, not a name (RFC 3696) */
    return host_ok(v, n) && !numeric_tld ? KZ_OK : kz_fail(err, KZ_EINVAL, field, "not a DNS host name");
}

kz_rc kz_valid_email(const char *v, const char *field, kz_err *err)
{
    const char *at = strrchr(v, '@');
    size_t local = at ? (size_t)(at - v) : 0;
    bool ok = at && local > 0 && local <= 64 && host_ok(at + 1, strlen(at + 1));
    for (size_t i = 0; ok && i < local; i++) {
        unsigned char c = (unsigned char)v[i];
        ok = isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~.-", c);
    }
    if (ok && (v[0] == '.' || v[local - 1] == '.' || strstr(v, "..")))
        ok = false;
    return ok ? KZ_OK : kz_fail(err, KZ_EINVAL, field, "not a valid e-mail address");
}

/* "+81 3 1234 5678", "+1-202-555-0100": a leading +, then 7 to 15 digits with
 * spaces, dashes, dots or parentheses between them. */
kz_rc kz_valid_phone(const char *v, const char *field, kz_err *err)
{
    int digits = 0;
    bool ok = v[0] == '+';
    for (const char *p = v + 1; ok && *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr(" -.()", *p))
            ok = false;
    }
    if (ok && digits >= 7 && digits <= 15)
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field,
                   "not an international phone number (+, country code, 7-15 digits)");
}

kz_rc kz_valid_web_url(const char *v, const char *field, kz_err *err)
{
    const char *rest = NULL;
    if (strncmp(v, "https://", 8) == 0)
        rest = v + 8;
    else if (strncmp(v, "http://", 7) == 0)
        rest = v + 7;
    size_t hl = rest ? strcspn(rest, ":/?#") : 0;
    if (rest && host_ok(rest, hl)) {
        for (const char *p = rest; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7F)
                goto bad;
        return KZ_OK;
    }
bad:
    return kz_fail(err, KZ_EINVAL, field, "not an http(s) URL with a host name");
}

kz_rc kz_valid_language(const char *v, const char *field, kz_err *err)
{
    if (kz_language_known(v))
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field, "'%.16s' is not an ISO 639-1 language code (e.g. ja, en)", v);
}

kz_rc kz_valid_uuid(const char *v, const char *field, kz_err *err)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    bool ok = strlen(v) == sizeof shape - 1;
    for (size_t i = 0; ok && shape[i]; i++)
        ok = shape[i] == '-' ? v[i] == '-' : (isdigit((unsigned char)v[i]) || (v[i] >= 'a' && v[i] <= 'f'));
    return ok ? KZ_OK : kz_fail(err, KZ_EINVAL, field, "not an id (lowercase UUID)");
}

static bool hhmm(const char *p)
{
    return isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':' &&
           isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) &&
           (p[0] - '0') * 10 + (p[1] - '0') <= 24 && (p[3] - '0') * 10 + (p[4] - '0') <= 59;
}

static int day_index(const char *p)
{
    static const char days[][4] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    for (int i = 0; i < 7; i++)
        if (strncmp(p, days[i], 3) == 0)
            return i;
    return -1;
}

/* "24/7", "09:00-17:30", or a day range then a time range: "Mon-Fri 09:00-17:30". */
kz_rc kz_valid_hours(const char *v, const char *field, kz_err *err)
{
    const char *p = v;
    if (strcmp(v, "24/7") == 0)
        return KZ_OK;
    if (day_index(p) >= 0) {
        p += 3;
        if (*p == '-') {
            if (day_index(p + 1) < 0)
                goto bad;
            p += 4;
        }
        if (*p++ != ' ')
            goto bad;
    }
    if (hhmm(p) && p[5] == '-' && hhmm(p + 6) && p[11] == '\0')
        return KZ_OK;
bad:
    return kz_fail(err, KZ_EINVAL, field, "working hours must look like 'Mon-Fri 09:00-17:30', '09:00-17:30' or '24/7'");
}

kz_rc kz_valid_contact_role(const char *v, const char *field, kz_err *err)
{
    if (kz_enum_parse(&kz_contact_role_enum, v) >= 0)
        return KZ_OK;
    char list[128];
    kz_enum_list(&kz_contact_role_enum, list, sizeof list);
    return kz_fail(err, KZ_EINVAL, field, "must be %s", list);
}
