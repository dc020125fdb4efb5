/* bench/api list_query: the directory's main query (contacts of one state, a page of
 * 50) run in-process N times on a node's database, in four depths from SQLite's step
 * alone to the service's JSON, so that the uncached request's budget is measured. */
#include "codec/json/json_write.h"
#include "service/core/call.h"
#include "service/core/node.h"
#include "service/directory/contacts.h"
#include "store/core/store_internal.h"
#include "util/arena.h"
#include "util/buf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The SQL kz_store_contact_list composes for a state filter and a viewer. */
#define LIST_SQL                                                                           \
    "SELECT n, id, created, modified, organization, state, full_name, position, role,"     \
    " email, phone, languages, hours, timezone, public_key, verified_at FROM contacts"     \
    " WHERE n > ?1 AND state = ?3 AND NOT EXISTS (SELECT 1 FROM exercise_players p"        \
    " WHERE p.organization = contacts.organization AND p.made = 1 AND NOT"                 \
    " kz_visible(?7, 'clear', NULL, NULL, 0, p.exercise)) ORDER BY n LIMIT ?2"

/* Two cuts of it, to see where SQLite's step goes: without the viewer's clause (a
 * correlated lookup in exercise_players per row) and the index alone (no table row). */
#define NO_VIEWER_SQL                                                                      \
    "SELECT n, id, created, modified, organization, state, full_name, position, role,"     \
    " email, phone, languages, hours, timezone, public_key, verified_at FROM contacts"     \
    " WHERE n > ?1 AND state = ?3 AND ?7 IS NOT 0 ORDER BY n LIMIT ?2"
#define ONCE_SQL                                                                           \
    "SELECT n, id, created, modified, organization, state, full_name, position, role,"     \
    " email, phone, languages, hours, timezone, public_key, verified_at FROM contacts"     \
    " WHERE n > ?1 AND state = ?3 AND (NOT EXISTS (SELECT 1 FROM exercise_players"         \
    " WHERE made = 1) OR NOT EXISTS (SELECT 1 FROM exercise_players p"                     \
    " WHERE p.organization = contacts.organization AND p.made = 1 AND NOT"                 \
    " kz_visible(?7, 'clear', NULL, NULL, 0, p.exercise))) ORDER BY n LIMIT ?2"
#define INDEX_SQL "SELECT n FROM contacts WHERE n > ?1 AND state = ?3 AND ?7 IS NOT 0 ORDER BY n LIMIT ?2"

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Steps the raw statement through one page; with cols, asks SQLite for every column
 * as the store's reader does (text and its length, integers). Returns the bytes seen. */
static size_t raw_page(sqlite3_stmt *s, const kz_viewer *v, const char *state, bool cols)
{
    size_t bytes = 0;
    sqlite3_bind_int64(s, 1, 0);
    sqlite3_bind_int64(s, 2, 51);
    sqlite3_bind_text(s, 3, state, -1, SQLITE_STATIC);
    kz__bind_viewer(s, 7, v);
    while (sqlite3_step(s) == SQLITE_ROW) {
        bytes += (size_t)sqlite3_column_int64(s, 0) & 1;
        if (!cols)
            continue;
        for (int i = 1; i < sqlite3_column_count(s); i++) {
            int t = sqlite3_column_type(s, i);
            if (t == SQLITE_INTEGER)
                bytes += (size_t)sqlite3_column_int64(s, i) & 1;
            else if (t != SQLITE_NULL) {
                const unsigned char *p = sqlite3_column_text(s, i);
                bytes += (size_t)sqlite3_column_bytes(s, i) + (p ? 0 : 1);
            }
        }
    }
    sqlite3_reset(s);
    return bytes;
}

/* kz_svc_contact_list_json into b (depth 7: a fresh row cache, every row a miss). */
static kz_rc json_into(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_buf *b, int depth)
{
    if (depth == 7)
        kz_svc_contact_cache_configure(64 * 1024);
    return kz_svc_contact_list_json(c, f, pg, b);
}

static size_t json_page(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_arena *a, int depth)
{
    kz_buf b;
    kz_buf_init(&b, (size_t)1 << 30);
    size_t n = json_into(c, f, pg, &b, depth) ? 0 : b.len;
    kz_buf_free(&b);
    kz_arena_free(a);
    return n;
}

/* kz_svc_contact_list (or the store's list alone) for one page, the JSON written
 * when json. Returns the JSON's length (or the items' count). */
