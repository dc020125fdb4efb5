/* TAXII 2.1 under /taxii2/: discovery, one API root (/taxii2/api/), its collections (one
 * per TLP label, service/stix/taxii.h), their objects, manifests and versions, POSTed envelopes
 * answered with status resources. Media type application/taxii+json;version=2.1 both
 * ways (406 and 415 otherwise), errors as TAXII error messages, HTTP Basic (the API key
 * as password) or Bearer. Pages are written as text: the objects are STIX text already. */
#include "http/handlers.h"
#include "http/http_sharing.h"

#include "http/router.h"
#include "http/server.h"
#include "crypto/crypto.h"
#include "service/stix/stix_import.h"
#include "service/stix/taxii.h"
#include "util/alloc.h"
#include "util/json_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TAXII_TYPE "application/taxii+json;version=2.1"
#define STIX_TYPE "application/stix+json;version=2.1"
#define API_ROOT "/taxii2/api/"

enum { TAXII_LIMIT_DEFAULT = 100, TAXII_LIMIT_MAX = 1000, TAXII_MATCH_MAX = 100 };

/* ---- media types ------------------------------------------------------------------- */

/* Whether one media range (without surrounding blanks) is type with version 2.1 or no
 * version at all. */
static bool media_is(const char *range, size_t n, const char *type)
{
    size_t tn = strlen(type);
    if (n < tn || strncasecmp(range, type, tn) != 0)
        return false;
    const char *p = range + tn, *end = range + n;
    while (p < end) {  /* parameters: ;version=2.1 ;q=0.9 */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            break;
        if (*p != ';')
            return false;
        p++;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *param = p;
        while (p < end && *p != ';')
            p++;
        size_t len = (size_t)(p - param);
        while (len && (param[len - 1] == ' ' || param[len - 1] == '\t'))
            len--;
        if (len >= 8 && strncasecmp(param, "version=", 8) == 0 && !(len == 11 && strncmp(param + 8, "2.1", 3) == 0))
            return false;
    }
    return true;
}

static bool accepts(kz_req *r, const char *type)
{
    const char *h = kz_req_header(r, "Accept");
    if (!h)
        return true;
    for (const char *p = h; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        if (n && (media_is(p, n, type) || media_is(p, n, "*/*") || media_is(p, n, "application/*")))
            return true;
        p += n;
    }
    return false;
}

static kz_rc negotiate(kz_req *r)
{
    if (!accepts(r, "application/taxii+json"))
        return kz_fail(&r->err, KZ_ENOTACCEPT, "Accept", "TAXII answers in " TAXII_TYPE);
    return KZ_OK;
}

/* ---- replies ------------------------------------------------------------------------ */

static kz_rc reply_text(kz_req *r, int status, kz_buf *b)
{
    json_decref(r->reply);
    r->reply = NULL;
    r->raw_len = b->len;
    r->raw_heap = kz_buf_steal(b);
    r->status = status;
    r->content_type = TAXII_TYPE;
    return KZ_OK;
}

static kz_rc reply_json(kz_req *r, int status, json_t *body)
{
    kz_rc rc = kz_reply(r, status, body);
    r->content_type = TAXII_TYPE;
    return rc;
}

void kz_taxii_fail(kz_req *r, kz_rc rc)
{
    static const char *const titles[KZ_RC_COUNT] = {
        [KZ_EINVAL] = "Bad request", [KZ_ENOTFOUND] = "Not found", [KZ_EUNAUTH] = "Authentication required",
        [KZ_EFORBIDDEN] = "Forbidden", [KZ_ECONFLICT] = "Conflict", [KZ_ETOOBIG] = "Request too large",
        [KZ_EMETHOD] = "Method not allowed", [KZ_EMEDIA] = "Unsupported media type",
        [KZ_ENOTACCEPT] = "Not acceptable", [KZ_EBUSY] = "Service unavailable",
        [KZ_EHEADERS] = "Request headers too large",
    };
    char status[8];
    snprintf(status, sizeof status, "%d", r->status);
    const char *title = rc < KZ_RC_COUNT && titles[rc] ? titles[rc] : "Server error";
    json_t *e = json_pack("{s:s, s:s, s:s, s:s?}", "title", title, "description", r->err.msg, "http_status", status,
                          "error_code", r->err.field[0] ? r->err.field : NULL);
    json_decref(r->reply);
    r->reply = e;
    r->content_type = TAXII_TYPE;
    if (rc == KZ_EUNAUTH) {
        r->n_headers = 0;  /* the JSON API's Bearer challenge is replaced */
        kz_reply_header(r, "WWW-Authenticate", "Basic realm=\"kizuna\", Bearer realm=\"kizuna\"");
    }
}

