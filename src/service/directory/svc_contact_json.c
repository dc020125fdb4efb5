/* The contact list as JSON text, from a process-wide cache of each contact's rendering
 * (util/rowcache.h) valid for one store generation: SQLite gives the page's row numbers
 * (filters and viewer clause as kz_svc_contact_list), only the rows not cached are read. */
#include "codec/json/json_write.h"
#include "service/directory/contacts.h"
#include "util/json_text.h"

static kz_rowcache *rendered; /* NULL: no cache (the CLI, --row-cache-mb 0) */

kz_rc kz_svc_contact_cache_configure(size_t max_bytes)
{
    kz_rowcache_free(rendered);
    rendered = NULL;
    if (max_bytes && !(rendered = kz_rowcache_new(max_bytes)))
        return KZ_ENOMEM;
    return KZ_OK;
}

/* {"items":[ and ],"next":...} around the items, as kz_json_write_page writes them. */
static kz_rc page_head(kz_buf *out) { return kz_buf_puts(out, "{\"items\":["); }

static kz_rc page_tail(kz_buf *out, const char *next)
{
    kz_rc rc = kz_buf_puts(out, "],\"next\":");
    if (!rc)
        rc = next[0] ? kz_json_text_str(out, next) : kz_buf_puts(out, "null");
    return rc ? rc : kz_buf_puts(out, "}");
}

/* The page read from the store (one statement: one snapshot) and written into out; with
 * the cache, each contact's rendering is kept under gen unless a write came in since. */
static kz_rc render_page(kz_call *c, const kz_contact_filter *f, const kz_page *pg, uint64_t gen, kz_buf *out)
{
    kz_numbered_contact_page p;
    kz_rc rc = kz_store_contact_list_numbered(c->db, f, pg, c->arena, &p, c->err);
    size_t *at = rc ? NULL : kz_arena_calloc(c->arena, p.n + 1, sizeof *at);
    if (!rc && !at)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (rc)
        return rc;
    kz_rc w = page_head(out);
    for (size_t i = 0; !w && i < p.n; i++) {
        if (i)
            w = kz_buf_puts(out, ",");
        at[i] = out->len;
        if (!w)
            w = kz_json_write(out, &kz_contact_schema, &p.items[i].c);
    }
    at[p.n] = out->len + 1; /* so that item i ends at at[i + 1] - 1 (the comma) */
    if (!w)
        w = page_tail(out, p.next);
    if (w)
        return kz_fail(c->err, w, NULL, NULL);
    if (rendered && kz_store_generation_seen(c->db) == gen) /* the page is of gen's snapshot */
        for (size_t i = 0; i < p.n; i++)
            kz_rowcache_put(rendered, p.items[i].row, gen, out->p + at[i], at[i + 1] - 1 - at[i]);
    return KZ_OK;
}

/* The page from the cache alone into out: *done false (out to be discarded) when a row
 * of it is not cached, or a write came in between the first and the last read. */
static kz_rc page_from_cache(kz_call *c, const kz_contact_filter *f, const kz_page *pg, uint64_t gen,
                             kz_buf *out, bool *done)
{
    *done = false;
    kz_row_page rows;
    kz_rc rc = kz_store_contact_rows(c->db, f, pg, c->arena, &rows, c->err);
    if (rc)
        return rc;
    kz_rc w = page_head(out);
    bool all = !w && kz_rowcache_append_rows(rendered, rows.items, rows.n, gen, ',', out, &w);
    if (!w && all)
        w = page_tail(out, rows.next);
    if (w)
        return kz_fail(c->err, w, NULL, NULL);
    *done = all && kz_store_generation_seen(c->db) == gen; /* the rows' snapshot is gen's */
    return KZ_OK;
}

kz_rc kz_svc_contact_list_json(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_buf *out)
{
    kz_contact_filter shown;
    kz_rc rc = kz_svc_contact_shown(c, f, &shown);
    uint64_t gen = rendered ? kz_call_generation(c) : 0;
    bool done = false;
    if (!rc && rendered)
        rc = page_from_cache(c, &shown, pg, gen, out, &done);
    if (rc || done)
        return rc;
    kz_buf_reset(out); /* a row not cached (all of the page is read again) or a write */
    return render_page(c, &shown, pg, gen, out);
}
