/* Event lines (CSV or JSON lines) and the address each event routes by. */
#include "codec/routing/events.h"

#include "codec/sharing/indicator_norm.h"
#include "util/clock.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const kz_event_role_names[KZ_EV_ROLES] = {"ip", "url", "domain", "resolved", "time"};

/* Column and field names recognized without a map, per role. */
static const char *const aliases[KZ_EV_ROLES][8] = {
    {"ip", "src_ip", "source_ip", "srcip", "client_ip", "ip_address", "address", NULL},
    {"url", "uri", "request_url", NULL},
    {"domain", "host", "hostname", "fqdn", "query", NULL},
    {"resolved_ip", "resolved", "answer", NULL},
    {"time", "timestamp", "@timestamp", "ts", "date", "datetime", NULL},
};

/* Whether name[0..n) is one of the usual column names of any role. */
static bool is_alias(const char *name, size_t n)
{
    for (int r = 0; r < KZ_EV_ROLES; r++)
        for (int a = 0; aliases[r][a]; a++)
            if (n == strlen(aliases[r][a]) && strncasecmp(name, aliases[r][a], n) == 0)
                return true;
    return false;
}

kz_event_shape kz_event_sniff(const char *line, size_t n, bool *header)
{
    *header = false;
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < n && line[i] == '{')
        return KZ_SHAPE_JSON;
    char sep = memchr(line, '\t', n) ? '\t' : memchr(line, ',', n) ? ',' : 0;
    if (!sep)
        return KZ_SHAPE_OTHER;
    for (size_t start = 0; start <= n;) {
        const char *end = memchr(line + start, sep, n - start);
        size_t stop = end ? (size_t)(end - line) : n, a = start, b = stop;
        while (a < b && line[a] == ' ')
            a++;
        while (b > a && line[b - 1] == ' ')
            b--;
        if (b - a >= 2 && line[a] == '"' && line[b - 1] == '"')
            a++, b--;
        if (is_alias(line + a, b - a))
            *header = true;
        start = stop + 1;
    }
    return sep == '\t' ? KZ_SHAPE_TSV : KZ_SHAPE_CSV;
}

static const char *const json_defaults[KZ_EV_ROLES][4] = {
    {"ip", "src_ip", "source.ip", "client_ip"},
    {"url", "request_url", "url.full", NULL},
    {"domain", "host", "hostname", "query"},
    {"resolved_ip", "resolved", "answer", NULL},
    {"time", "timestamp", "@timestamp", "ts"},
};

static void map_clear(kz_event_map *map)
{
    memset(map, 0, sizeof *map);
    for (int r = 0; r < KZ_EV_ROLES; r++)
        map->column[r] = -1;
}

kz_rc kz_event_map_parse(const char *spec, kz_event_map *map, kz_err *err)
{
    map_clear(map);
    map->explicit_ = true;
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        int role = -1;
        for (int r = 0; eq && r < KZ_EV_ROLES; r++)
            if ((size_t)(eq - p) == strlen(kz_event_role_names[r]) &&
                strncmp(p, kz_event_role_names[r], (size_t)(eq - p)) == 0)
                role = r;
        if (role < 0)
            return kz_fail(err, KZ_EINVAL, "map",
                           "\"%.*s\": expected ROLE=NAME with ROLE one of ip, url, domain, "
                           "resolved, time", (int)len, p);
        const char *name = eq + 1;
        size_t nlen = len - (size_t)(name - p);
        if (nlen == 0 || nlen >= KZ_EVENT_NAME_MAX)
            return kz_fail(err, KZ_EINVAL, "map", "\"%.*s\": the name is empty or too long",
                           (int)len, p);
        if (map->nnames[role] == 4)
            return kz_fail(err, KZ_EINVAL, "map", "more than four names for %s",
                           kz_event_role_names[role]);
        memcpy(map->names[role][map->nnames[role]], name, nlen);
        map->names[role][map->nnames[role]++][nlen] = '\0';
        p += len + (p[len] == ',');
    }
    return KZ_OK;
}

void kz_event_map_json_default(kz_event_map *map)
{
    map_clear(map);
    for (int r = 0; r < KZ_EV_ROLES; r++)
        for (int i = 0; i < 4 && json_defaults[r][i]; i++)
            snprintf(map->names[r][map->nnames[r]++], KZ_EVENT_NAME_MAX, "%s", json_defaults[r][i]);
}

/* A 1-based column number, or 0 when name is not one. */
static int column_number(const char *name)
{
    char *end;
    long v = strtol(name, &end, 10);
    return *name >= '1' && *name <= '9' && !*end && v <= KZ_EVENT_MAX_COLUMNS ? (int)v : 0;
}