/* The server's base URL: the node's public URL, else from the Host header. */
static const char *base_url(kz_req *r)
{
    kz_node *node = r->call.node;
    if (node->public_url[0])
        return node->public_url;
    const char *host = kz_req_header(r, "Host");
    bool ok = host && host[0] && strlen(host) < 256;
    for (const char *p = host; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".-:[]", *p);
    return kz_arena_printf(&r->arena, "http://%s", ok ? host : "localhost");
}

/* ---- discovery, API root, collections ----------------------------------------------- */

kz_rc kz_h_taxii_discovery(kz_req *r)
{
    kz_rc rc = negotiate(r);
    if (rc)
        return rc;
    const char *root = kz_arena_printf(&r->arena, "%s" API_ROOT, base_url(r));
    return reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:[s]}", "title", "Kizuna",
                                        "description", "Incidents, indicators and sightings shared under TLP 2.0",
                                        "default", root, "api_roots", root));
}

kz_rc kz_h_taxii_root(kz_req *r)
{
    kz_rc rc = negotiate(r);
    if (rc)
        return rc;
    /* what the server enforces on a POST of objects (--max-bulk-body) */
    const kz_server_opts *so = kz_server_options(r->srv);
    size_t max = kz_router_body_max("POST", API_ROOT "collections/x/objects", so->max_body, so->max_bulk_body);
    return reply_json(r, 200, json_pack("{s:s, s:s, s:[s], s:I}", "title", "Kizuna sharing",
                                        "description", "One collection per TLP 2.0 label",
                                        "versions", TAXII_TYPE, "max_content_length", (json_int_t)max));
}

static json_t *collection_json(const kz_taxii_collection *c)
{
    static const char *const titles[5] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"};
    static const char *const what[5] = {
        "Shared with anyone", "Shared with the community (members of this node)",
        "Shared with the source, the named recipients (and, when the source allows, the node's clients)",
        "Shared with the source and the named recipient organizations only",
        "Shared with the named recipients only",
    };
    bool statements = c->tlp < 0;
    if (c->exercise)
        return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", c->id, "title", c->title ? c->title : c->id,
                         "description", "EXERCISE: a table-top run. What is added here is made in the run and "
                         "reaches its players only (objects that name no label: TLP:AMBER)",
                         "can_read", c->can_read, "can_write", c->can_write, "media_types", STIX_TYPE);
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", c->id, "title",
                     statements ? "Public attribution statements" : titles[c->tlp], "description",
                     statements ? "Published attribution statements: reports, their other languages, the "
                                  "co-signers' opinions and the annexes' indicators"
                                : what[c->tlp],
                     "can_read", c->can_read, "can_write", c->can_write, "media_types", STIX_TYPE);
}

kz_rc kz_h_taxii_collections(kz_req *r)
{
    kz_taxii_collection cols[KZ_TAXII_COLLECTIONS];
    size_t n;
    kz_rc rc = negotiate(r);
    if (!rc)
        rc = kz_svc_taxii_collections(&r->call, cols, &n);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, collection_json(&cols[i]));
    return reply_json(r, 200, arr ? json_pack("{s:o}", "collections", arr) : NULL);
}

kz_rc kz_h_taxii_collection(kz_req *r)
{
    kz_taxii_collection col;
    kz_rc rc = negotiate(r);
    if (!rc)
        rc = kz_svc_taxii_collection(&r->call, r->params[0], &col);
    return rc ? rc : reply_json(r, 200, collection_json(&col));
}

/* ---- query parameters ---------------------------------------------------------------- */

/* A comma-separated match[...] value as a JSON array text (arena), each item checked. */
static kz_rc match_list(kz_req *r, const char *name, bool (*ok)(const char *, size_t), const char **out)
{
    const char *v = kz_req_query(r, name);
    *out = NULL;
    if (!v)
        return KZ_OK;
    json_t *arr = json_array();
    size_t count = 0;
    for (const char *p = v;; count++) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n > 300 || !ok(p, n) || count == TAXII_MATCH_MAX) {
            json_decref(arr);
            return kz_fail(&r->err, KZ_EINVAL, name, "%s holds an invalid or empty value (or more than %d)", name,
                           TAXII_MATCH_MAX);
        }
        json_array_append_new(arr, json_stringn(p, n));
        if (!p[n])
            break;
        p += n + 1;
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!text || !(*out = kz_arena_strdup(&r->arena, text))) {
        kz_free_libc(text);
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    }
    kz_free_libc(text);
    return KZ_OK;
}

