/* Request dispatch: match the path against the endpoint table, authenticate a bearer
 * (or Basic, for TAXII clients) key if one is given, else the web interface's session
 * cookie (with its CSRF check), decode the JSON body, call the
 * handler, and map any failure to {"error": {code, message, field}}. Authorization
 * itself is decided in service/, never here. */
#include "http/router.h"

#include "http/handlers.h"

#include "crypto/crypto.h"
#include "http/cache.h"
#include "service/directory/keys.h"
#include "util/alloc.h"
#include "util/log.h"

#include <jansson.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Matches path against pattern, capturing {name} segments into params. */
static bool match(const char *pattern, const char *path, const char **params, kz_arena *a)
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = strchr(s, '/');
            size_t n = se ? (size_t)(se - s) : strlen(s);
            if (!pe || n == 0 || np == KZ_MAX_PATH_PARAMS)
                return false;
            if (params && !(params[np] = kz_arena_strndup(a, s, n)))
                return false;
            np++;
            p = pe + 1;
            s += n;
            continue;
        }
        if (*p++ != *s++)
            return false;
    }
    return *p == '\0' && (*s == '\0' || (s[0] == '/' && s[1] == '\0'));
}

/* Seconds a client told KZ_EBUSY waits before retrying: about one import chunk. */
#define KZ_BUSY_RETRY_AFTER "2"

void kz_router_fail(kz_req *r, kz_rc rc)
{
    if (r->err.rc != rc || !r->err.msg[0])
        kz_fail(&r->err, rc, r->err.field[0] ? r->err.field : NULL, NULL);
    json_t *e = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", kz_rc_code(rc), "message",
                          r->err.msg, "field", r->err.field[0] ? r->err.field : NULL);
    json_decref(r->reply);
    r->reply = e;
    r->raw = NULL;
    kz_free(r->raw_heap);
    r->raw_heap = NULL;
    kz_cache_release(r->cached);
    r->cached = NULL;
    r->content_type = "application/json";
    r->status = kz_rc_http_status(rc);
    if (rc == KZ_EUNAUTH)
        kz_reply_header(r, "WWW-Authenticate", "Bearer realm=\"kizuna\"");
    if (rc == KZ_EBUSY)  /* an import holds the write lock for one chunk at most */
        kz_reply_header(r, "Retry-After", KZ_BUSY_RETRY_AFTER);
    if (strncmp(r->path, "/taxii2/", 8) == 0 || strcmp(r->path, "/taxii2") == 0)
        kz_taxii_fail(r, rc);  /* TAXII clients expect TAXII error messages */
    if (r->status >= 500)
        kz_log(KZ_LOG_ERROR, "http.error", KZ_S("request_id", r->request_id),
               KZ_S("endpoint", r->endpoint), KZ_S("error", r->err.msg));
}

/* The API key from "Authorization: Bearer KEY" or "Basic base64(user:KEY)". NULL when
 * there is no Authorization header; "" when it is malformed. */
static const char *credentials(kz_req *r)
{
    const char *h = kz_req_header(r, "Authorization");
    if (!h)
        return NULL;
    if (strncasecmp(h, "Bearer ", 7) == 0)
        return h + 7;
    if (strncasecmp(h, "Basic ", 6) == 0) {
        unsigned char raw[256];
        size_t len = 0;
        if (kz_b64_decode(h + 6, raw, sizeof raw - 1, &len))
            return "";
        raw[len] = '\0';
        char *colon = strchr((char *)raw, ':');
        char *key = colon ? kz_arena_strdup(&r->arena, colon + 1) : NULL;
        kz_wipe(raw, sizeof raw);
        return key ? key : "";
    }
    return "";
}

static bool state_changing(const char *method)
{
    static const char *const safe[] = {"GET", "HEAD", "OPTIONS"};
    for (size_t i = 0; i < sizeof safe / sizeof *safe; i++)
        if (strcmp(method, safe[i]) == 0)
            return false;
    return true;
}

/* The session cookie, when there is one: a valid session makes the request act as its
 * user; an unknown or ended one leaves it anonymous. A state-changing request signed
 * in this way must prove with X-CSRF-Token that the page itself sent it. */
static kz_rc session(kz_req *r)
{
    const char *token = kz_req_cookie(r, "kz_session");
    if (!token)
        return KZ_OK;
    kz_session *s = kz_arena_calloc(&r->arena, 1, sizeof *s);
    if (!s)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_svc_session_resume(&r->call, token, s);
    if (rc == KZ_EUNAUTH) {
        kz_err_clear(&r->err);
        return KZ_OK;
    }
    if (rc)
        return rc;
    r->session = s;
    const char *csrf = kz_req_header(r, "X-CSRF-Token");
    if (state_changing(r->method) &&
        (!csrf || strlen(csrf) != strlen(s->csrf) || !kz_ct_equal(csrf, s->csrf, strlen(s->csrf))))
        return kz_fail(&r->err, KZ_EFORBIDDEN, "X-CSRF-Token",
                       "a change made with the session cookie needs the X-CSRF-Token header "
                       "(the csrf value of GET /api/v1/session)");
    return KZ_OK;
}

/* "application/json", any case, alone or with parameters ("; charset=utf-8"): not
 * "application/jsonx" nor "application/json-seq". */
static bool is_json_media(const char *ct)
{
    static const char type[] = "application/json";
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, type, sizeof type - 1) != 0)
        return false;
    ct += sizeof type - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* A GET or HEAD with a key whose handler only reads runs in one read snapshot, from the
 * key's check to the answer (store.h): one SQLite read transaction instead of one for
 * each statement. Best effort: without it the statements run as their own transactions. */