kz_rc kz_event_map_csv(kz_event_map *map, const char *header, size_t n, bool has_header,
                       char *scratch, kz_err *err)
{
    kz_csv_field f[KZ_EVENT_MAX_COLUMNS];
    int nf = 0;
    if (has_header) {
        kz_rc rc = kz_csv_split(header, n, ',', scratch, f, KZ_EVENT_MAX_COLUMNS, &nf, err);
        if (rc)
            return rc;
    }
    if (!map->explicit_) {
        map_clear(map);
        if (!has_header) {
            map->column[KZ_EV_IP] = 0;
            return KZ_OK;
        }
        for (int r = 0; r < KZ_EV_ROLES; r++)
            for (int a = 0; aliases[r][a] && map->column[r] < 0; a++)
                for (int c = 0; c < nf; c++)
                    if (f[c].n == strlen(aliases[r][a]) &&
                        strncasecmp(f[c].p, aliases[r][a], f[c].n) == 0) {
                        map->column[r] = c;
                        break;
                    }
        if (map->column[KZ_EV_IP] < 0 && map->column[KZ_EV_URL] < 0 && map->column[KZ_EV_DOMAIN] < 0)
            return kz_fail(err, KZ_EINVAL, "map",
                           "line 1: no ip, url or domain column in the header; name them with "
                           "--map ip=COLUMN,url=COLUMN,domain=COLUMN");
        return KZ_OK;
    }
    for (int r = 0; r < KZ_EV_ROLES; r++) {
        map->column[r] = -1;
        if (map->nnames[r] == 0)
            continue;
        const char *name = map->names[r][0];
        int num = column_number(name);
        if (num) {
            map->column[r] = num - 1;
            continue;
        }
        if (!has_header)
            return kz_fail(err, KZ_EINVAL, "map", "%s=%s: without a header, columns are numbers",
                           kz_event_role_names[r], name);
        for (int c = 0; c < nf && map->column[r] < 0; c++)
            if (f[c].n == strlen(name) && strncasecmp(f[c].p, name, f[c].n) == 0)
                map->column[r] = c;
        if (map->column[r] < 0)
            return kz_fail(err, KZ_EINVAL, "map", "line 1: the header has no column \"%s\"", name);
    }
    return KZ_OK;
}

kz_rc kz_event_parse_csv(const kz_event_map *map, const char *line, size_t n, char *scratch,
                         kz_event *ev, kz_err *err)
{
    memset(ev, 0, sizeof *ev);
    kz_csv_field f[KZ_EVENT_MAX_COLUMNS];
    int nf;
    kz_rc rc = kz_csv_split(line, n, ',', scratch, f, KZ_EVENT_MAX_COLUMNS, &nf, err);
    if (rc)
        return rc;
    for (int r = 0; r < KZ_EV_ROLES; r++) {
        int c = map->column[r];
        if (c >= 0 && c < nf) {
            ev->f[r] = f[c].p;
            ev->n[r] = f[c].n;
        }
    }
    return KZ_OK;
}

/* The value at a dotted path of obj, or NULL. */
static json_t *get_path(json_t *obj, const char *path)
{
    char key[KZ_EVENT_NAME_MAX];
    while (obj && json_is_object(obj)) {
        size_t len = strcspn(path, ".");
        memcpy(key, path, len);
        key[len] = '\0';
        json_t *v = json_object_get(obj, key);
        if (!path[len])
            return v;
        obj = v;
        path += len + 1;
    }
    return NULL;
}

kz_rc kz_event_parse_json(const kz_event_map *map, const char *line, size_t n, char *scratch,
                          kz_event *ev, kz_err *err)
{
    memset(ev, 0, sizeof *ev);
    json_error_t je;
    json_t *obj = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
    if (!obj)
        return kz_fail(err, KZ_EINVAL, NULL, "column %d: %s", je.column > 0 ? je.column : 1, je.text);
    /* only whitespace may follow the object */
    for (size_t i = (size_t)je.position; i < n; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            json_decref(obj);
            return kz_fail(err, KZ_EINVAL, NULL, "column %zu: text after the JSON object", i + 1);
        }
    kz_rc rc = KZ_OK;
    size_t used = 0;
    if (!json_is_object(obj))
        rc = kz_fail(err, KZ_EINVAL, NULL, "column 1: an event is a JSON object");
    for (int r = 0; !rc && r < KZ_EV_ROLES; r++) {
        for (int i = 0; i < map->nnames[r]; i++) {
            json_t *v = get_path(obj, map->names[r][i]);
            if (!v || json_is_null(v))
                continue;
            if (!json_is_string(v)) {
                rc = kz_fail(err, KZ_EINVAL, kz_event_role_names[r], "field \"%s\" is not a string",
                             map->names[r][i]);
                break;
            }
            size_t len = json_string_length(v);
            if (used + len > n) {  /* cannot happen: escapes only shrink */
                rc = kz_fail(err, KZ_ETOOBIG, kz_event_role_names[r], "field too long");
                break;
            }
            memcpy(scratch + used, json_string_value(v), len);
            ev->f[r] = scratch + used;
            ev->n[r] = len;
            used += len;
            break;
        }
    }
    json_decref(obj);
    return rc;
}