static bool type_ok(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
            return false;
    return n >= 3;
}

/* "type--UUID", where the type may itself hold single hyphens (attack-pattern,
 * x-mitre-tactic): the type ends at the only "--". */
static bool stix_id_ok(const char *p, size_t n)
{
    if (n < 38 + 3)
        return false;
    size_t t = n - 38;
    if (p[t] != '-' || p[t + 1] != '-' || !type_ok(p, t) || !(p[0] >= 'a' && p[0] <= 'z') || p[t - 1] == '-')
        return false;
    for (size_t i = 0; i + 1 < t; i++)
        if (p[i] == '-' && p[i + 1] == '-')
            return false;
    for (size_t i = t + 2; i < n; i++) {
        bool dash = i - (t + 2) == 8 || i - (t + 2) == 13 || i - (t + 2) == 18 || i - (t + 2) == 23;
        char c = p[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static bool spec_ok(const char *p, size_t n) { return (n == 3 && (!strncmp(p, "2.1", 3) || !strncmp(p, "2.0", 3))); }

/* match[version]: last (default), first, all, or timestamps. */
static kz_rc match_version(kz_req *r, kz_taxii_filter *f)
{
    const char *v = kz_req_query(r, "match[version]");
    f->version_mode = KZ_TAXII_VERSION_LAST;
    if (!v || strcmp(v, "last") == 0)
        return KZ_OK;
    if (strcmp(v, "first") == 0 || strcmp(v, "all") == 0) {
        f->version_mode = v[0] == 'f' ? KZ_TAXII_VERSION_FIRST : KZ_TAXII_VERSION_ALL;
        return KZ_OK;
    }
    json_t *arr = json_array();
    for (const char *p = v;;) {
        size_t n = strcspn(p, ",");
        char ts[64];
        kz_time t;
        if (n == 0 || n >= sizeof ts || json_array_size(arr) == TAXII_MATCH_MAX) {
            json_decref(arr);
            return kz_fail(&r->err, KZ_EINVAL, "match[version]", "match[version] is last, first, all or timestamps");
        }
        memcpy(ts, p, n);
        ts[n] = '\0';
        if (kz_time_parse(ts, &t)) {
            json_decref(arr);
            return kz_fail(&r->err, KZ_EINVAL, "match[version]", "match[version] is last, first, all or timestamps");
        }
        json_array_append_new(arr, json_integer(t));
        if (!p[n])
            break;
        p += n + 1;
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    f->version_mode = KZ_TAXII_VERSION_AT;
    f->versions = text ? kz_arena_strdup(&r->arena, text) : NULL;
    kz_free_libc(text);
    return f->versions ? KZ_OK : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

/* ---- date_added: microseconds ------------------------------------------------------ */

/* RFC 3339 with six fractional digits. */
static char *timestamp_us(kz_req *r, int64_t us)
{
    char ts[40];
    int64_t ms = us / 1000;
    kz_time_format(ms, ts, sizeof ts);
    size_t n = strlen(ts);
    if (n && ts[n - 1] == 'Z')
        snprintf(ts + n - 1, sizeof ts - (n - 1), "%03dZ", (int)(us % 1000));
    return kz_arena_strdup(&r->arena, ts);
}

/* added_after: a time; its fractional digits past the millisecond count too. */
static kz_rc added_after_param(kz_req *r, int64_t *out)
{
    const char *v = kz_req_query(r, "added_after");
    kz_time ms;
    *out = 0;
    if (!v)
        return KZ_OK;
    if (kz_time_parse(v, &ms) || ms < 0)
        return kz_fail(&r->err, KZ_EINVAL, "added_after", "added_after must be an RFC 3339 time");
    int us = 0;
    const char *dot = strchr(v, '.');
    for (int i = 0; dot && i < 6; i++) {
        char c = dot[1 + i];
        if (c < '0' || c > '9')
            dot = NULL;
        else if (i >= 3)
            us = us * 10 + (c - '0');
    }
    *out = ms * 1000 + (dot ? us : 0);
    return KZ_OK;
}

/* ---- next: "<added us>-<kind>-<sealed row>-<tag>": the row number through the cursor
 * permutation (crypto.h), so that it does not count the rows the caller may not see,
 * and a MAC under the node's answer key, so that a value this server did not write is
 * refused ------------------------------------------------------------------------------ */

static void next_tag(kz_req *r, int64_t added, char kind, int64_t n, char tag[17])
{
    char text[80];
    unsigned char mac[KZ_HASH_BYTES];
    int len = snprintf(text, sizeof text, "taxii-next:%lld-%c-%lld", (long long)added, kind, (long long)n);
    kz_hmac(r->call.node->answer_key, text, (size_t)len, mac);  /* keyed apart by the "taxii-next:" prefix */
    for (int i = 0; i < 8; i++)
        snprintf(tag + 2 * i, 3, "%02x", mac[i]);
}

static kz_rc next_param(kz_req *r, kz_taxii_filter *f)
{
    const char *v = kz_req_query(r, "next");
    if (!v)
        return KZ_OK;
    char kind, tag[17], want[17];
    long long added;
    unsigned long long sealed;
    int used = 0;
    errno = 0;
    if (strlen(v) > 80 || sscanf(v, "%lld-%c-%16llx-%16[0-9a-f]%n", &added, &kind, &sealed, tag, &used) != 4 ||
        errno || (size_t)used != strlen(v) || added < 0 || !strchr("irsxmokt", kind))
        return kz_fail(&r->err, KZ_EINVAL, "next", "next must be a value from a previous page");
    uint64_t row = kz_cursor_open(sealed);
    long long n = (long long)row;
    if (row <= INT64_MAX)
        next_tag(r, added, kind, n, want);
    if (row > INT64_MAX || strlen(tag) != 16 || !kz_ct_equal(tag, want, 16))
        return kz_fail(&r->err, KZ_EINVAL, "next", "next must be a value from a previous page");
    f->after.added = added;
    f->after.kind = kind;
    f->after.n = n;
    return KZ_OK;
}

static kz_rc list_filter(kz_req *r, kz_taxii_filter *f)
{
    static const char *const allowed[] = {"added_after", "limit", "next", "match[id]", "match[type]",
                                          "match[version]", "match[spec_version]", NULL};
    memset(f, 0, sizeof *f);
    f->limit = TAXII_LIMIT_DEFAULT;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc)
        rc = added_after_param(r, &f->added_after);
    const char *l = kz_req_query(r, "limit");
    if (!rc && l) {
        char *end;
        errno = 0;
        long v = strtol(l, &end, 10);
        if (errno || *end || end == l || v < 1)
            return kz_fail(&r->err, KZ_EINVAL, "limit", "limit must be a positive integer");
        f->limit = v > TAXII_LIMIT_MAX ? TAXII_LIMIT_MAX : v;  /* the server may give fewer */
    }
    if (!rc)  /* the manifest and the versions honour every filter of the objects */
        rc = match_list(r, "match[id]", stix_id_ok, &f->ids);
    if (!rc)
        rc = match_list(r, "match[type]", type_ok, &f->types);
    if (!rc)
        rc = match_list(r, "match[spec_version]", spec_ok, &f->spec_versions);
    if (!rc)
        rc = match_version(r, f);
    if (!rc)
        rc = next_param(r, f);
    return rc;
}

/* ---- pages ------------------------------------------------------------------------- */

static char *timestamp(kz_req *r, kz_time t)
{
    char ts[40];
    return kz_arena_strdup(&r->arena, kz_time_format(t, ts, sizeof ts));
}

/* The version of a row as TAXII shows it: the object's modified as written, or the
 * time it was stored (an object without created or modified). */
static const char *row_version(kz_req *r, const kz_taxii_row *row)
{
    if ((row->kind == 'x' || row->kind == 'k') && row->version && row->version[0])
        return row->version;
    return timestamp(r, row->modified);  /* an observable's: when it came (the import's time) */
}

static kz_rc page_headers(kz_req *r, const kz_taxii_page *p)
{
    if (!p->n)
        return KZ_OK;
    kz_rc rc = kz_reply_header(r, "X-TAXII-Date-Added-First", timestamp_us(r, p->rows[0].added));
    return rc ? rc : kz_reply_header(r, "X-TAXII-Date-Added-Last", timestamp_us(r, p->rows[p->n - 1].added));
}

/* {"more": b, "next": "...", "<key>": [ ... */
static kz_rc page_head(kz_req *r, kz_buf *b, const kz_taxii_page *p, const char *key)
{
    kz_rc rc = kz_buf_printf(b, "{\"more\":%s", p->more ? "true" : "false");
    if (!rc && p->more && p->n) {
        const kz_taxii_row *last = &p->rows[p->n - 1];
        char tag[17];
        next_tag(r, last->added, last->kind, last->n, tag);
        rc = kz_buf_printf(b, ",\"next\":\"%lld-%c-%016llx-%s\"", (long long)last->added, last->kind,
                           (unsigned long long)kz_cursor_seal((uint64_t)last->n), tag);
    }
    if (!rc && p->n)
        rc = kz_buf_printf(b, ",\"%s\":[", key);
    return rc;
}

static kz_rc page_reply(kz_req *r, kz_buf *b, kz_rc rc, const kz_taxii_page *p)
{
    if (!rc)
        rc = kz_buf_puts(b, p->n ? "]}" : "}");
    if (!rc)
        rc = page_headers(r, p);
    if (rc) {
        kz_buf_free(b);
        return kz_fail(&r->err, rc, NULL, NULL);
    }
    return reply_text(r, 200, b);
}

static kz_rc collection_page(kz_req *r, kz_taxii_filter *f, bool objects, kz_taxii_collection *col,
                             kz_taxii_page *p)
{
    kz_rc rc = negotiate(r);
    if (!rc)
        rc = kz_svc_taxii_collection(&r->call, r->params[0], col);
    if (!rc && !col->can_read)
        rc = kz_fail(&r->err, KZ_EFORBIDDEN, NULL, "this collection cannot be read");
    if (!rc)
        rc = list_filter(r, f);
    if (!rc && r->params[1]) {  /* one object: match[id] is the path's */
        if (!stix_id_ok(r->params[1], strlen(r->params[1])))
            return kz_fail(&r->err, KZ_ENOTFOUND, "id", "no object %.80s", r->params[1]);
        json_t *one = json_pack("[s]", r->params[1]);
        char *text = one ? json_dumps(one, JSON_COMPACT) : NULL;
        json_decref(one);
        f->ids = text ? kz_arena_strdup(&r->arena, text) : NULL;
        kz_free_libc(text);
        if (!f->ids)
            return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    }
    return rc ? rc : kz_svc_taxii_list(&r->call, col, f, objects, p);
}

kz_rc kz_h_taxii_objects(kz_req *r)
{
    kz_taxii_filter f;
    kz_taxii_collection col;
    kz_taxii_page p;
    kz_rc rc = collection_page(r, &f, true, &col, &p);
    if (rc)
        return rc;
    if (r->params[1] && p.n == 0)
        return kz_fail(&r->err, KZ_ENOTFOUND, "id", "no object %.80s in this collection", r->params[1]);
    kz_buf b;
    kz_buf_init(&b, (size_t)1 << 30);
    rc = page_head(r, &b, &p, "objects");
    for (size_t i = 0; !rc && i < p.n; i++) {
        if (i)
            rc = kz_buf_puts(&b, ",");
        if (!rc)
            rc = kz_buf_puts(&b, p.texts[i]);
    }
    return page_reply(r, &b, rc, &p);
}

kz_rc kz_h_taxii_manifest(kz_req *r)
{
    kz_taxii_filter f;
    kz_taxii_collection col;
    kz_taxii_page p;
    kz_rc rc = collection_page(r, &f, false, &col, &p);
    if (rc)
        return rc;
    kz_buf b;
    kz_buf_init(&b, (size_t)1 << 30);
    rc = page_head(r, &b, &p, "objects");
    for (size_t i = 0; !rc && i < p.n; i++) {
        rc = kz_buf_printf(&b, "%s{\"id\":", i ? "," : "");
        if (!rc)
            rc = kz_json_text_str(&b, p.rows[i].id);
        if (!rc)
            rc = kz_buf_printf(&b, ",\"date_added\":\"%s\",\"version\":", timestamp_us(r, p.rows[i].added));
        if (!rc)
            rc = kz_json_text_str(&b, row_version(r, &p.rows[i]));
        if (!rc)
            rc = kz_buf_puts(&b, ",\"media_type\":\"" STIX_TYPE "\"}");
    }
    return page_reply(r, &b, rc, &p);
}

kz_rc kz_h_taxii_versions(kz_req *r)
{
    kz_taxii_filter f;
    kz_taxii_collection col;
    kz_taxii_page p;
    /* every version, whatever match[version] says */
    kz_rc rc = collection_page(r, &f, false, &col, &p);
    if (rc)
        return rc;
    if (f.version_mode != KZ_TAXII_VERSION_ALL) {
        f.version_mode = KZ_TAXII_VERSION_ALL;
        if ((rc = kz_svc_taxii_list(&r->call, &col, &f, false, &p)))
            return rc;
    }
    if (p.n == 0)
        return kz_fail(&r->err, KZ_ENOTFOUND, "id", "no object %.80s in this collection", r->params[1]);
    kz_buf b;
    kz_buf_init(&b, (size_t)1 << 30);
    rc = page_head(r, &b, &p, "versions");
    for (size_t i = 0; !rc && i < p.n; i++) {
        if (i)
            rc = kz_buf_puts(&b, ",");
        if (!rc)
            rc = kz_json_text_str(&b, row_version(r, &p.rows[i]));
    }
    return page_reply(r, &b, rc, &p);
}

/* ---- POST: envelopes in, status out -------------------------------------------------- */

typedef struct status {
    json_t *successes, *failures;
    size_t total;
    const char *requested;       /* the request's time, RFC 3339 */
} status;

static void record(void *ctx, const char *id, const char *version, kz_stix_outcome what, const kz_err *why)
{
    status *s = ctx;
    s->total++;
    if (!version)  /* an object without created or modified: the request's time */
        version = s->requested;
    if (what == KZ_STIX_REJECTED) {
        char msg[sizeof why->field + sizeof why->msg + 4];
        snprintf(msg, sizeof msg, "%s%s%s", why->field, why->field[0] ? ": " : "", why->msg);
        json_array_append_new(s->failures, json_pack("{s:s, s:s, s:s}", "id", id, "version", version, "message", msg));
    } else {
        json_array_append_new(s->successes, json_pack("{s:s, s:s}", "id", id, "version", version));
    }
}

kz_rc kz_h_taxii_add(kz_req *r)
{
    kz_taxii_collection col;
    kz_rc rc = negotiate(r);
    if (rc)
        return rc;
    const char *ct = kz_req_header(r, "Content-Type");
    if (!ct || !media_is(ct, strlen(ct), "application/taxii+json"))
        return kz_fail(&r->err, KZ_EMEDIA, "Content-Type", "send the envelope as " TAXII_TYPE);
    if ((rc = kz_svc_taxii_collection(&r->call, r->params[0], &col)))
        return rc;
    if (!col.can_write)
        return kz_fail(&r->err, r->call.who.key_id ? KZ_EFORBIDDEN : KZ_EUNAUTH, NULL,
                       "adding objects needs an analyst or admin key");
    kz_time requested = kz_now_ms();
    status st = {json_array(), json_array(), 0, timestamp(r, requested)};
    /* a run's collection: objects keep the label they name, made in the run */
    kz_stix_import_opts o = {.tlp = col.tlp, .min_tlp = col.exercise ? KZ_TLP_CLEAR : col.tlp,
                             .exercise = col.exercise, .on_object = record, .ctx = &st};
    kz_stix_import_report rep;
    kz_body_src src;
    kz_byte_source bs = kz_body_source(&src, &r->body);
    if (!st.successes || !st.failures)
        rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = kz_svc_stix_import(&r->call, &bs, &o, &rep);
    char id[40];
    kz_uuid4(id);
    json_t *body = rc ? NULL : json_pack("{s:s, s:s, s:s, s:I, s:I, s:O, s:I, s:O, s:I}", "id", id,
                                         "status", "complete", "request_timestamp", timestamp(r, requested),
                                         "total_count", (json_int_t)st.total, "success_count",
                                         (json_int_t)json_array_size(st.successes), "successes", st.successes,
                                         "failure_count", (json_int_t)json_array_size(st.failures), "failures",
                                         st.failures, "pending_count", (json_int_t)0);
    json_decref(st.successes);
    json_decref(st.failures);
    if (rc)
        return rc;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (!text)
        rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = kz_svc_taxii_status_save(&r->call, id, requested, text);
    kz_free_libc(text);
    if (rc) {
        json_decref(body);
        return rc;
    }
    return reply_json(r, 202, body);
}

kz_rc kz_h_taxii_status(kz_req *r)
{
    char *body;
    kz_rc rc = negotiate(r);
    if (!rc)
        rc = kz_svc_taxii_status_get(&r->call, r->params[0], &body);
    if (rc)
        return rc;
    kz_buf b = {.p = NULL};
    kz_buf_init(&b, (size_t)1 << 30);
    if (kz_buf_puts(&b, body)) {
        kz_buf_free(&b);
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    }
    return reply_text(r, 200, &b);
}