static size_t svc_page(kz_call *c, const char *state, int depth)
{
    kz_arena a;
    kz_arena_init(&a);
    c->arena = &a;
    kz_contact_filter f = {.state = state, .viewer = &c->who};
    kz_page pg = {NULL, 50};
    kz_contact_page out;
    if (depth >= 5) /* the JSON from the service, with the row cache as configured */
        return json_page(c, &f, &pg, &a, depth);
    kz_rc rc = depth == 2 ? kz_store_contact_list(c->db, &f, &pg, &a, &out, c->err)
                          : kz_svc_contact_list(c, &f, &pg, &out);
    size_t n = rc ? 0 : out.n;
    if (!rc && depth == 4) {
        kz_buf b;
        kz_buf_init(&b, (size_t)1 << 30);
        if (!kz_json_write_page(&b, &kz_contact_schema, out.items, out.n, sizeof(kz_contact), out.next))
            n = b.len;
        kz_buf_free(&b);
    }
    kz_arena_free(&a);
    return n;
}

static const char *const depth_name[] = {
    "SQLite step (rows, column n only)",
    "SQLite step + every column's value",
    "kz_store_contact_list (copied into the arena)",
    "kz_svc_contact_list (authorization + store)",
    "kz_svc_contact_list + kz_json_write_page",
    "kz_svc_contact_list_json, no row cache",
    "kz_svc_contact_list_json, row cache warm",
    "kz_svc_contact_list_json, every row a miss",
};

/* The service's JSON with and without the row cache, cold and warm, byte for byte. */
static bool json_agrees(kz_call *c, const char *state)
{
    kz_arena a;
    kz_arena_init(&a);
    c->arena = &a;
    kz_contact_filter f = {.state = state, .viewer = &c->who};
    kz_page pg = {NULL, 50};
    kz_buf b[3];
    bool same = true;
    for (int k = 0; k < 3; k++) {
        kz_buf_init(&b[k], (size_t)1 << 30);
        kz_svc_contact_cache_configure(k == 0 ? 0 : 1 << 20);
        if (k == 2)
            kz_svc_contact_list_json(c, &f, &pg, &b[k]), kz_buf_reset(&b[k]); /* warm it */
        same = !json_into(c, &f, &pg, &b[k], 6) && same && b[k].len == b[0].len && !memcmp(b[k].p, b[0].p, b[0].len);
    }
    for (int k = 0; k < 3; k++)
        kz_buf_free(&b[k]);
    kz_arena_free(&a);
    return same;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DB N [STATE [SQL]]\n", argv[0]);
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    const char *state = argc > 3 ? argv[3] : "JP";
    kz_err err = {0};
    kz_node *node;
    kz_arena a0;
    kz_arena_init(&a0);
    kz_call c;
    if (kz_node_open(argv[1], &node, &err) || kz_call_init_system(&c, node, "bench", &a0, &err)) {
        fprintf(stderr, "%s: cannot open: %s\n", argv[1], err.msg);
        return 1;
    }
    sqlite3_stmt *s = kz__stmt(c.db, LIST_SQL, &err);
    if (!s) {
        fprintf(stderr, "cannot prepare\n");
        return 1;
    }
    const char *const cut_sql[] = {INDEX_SQL, NO_VIEWER_SQL, ONCE_SQL, LIST_SQL, argc > 4 ? argv[4] : NULL};
    const char *const cut_name[] = {"SQLite step, index only (SELECT n)", "SQLite step, no viewer clause",
                                    "SQLite step, viewer clause after a once-test", "SQLite step, main's SQL",
                                    "SQL given, step + every column"};
    for (int k = 0; k < (argc > 4 ? 5 : 4); k++) {
        sqlite3_stmt *cs = NULL;
        if (sqlite3_prepare_v2(c.db->h, cut_sql[k], -1, &cs, NULL) != SQLITE_OK)
            return 1;
        size_t check = 0;
        double t0 = cpu_seconds();
        for (long i = 0; i < n; i++)
            check += raw_page(cs, &c.who, state, k == 4);
        printf("  %-48s %7.2f us/query  (check %zu)\n", cut_name[k], (cpu_seconds() - t0) * 1e6 / (double)n,
               check / (size_t)n);
        sqlite3_finalize(cs);
    }
    printf("list_query: %s, state=%s, limit 50, %ld queries per line, one thread\n", argv[1], state, n);
    if (!json_agrees(&c, state)) {
        fprintf(stderr, "list_query: the cached JSON differs from the uncached one\n");
        return 1;
    }
    for (int depth = 0; depth < 8; depth++) {
        size_t check = 0;
        kz_svc_contact_cache_configure(depth == 6 ? 32u << 20 : 0);
        double t0 = cpu_seconds();
        for (long i = 0; i < n; i++)
            check += depth < 2 ? raw_page(s, &c.who, state, depth == 1) : svc_page(&c, state, depth);
        double us = (cpu_seconds() - t0) * 1e6 / (double)n;
        printf("  %-48s %7.2f us/query  (check %zu)\n", depth_name[depth], us, check / (size_t)n);
    }
    kz_svc_contact_cache_configure(0);
    kz_node_close(node);
    kz_arena_free(&a0);
    return 0;
}