static void trim(const char **p, size_t *n)
{
    while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* An address literal as a host: "198.51.100.7" or "[2001:db8::1]". */
static bool host_address(const char *h, size_t n, kz_ip *ip)
{
    if (n > 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    return kz_ip_parse(h, n, ip);
}

static void show(const char *p, size_t n, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s%s", (int)(n > 60 ? 60 : n), p, n > 60 ? "..." : "");
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
}

kz_rc kz_event_origin_of(const kz_event *ev, kz_ip *ip, char *host, size_t *host_len,
                         kz_event_origin *origin, kz_err *err)
{
    char what[80];
    static const int direct[2] = {KZ_EV_IP, KZ_EV_RESOLVED};  /* fields that are addresses */
    for (int k = 0; k < 2; k++) {
        int r = direct[k];
        const char *p = ev->f[r];
        size_t n = ev->n[r];
        trim(&p, &n);
        if (!n)
            continue;
        if (r == KZ_EV_RESOLVED) {  /* "a;b" or "a b" lists: the first address */
            size_t first = 0;
            while (first < n && p[first] != ';' && p[first] != ',' && p[first] != ' ')
                first++;
            n = first;
        }
        if (!kz_ip_parse(p, n, ip)) {
            show(p, n, what, sizeof what);
            return kz_fail(err, KZ_EINVAL, kz_event_role_names[r], "%s \"%s\" is not an IP address",
                           kz_event_role_names[r], what);
        }
        *origin = KZ_ORIGIN_ADDRESS;
        return KZ_OK;
    }
    const char *p = ev->f[KZ_EV_URL];
    size_t n = ev->n[KZ_EV_URL];
    trim(&p, &n);
    if (n) {
        char buf[KZ_URL_MAX + 1];
        size_t len, hoff, hlen;
        kz_err e;
        if (n > KZ_URL_MAX || kz_url_canon(p, n, buf, sizeof buf, &len, &hoff, &hlen, "url", &e)) {
            show(p, n, what, sizeof what);
            return kz_fail(err, KZ_EINVAL, "url", "url \"%s\": %s", what,
                           n > KZ_URL_MAX ? "too long" : e.msg);
        }
        if (host_address(buf + hoff, hlen, ip)) {
            *origin = KZ_ORIGIN_ADDRESS;
            return KZ_OK;
        }
        if (hlen >= KZ_EVENT_HOST_MAX)
            return kz_fail(err, KZ_EINVAL, "url", "the URL's host name is too long");
        memcpy(host, buf + hoff, hlen);
        host[hlen] = '\0';
        *host_len = hlen;
        *origin = KZ_ORIGIN_HOST;
        return KZ_OK;
    }
    p = ev->f[KZ_EV_DOMAIN];
    n = ev->n[KZ_EV_DOMAIN];
    trim(&p, &n);
    if (n) {
        if (host_address(p, n, ip)) {
            *origin = KZ_ORIGIN_ADDRESS;
            return KZ_OK;
        }
        kz_err e;
        size_t len;
        if (kz_domain_canon(p, n, host, KZ_EVENT_HOST_MAX, &len, "domain", &e)) {
            show(p, n, what, sizeof what);
            return kz_fail(err, KZ_EINVAL, "domain", "domain \"%s\": %s", what, e.msg);
        }
        *host_len = len;
        *origin = KZ_ORIGIN_HOST;
        return KZ_OK;
    }
    return kz_fail(err, KZ_EINVAL, "ip", "the event has no ip, url or domain");
}

int64_t kz_event_time(const kz_event *ev)
{
    const char *p = ev->f[KZ_EV_TIME];
    size_t n = ev->n[KZ_EV_TIME];
    trim(&p, &n);
    if (n == 0 || n > 64)
        return 0;
    char buf[65];
    memcpy(buf, p, n);
    buf[n] = '\0';
    kz_time t;
    if (kz_time_parse(buf, &t) == KZ_OK)
        return t;
    char *end;
    double secs = strtod(buf, &end);  /* Unix seconds, as many logs write them */
    if (end != buf && !*end && buf[0] >= '0' && buf[0] <= '9' && secs > 0 && secs < 1e11)
        return (int64_t)(secs * 1000);
    return 0;
}