static void read_snapshot(kz_req *r, const kz_endpoint *rt, const char *key)
{
    kz_err ignored;
    if (key && !(rt->flags & KZ_ENDPOINT_WRITES) && (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0))
        kz_db_snapshot_begin(r->call.db, &ignored);
}

static kz_rc prepare(kz_node *node, kz_req *r, const kz_endpoint *rt)
{
    kz_rc rc = kz_call_init(&r->call, node, &r->arena, &r->err);
    if (rc)
        return rc;
    r->call.request_id = r->request_id;
    const char *key = credentials(r);
    read_snapshot(r, rt, key);
    if (key && (rc = kz_svc_authenticate(&r->call, key)))
        return rc;
    if (!key && !(rt->flags & KZ_ENDPOINT_NO_SESSION) && (rc = session(r)))
        return rc;
    if (r->body_too_big)
        return kz_fail(&r->err, KZ_ETOOBIG, "", "the request body is larger than %zu bytes", r->body.max);
    if (!(rt->flags & KZ_ENDPOINT_JSON_BODY) || (rt->flags & KZ_ENDPOINT_RAW_BODY))
        return KZ_OK;
    /* a body needs its media type said; an empty body may go without one */
    const char *ct = kz_req_header(r, "Content-Type");
    if ((ct || r->body.len) && !is_json_media(ct))
        return kz_fail(&r->err, KZ_EMEDIA, "Content-Type", "send the body as application/json");
    if (r->body.len == 0)
        return KZ_OK;
    json_error_t je;
    r->json = json_loadb(r->body.p, r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!r->json)
        return kz_fail(&r->err, KZ_EINVAL, "", "malformed JSON at line %d, column %d: %s", je.line,
                       je.column, je.text);
    return KZ_OK;
}

/* Turns the reply's JSON tree into the text the server would send (the same dump
 * options as http_server.c's send_reply), so that it can be cached; left as it is when
 * out of memory. */
static void raw_body(kz_req *r)
{
    char *text = json_dumps(r->reply, JSON_COMPACT | JSON_REAL_PRECISION(12)); /* kz_malloc: jansson's allocator */
    if (!text)
        return;
    r->raw_heap = text;
    r->raw_len = strlen(text);
    json_decref(r->reply);
    r->reply = NULL;
}

/* Serves a cacheable GET from the cache, or runs it and keeps its body. The generation
 * is read before the handler runs, so a write racing with it can only make the entry
 * stale under an old generation that nobody asks for again. */
static kz_rc cached_handler(kz_req *r, const kz_endpoint *rt)
{
    kz_cache_key k;
    const char *key = kz_req_cache_key(r, &k);
    /* the directory leaves out the exercise-only organizations of runs the caller takes
     * no part in: callers in the same runs share a body, all others the plain one */
    for (size_t i = 0; key && i < r->call.who.n_exercises; i++) {
        kz_cache_key_arg(&k, "~exercise", r->call.who.exercises[i]);
        key = kz_cache_key_text(&k);
    }
    uint64_t gen = kz_call_generation(&r->call);
    if (key && (r->cached = kz_cache_get(key, gen))) {
        r->status = 200;
        return kz_reply_header(r, "X-Kizuna-Cache", "hit");
    }
    kz_rc rc = rt->handler(r);
    if (!rc && key && r->status == 200 && !r->raw_heap && r->reply)
        raw_body(r); /* a handler that built a tree: kept as the text it is sent as */
    if (!rc && key && r->status == 200 && r->raw_heap)
        kz_cache_put(key, gen, r->raw_heap, r->raw_len);
    return rc;
}

const kz_endpoint *kz_router_find(const char *method, const char *path)
{
    for (const kz_endpoint *rt = kz_endpoints; rt->method; rt++)
        if (strcmp(rt->method, method) == 0 && match(rt->pattern, path, NULL, NULL))
            return rt;
    return NULL;
}

size_t kz_router_body_max_of(const kz_endpoint *rt, size_t normal, size_t bulk)
{
    return rt && (rt->flags & KZ_ENDPOINT_BULK_BODY) && bulk > normal ? bulk : normal;
}

size_t kz_router_body_max(const char *method, const char *path, size_t normal, size_t bulk)
{
    return kz_router_body_max_of(kz_router_find(method, path), normal, bulk);
}

void kz_router_dispatch(kz_node *node, kz_req *r)
{
    const kz_endpoint *found = r->route;
    char allow[128] = "";
    for (const kz_endpoint *rt = kz_endpoints; !found && rt->method; rt++) {
        if (!match(rt->pattern, r->path, NULL, NULL))
            continue;
        if (strcmp(rt->method, r->method) == 0) {
            found = rt;
            break;
        }
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", rt->method);
    }
    if (!found) {
        if (allow[0]) {
            kz_router_fail(r, kz_fail(&r->err, KZ_EMETHOD, NULL, "%s is not allowed here; use %s", r->method, allow));
            kz_reply_header(r, "Allow", kz_arena_strdup(&r->arena, allow));
        } else {
            kz_router_fail(r, kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no such endpoint"));
        }
        return;
    }
    r->endpoint = found->pattern;
    match(found->pattern, r->path, r->params, &r->arena);
    kz_rc rc = prepare(node, r, found);
    if (!rc && (found->flags & KZ_ENDPOINT_CACHE) && r->call.who.key_id)
        rc = cached_handler(r, found);
    else if (!rc)
        rc = found->handler(r);
    if (r->call.db)
        kz_db_snapshot_end(r->call.db);
    kz_call_settle(&r->call, found->pattern); /* never leave a transaction open on the thread */
    if (rc)
        kz_router_fail(r, rc);
}
