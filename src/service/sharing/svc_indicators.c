/* Indicators: normalized on the way in (codec/sharing/indicator_norm.h), deduplicated per
 * (type, value, source), linked to incidents, written one at a time, in bulk or by an
 * importer through the same batch, and read only as kz_tlp_visible allows. */
#include "service/sharing/sharing.h"
#include "service/federation/federation.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/exercises/exercises.h"

#include "codec/sharing/indicator_norm.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { DESCRIPTION_MAX = 4000 };  /* as in the field table */

/* ---- the batch ------------------------------------------------------------------- */

static bool seen(const kz_ind_batch *b, char kind, const char *id)
{
    for (size_t i = 0; i < b->n_seen; i++)
        if (b->seen[i].kind == kind && strcmp(b->seen[i].id, id) == 0)
            return true;
    return false;
}

static void remember(kz_ind_batch *b, char kind, const char *id)
{
    if (b->n_seen < sizeof b->seen / sizeof *b->seen && strlen(id) < sizeof b->seen[0].id) {
        snprintf(b->seen[b->n_seen].id, sizeof b->seen[0].id, "%s", id);
        b->seen[b->n_seen++].kind = kind;
    }
}

static kz_rc item_field(kz_err *err, kz_rc rc, const char *field, size_t i)
{
    snprintf(err->field, sizeof err->field, "%s[%zu]", field, i);
    return rc;
}

kz_rc kz_ind_batch_begin(kz_call *c, kz_ind_batch *b, const char *action)
{
    memset(b, 0, sizeof *b);
    b->c = c;
    b->action = action;
    b->now = kz_now_ms();
    kz_arena_init(&b->find_arena);
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc)
        rc = kz_tx_begin(c);
    b->open = rc == KZ_OK;
    return rc;
}

static kz_rc check_source(kz_ind_batch *b, kz_indicator *o, kz_err *err)
{
    if (!o->source) {
        o->source = (char *)b->c->who.org;
        return o->source ? KZ_OK : kz_fail(err, KZ_EUNAUTH, NULL, "an API key is required");
    }
    if (seen(b, 's', o->source))
        return KZ_OK;
    const char *src = NULL;
    kz_rc rc = kz__acting_org(b->c, o->source, "source", &src, err);
    if (!rc)
        remember(b, 's', o->source);
    return rc;
}

static kz_rc check_links(kz_ind_batch *b, const kz_indicator *o, kz_err *err)
{
    kz_call *c = b->c;
    for (size_t i = 0; i < o->recipients.n; i++) {
        const char *id = o->recipients.v[i];
        if (seen(b, 'o', id))
            continue;
        kz_strlist one = {(char **)&o->recipients.v[i], 1};
        kz_rc rc = kz__check_orgs(c, &one, "recipients", err);
        if (rc)
            return item_field(err, rc, "recipients", i);
        remember(b, 'o', id);
    }
    for (size_t i = 0; i < o->incidents.n; i++) {
        const char *id = o->incidents.v[i];
        if (seen(b, 'i', id))
            continue;
        kz_incident inc;
        kz_rc rc = kz__visible_incident(c, id, &inc, err);
        if (rc == KZ_ENOTFOUND)
            rc = kz_fail(err, KZ_EINVAL, NULL, "no incident %.40s", id);
        if (rc)
            return item_field(err, rc, "incidents", i);
        remember(b, 'i', id);
    }
    return KZ_OK;
}

/* The run o is made in, as kz_svc_exercise_claim decides for a single create; on a node
 * without runs nothing to ask. */
static kz_rc claim(kz_ind_batch *b, kz_indicator *o, kz_err *err)
{
    if (!o->exercise)
        o->exercise = (char *)b->exercise;
    if (!b->runs) {
        bool any = false;
        kz_rc rc = kz_store_exercises_exist(b->c->db, &any, err);
        if (rc)
            return rc;
        b->runs = any ? 2 : 1;
    }
    if (b->runs == 1 && !o->exercise)
        return KZ_OK;
    if (o->exercise && !o->recipients.n && strcmp(o->exercise, b->claimed) == 0)
        return KZ_OK;  /* the same run, the same caller, nobody else named: as the last */
    kz_err *saved = b->c->err;
    b->c->err = err;
    kz_rc rc = kz_svc_exercise_claim(b->c, KZ_XO_INDICATOR, NULL, &o->exercise,
                                     (const char *const *)o->recipients.v, o->recipients.n);
    b->c->err = saved;
    if (!rc && o->exercise && !o->recipients.n)
        snprintf(b->claimed, sizeof b->claimed, "%s", o->exercise);
    return rc;
}

kz_rc kz_ind_batch_check(kz_ind_batch *b, kz_indicator *o, unsigned given, kz_arena *scratch, kz_err *err)
{
    if (o->type < 0 || o->type >= KZ_IND_TYPE_COUNT)
        return kz_fail(err, KZ_EINVAL, "type", "unknown indicator type");
    if (!o->value || !o->value[0])
        return kz_fail(err, KZ_EINVAL, "value", "value is required");
    if (o->tlp < KZ_TLP_CLEAR || o->tlp > KZ_TLP_RED)
        return kz_fail(err, KZ_EINVAL, "tlp", "unknown TLP label");
    if (o->description) {
        size_t n = strlen(o->description);
        if (!kz_text_ok(o->description, n, true) || kz_utf8_count(o->description, n) > DESCRIPTION_MAX)
            return kz_fail(err, KZ_EINVAL, "description",
                           "description must be UTF-8 text of at most %d characters", DESCRIPTION_MAX);
    }
    kz_norm norm;
    kz_rc rc = kz_indicator_normalize((kz_ind_type)o->type, o->value, strlen(o->value), scratch, "value",
                                      &norm, err);
    if (rc)
        return rc;
    o->value = norm.value;
    o->registrable = norm.registrable;
    if (!(given & KZ_GIVEN_CONFIDENCE))
        o->confidence = KZ_CONFIDENCE_DEFAULT;
    if (o->confidence < 0 || o->confidence > 100)
        return kz_fail(err, KZ_EINVAL, "confidence", "confidence must be from 0 to 100");
    /* Defaults apply to a new indicator only; a merge ignores what was not given. */
    bool first = given & KZ_GIVEN_FIRST_SEEN, last = given & KZ_GIVEN_LAST_SEEN;
    if (!first)
        o->first_seen = last ? o->last_seen : b->now;
    if (!last)
        o->last_seen = first ? o->first_seen : b->now;
    if (o->first_seen > o->last_seen)
        return kz_fail(err, KZ_EINVAL, "first_seen", "first_seen is later than last_seen");
    if ((rc = check_source(b, o, err)) || (rc = check_links(b, o, err)) || (rc = claim(b, o, err)))
        return rc;
    b->made_id = NULL;
    if (!o->id) {  /* an importer may keep the id the indicator had elsewhere */
        char *id = kz_arena_alloc(scratch, KZ_UUID_TEXT);
        if (!id)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        if (b->ids_at_write)  /* its text is made when the queue is written */
            memcpy(id, "00000000-0000-4000-8000-000000000000", KZ_UUID_TEXT);
        else
            kz_uuid_ordered(id, b->now);  /* time-ordered: bulk inserts append to the id index */
        o->id = id;
        b->made_id = id;
    }
    o->created = o->modified = b->now;
    return KZ_OK;
}

static void count(kz_ind_batch *b, kz_upsert result)
{
    if (result == KZ_UPSERT_CREATED)
        b->created++;
    else if (result == KZ_UPSERT_MERGED)
        b->merged++;
    else
        b->unchanged++;
}

/* The stored indicator o would merge into; KZ_ENOTFOUND when none. */
static kz_rc find_stored(kz_ind_batch *b, const kz_indicator *o, kz_indicator *stored, kz_err *err)
{
    if (++b->finds % 256 == 0) {  /* constant memory however long the import */
        kz_arena_free(&b->find_arena);
        kz_arena_init(&b->find_arena);
    }
    kz_err e;
    kz_rc rc = kz_store_indicator_find(b->c->db, o, &b->find_arena, stored, &e);
    return rc && rc != KZ_ENOTFOUND ? kz_fail(err, rc, NULL, "%s", e.msg) : rc;
}

/* A stored indicator the caller may not see: answered as a new one, left alone. */
static kz_rc put_hidden(kz_ind_batch *b, const kz_indicator *o, const kz_indicator *stored, kz_upsert *result,
                        char id_out[37], kz_err *err)
{
    kz_err *saved = b->c->err;
    b->c->err = err;
    kz_rc rc = kz__audit_withheld(b->c, "indicator", stored->id);
    b->c->err = saved;
    if (rc)
        return rc;
    *result = KZ_UPSERT_CREATED;
    b->links += o->incidents.n;
    if (id_out)
        snprintf(id_out, 37, "%s", o->id);
    count(b, *result);
    return KZ_OK;
}

/* The sharing o asks for, the stored fields standing in for those not given. */
static kz_tlp_subject wanted(const kz_indicator *o, unsigned given, const kz_indicator *stored)
{
    const kz_indicator *r = given & KZ_GIVEN_RECIPIENTS ? o : stored;
    return (kz_tlp_subject){
        .tlp = given & KZ_GIVEN_TLP ? o->tlp : stored->tlp, .source_org = stored->source,
        .recipients = (const char *const *)r->recipients.v, .n_recipients = r->recipients.n,
        .allow_clients = given & KZ_GIVEN_ALLOW_CLIENTS ? o->allow_clients : stored->allow_clients,
    };
}

static bool same_run(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* put, once o's key has been looked up: found is KZ_OK (stored holds the row) or
 * KZ_ENOTFOUND. own_id: o's id was made by check, so no other row has it (the upsert can
 * fail on nothing else). A row that is stored, that the put would not change (the
 * upsert's own rule, kz_store_indicator_unchanged) and that needs no id or link back is
 * answered unchanged without the upsert: a feed imported again writes nothing. */
static kz_rc put_found(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_rc found,
                       const kz_indicator *found_row, bool own_id, kz_upsert *result, char id_out[37],
                       kz_err *err)
{
    kz_indicator stored = *found_row, w = *o;
    kz_tlp_subject before, after;
    kz_rc rc = found;
    if (!rc)
        before = kz_indicator_subject(&stored);
    kz_write_target t = kz__write_target(b->c, rc ? NULL : &before);
    b->hidden_last = t == KZ_WRITE_HIDDEN;
    if (t == KZ_WRITE_HIDDEN)
        return put_hidden(b, o, &stored, result, id_out, err);
    if (t != KZ_WRITE_NEW && !same_run(o->exercise, stored.exercise))
        return kz_fail(err, KZ_ECONFLICT, "exercise", "%s of the same source is %s: exercise material and real "
                       "work are kept apart", o->value, stored.exercise ? "exercise material" : "real work");
    bool declassified = false;
    if (t != KZ_WRITE_NEW) {
        kz_tlp_subject want = wanted(o, given, &stored);
        declassified = kz__merge_sharing(t, (given & KZ_GIVEN_DECLASSIFY) || b->allow_declassify, &before,
                                         &want, &after);
        w.tlp = after.tlp;
        w.recipients = (kz_strlist){(char **)after.recipients, after.n_recipients};
        w.allow_clients = after.allow_clients;
        given |= KZ_GIVEN_TLP | KZ_GIVEN_RECIPIENTS | KZ_GIVEN_ALLOW_CLIENTS;
    }
    char id[KZ_UUID_TEXT];
    bool need_id = id_out || o->incidents.n || declassified;
    if (t != KZ_WRITE_NEW && own_id && !need_id && kz_store_indicator_unchanged(&stored, &w, given & KZ_GIVEN_ALL)) {
        *result = KZ_UPSERT_UNCHANGED;
        count(b, *result);
        return KZ_OK;
    }
    rc = kz_store_indicator_upsert(b->c->db, &w, given & KZ_GIVEN_ALL, result, need_id ? id : NULL, err);
    for (size_t i = 0; !rc && i < o->incidents.n; i++) {
        bool added = false;
        rc = kz_store_indicator_link(b->c->db, id, o->incidents.v[i], &added, err);
        if (added) {
            b->links++;
            if (*result == KZ_UPSERT_UNCHANGED)
                *result = KZ_UPSERT_MERGED;
        }
    }
    if (!rc && declassified && *result != KZ_UPSERT_UNCHANGED) {
        kz_err *saved = b->c->err;
        b->c->err = err;
        rc = kz__audit_declassify(b->c, "indicator", id, &before, &after);
        b->c->err = saved;
    }
    if (rc)
        return rc;
    if (id_out)
        memcpy(id_out, id, sizeof id);
    count(b, *result);
    return KZ_OK;
}

kz_rc kz_ind_batch_put(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_upsert *result,
                       char id_out[37], kz_err *err)
{
    kz_indicator stored = {0};
    kz_rc rc = find_stored(b, o, &stored, err);
    if (rc && rc != KZ_ENOTFOUND)
        return rc;
    return put_found(b, o, given, rc, &stored, o->id && o->id == b->made_id, result, id_out, err);
}

struct kz_ind_queued {
    kz_indicator o;
    unsigned given;
    size_t seq;
    bool made_id;  /* its id was made by check: made again in write order */
};

enum { QUEUE_CHUNK = 32768 };

static int by_key(const void *x, const void *y)
{
    const kz_ind_queued *a = x, *b = y;
    if (a->o.type != b->o.type)
        return a->o.type < b->o.type ? -1 : 1;
    int c = strcmp(a->o.value, b->o.value);
    if (c)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The queue's sort key (type, value): equal ones are adjacent, whatever their sources. */
static bool same_key(const kz_indicator *a, const kz_indicator *b)
{
    return a->type == b->type && strcmp(a->value, b->value) == 0;
}

/* The rows waiting to be written by one set insert, in queue order. */
typedef struct fresh_rows {
    const kz_ind_queued *v[KZ_IND_INSERT_BLOCK];
    size_t n;
} fresh_rows;

/* After a set insert that skipped stored keys: each of its rows, in queue order, is
 * looked up. One the insert wrote (the stored id is the one it was given) is noted for
 * the change log with the next of the inserted rows' numbers; one it skipped goes through
 * put as it would have one by one, decided by the write rules on what is stored (merged,
 * unchanged, or hidden from the caller: answered as created, left as it was). A skipped
 * row takes no row number, so the inserted ones have those they would have had. */
static kz_rc settle(kz_ind_batch *b, const fresh_rows *f, int64_t next, kz_err *err)
{
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < f->n; i++) {
        const kz_ind_queued *q = f->v[i];
        kz_indicator stored = {0};
        rc = find_stored(b, &q->o, &stored, err);
        if (rc == KZ_ENOTFOUND)
            return kz_fail(err, KZ_EINTERNAL, NULL, "%s vanished during a set insert", q->o.value);
        if (!rc && strcmp(stored.id, q->o.id) == 0) {
            rc = kz_store_indicator_note(b->c->db, next++, err);
            b->created++;
        } else if (!rc) {
            kz_upsert res;
            rc = put_found(b, &q->o, q->given, KZ_OK, &stored, q->made_id, &res, NULL, err);
        }
    }
    return rc;
}

/* Writes the waiting rows by set inserts that skip stored keys. A block that met mostly
 * stored keys (a feed imported again) makes the next rows be looked up before they
 * wait, until a full block of keys found new is met. */
static kz_rc write_fresh(kz_ind_batch *b, fresh_rows *f, kz_err *err)
{
    const kz_indicator *rows[KZ_IND_INSERT_BLOCK];
    for (size_t i = 0; i < f->n; i++)
        rows[i] = &f->v[i]->o;
    size_t created = 0;
    int64_t first = 0;
    kz_rc rc = f->n ? kz_store_indicator_insert_new(b->c->db, rows, f->n, &created, &first, err) : KZ_OK;
    if (!rc && created == f->n) {
        b->created += f->n;
        b->hidden_last = false;
    } else if (!rc) {
        rc = settle(b, f, first, err);
    }
    if (created * 2 < f->n)
        b->look_first = true;
    else if (created == KZ_IND_INSERT_BLOCK)
        b->look_first = false;
    f->n = 0;
    return rc;
}

/* The lookups of a window of the queue, made by one set statement while the batch looks
 * rows up first (a feed imported again). The window ends before a key (type, value) equal
 * to the one before it, whose answer depends on that row's write; the others' rows are
 * written by nobody else meanwhile (the write lock is held), so each answer is the one a
 * lookup in its turn would give. */
typedef struct found_window {
    size_t from, n;
    kz_rc rc[KZ_IND_INSERT_BLOCK];
    kz_indicator row[KZ_IND_INSERT_BLOCK];
    kz_arena arena;  /* the rows' strings, until the next window */
} found_window;

static kz_rc look_up(kz_ind_batch *b, size_t i, found_window *w, kz_indicator *stored, kz_err *err)
{
    if (!b->look_first)
        return find_stored(b, &b->queue[i].o, stored, err);
    if (i < w->from || i >= w->from + w->n) {
        const kz_indicator *keys[KZ_IND_INSERT_BLOCK];
        size_t n = 0;
        while (n < KZ_IND_INSERT_BLOCK && i + n < b->queued &&
               (n == 0 || !same_key(&b->queue[i + n - 1].o, &b->queue[i + n].o)))
            keys[n] = &b->queue[i + n].o, n++;
        kz_arena_free(&w->arena);
        kz_arena_init(&w->arena);
        w->from = i;
        w->n = 0;
        kz_err e;
        kz_rc rc = kz_store_indicator_find_many(b->c->db, keys, n, &w->arena, w->row, w->rc, &e);
        if (rc)
            return kz_fail(err, rc, NULL, "%s", e.msg);
        w->n = n;
    }
    *stored = w->row[i - w->from];
    return w->rc[i - w->from];
}

/* One queued indicator (the queue's i-th), in queue order. One whose id was made by
 * check, without incident links, waits for the next set insert (the write rule for a key
 * not stored is the new object's, KZ_WRITE_NEW, and a stored key is skipped by the insert
 * and put then, by the rules for what is stored): without a lookup, unless the last block
 * met mostly stored keys; then only when its lookup found nothing. Any other goes through
 * put, after the waiting rows (the order of the writes, so the row numbers and the change
 * log, stays that of writing one by one). A key (type, value) equal to the previous one's
 * (the queue is sorted) writes the waiting rows first, so that its lookup finds the row
 * just inserted and it merges as it did one by one. */
static kz_rc flush_one(kz_ind_batch *b, size_t i, fresh_rows *f, found_window *w, kz_err *err)
{
    const kz_ind_queued *q = &b->queue[i];
    bool again = i && same_key(&b->queue[i - 1].o, &q->o);
    kz_rc rc = f->n && again ? write_fresh(b, f, err) : KZ_OK;
    if (rc)
        return rc;
    bool plain = q->made_id && !q->o.incidents.n && kz__write_target(b->c, NULL) == KZ_WRITE_NEW;
    kz_indicator stored = {0};
    kz_rc found = plain && !again && !b->look_first ? KZ_ENOTFOUND : look_up(b, i, w, &stored, err);
    if (found && found != KZ_ENOTFOUND)
        return found;
    if (found == KZ_ENOTFOUND && plain) {
        f->v[f->n++] = q;
        return f->n == KZ_IND_INSERT_BLOCK ? write_fresh(b, f, err) : KZ_OK;
    }
    if ((rc = write_fresh(b, f, err)))
        return rc;
    kz_upsert res;
    return put_found(b, &q->o, q->given, found, &stored, q->made_id, &res, NULL, err);
}

static kz_rc flush_queue(kz_ind_batch *b, kz_err *err)
{
    qsort(b->queue, b->queued, sizeof *b->queue, by_key);
    /* ids made in arrival order would reach the id index and the change log's object
     * index in key order, all over their last pages; made again in write order, they
     * are appended there (kz_uuid_ordered increases strictly) */
    for (size_t i = 0; i < b->queued; i++)
        if (b->queue[i].made_id)
            kz_uuid_ordered(b->queue[i].o.id, b->now);
    /* the change log written once for the queue, not by a trigger per row */
    kz_rc rc = kz_store_indicator_bulk_begin(b->c->db, err);
    fresh_rows f = {.n = 0};
    found_window *w = kz_calloc(1, sizeof *w);
    if (!w && !rc)
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (w)
        kz_arena_init(&w->arena);
    for (size_t i = 0; !rc && i < b->queued; i++)
        rc = flush_one(b, i, &f, w, err);
    if (!rc)
        rc = write_fresh(b, &f, err);
    if (w) {
        kz_arena_free(&w->arena);
        kz_free(w);
    }
    kz_rc end = kz_store_indicator_bulk_end(b->c->db, !rc, err);
    if (!rc)
        rc = end;
    b->queued = 0;
    kz_arena_free(&b->queue_arena);
    kz_arena_init(&b->queue_arena);
    return rc;
}

kz_rc kz_ind_batch_queue(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_err *err)
{
    if (!b->queue) {
        if (!(b->queue = kz_malloc(QUEUE_CHUNK * sizeof *b->queue)))
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        b->queue_cap = QUEUE_CHUNK;
        kz_arena_init(&b->queue_arena);
        /* the indexes a bulk write grows should stay in memory while it runs */
        kz_store_cache_kib(b->c->db, KZ_STORE_BULK_CACHE_KIB, err);
    }
    kz_ind_queued *q = &b->queue[b->queued];
    q->o = *o;
    q->given = given;
    q->seq = b->created + b->merged + b->unchanged + b->queued;
    q->made_id = o->id && o->id == b->made_id;
    if (kz_schema_own(&kz_indicator_schema, &q->o, &b->queue_arena))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return ++b->queued == b->queue_cap ? flush_queue(b, err) : KZ_OK;
}

bool kz_ind_batch_chunk_changed(const kz_ind_batch *b)
{
    return b->created > b->at_chunk[0] || b->merged > b->at_chunk[1];
}

/* Whether the open chunk is to be committed: commit_every records, or (by time) open
 * for KZ_IND_CHUNK_MS, the clock read every 256 records. */
static bool chunk_full(kz_ind_batch *b)
{
    if (b->commit_every != KZ_IND_CHUNK_AUTO)
        return b->steps >= b->commit_every;
    if (b->steps - b->clock_read_at < 256)
        return false;
    b->clock_read_at = b->steps;
    return kz_mono_ms() - b->chunk_began >= KZ_IND_CHUNK_MS;
}

/* Audits what the open chunk (or the whole batch, without chunks) changed; full: the
 * chunk is committed because it is full (so it is a chunk even when the first). */
static kz_rc audit_counts(kz_ind_batch *b, bool full)
{
    size_t created = b->created - b->at_chunk[0], merged = b->merged - b->at_chunk[1];
    size_t unchanged = b->unchanged - b->at_chunk[2], links = b->links - b->at_chunk[3];
    if (!kz_ind_batch_chunk_changed(b))
        return KZ_OK;
    char detail[200], chunk[40] = "";
    if (b->commit_every && (b->chunks || full))  /* a chunked import */
        snprintf(chunk, sizeof chunk, ",\"chunk\":%zu", b->chunks + 1);
    snprintf(detail, sizeof detail, "{\"created\":%zu,\"merged\":%zu,\"unchanged\":%zu,\"links\":%zu%s}",
             created, merged, unchanged, links, chunk);
    return kz_audit(b->c, b->action, "indicator", NULL, detail);
}

kz_rc kz_ind_batch_step(kz_ind_batch *b, uint64_t n)
{
    if (b->commit_every == KZ_IND_CHUNK_AUTO && !b->steps && !b->clock_read_at)
        b->chunk_began = kz_mono_ms();
    b->steps += n;
    if (!b->commit_every || b->dry_run || !chunk_full(b))
        return KZ_OK;
    kz_call *c = b->c;
    kz_rc rc = b->queued ? flush_queue(b, c->err) : KZ_OK;
    if (!rc)
        rc = audit_counts(b, true);
    if (!rc && b->audit_chunk)
        rc = b->audit_chunk(b->chunk_ctx, b->chunks + 1);
    b->open = false;
    if ((rc = kz_tx_end(c, rc)))
        return rc;
    b->chunks++;
    b->committed += b->steps;
    b->steps = 0;
    b->clock_read_at = 0;
    size_t now[4] = {b->created, b->merged, b->unchanged, b->links};
    memcpy(b->at_chunk, now, sizeof now);
    kz_store_yield(c->db);  /* the API's writers waiting for the lock go first */
    rc = kz_tx_begin(c);
    b->open = rc == KZ_OK;
    b->chunk_began = kz_mono_ms();
    return rc;
}

kz_rc kz_ind_batch_end(kz_ind_batch *b, kz_rc rc)
{
    kz_call *c = b->c;
    if (!rc && !b->open)  /* a failed step's result was not passed on */
        rc = kz_fail(c->err, KZ_EINTERNAL, NULL, "the batch's transaction is not open");
    if (!rc && b->queued)
        rc = flush_queue(b, c->err);
    kz_arena_free(&b->find_arena);
    if (b->queue) {
        kz_free(b->queue);
        b->queue = NULL;
        kz_arena_free(&b->queue_arena);
        kz_store_cache_kib(c->db, KZ_STORE_CACHE_KIB, NULL);
    }
    if (!b->open)  /* begin or a step failed: nothing is open to end */
        return rc;
    b->open = false;
    if (!rc && b->dry_run) {
        kz_tx_end(c, KZ_ECONFLICT);  /* roll back: nothing was written */
        return KZ_OK;
    }
    if (!rc)
        rc = audit_counts(b, false);
    rc = kz_tx_end(c, rc);
    if (!rc && b->steps)
        b->committed += b->steps;
    return rc;
}

/* ---- use cases ------------------------------------------------------------------- */

kz_rc kz__visible_indicator(kz_call *c, const char *id, kz_indicator *out)
{
    kz_rc rc = kz_store_indicator_get(c->db, &c->who, id, c->arena, out, c->err);
    if (rc)
        return rc;
    kz_tlp_subject subj = kz_indicator_subject(out);
    if (!kz_tlp_visible(&c->who, &subj))
        return kz_fail(c->err, KZ_ENOTFOUND, "indicator", "no indicator %.40s", id);
    return KZ_OK;
}

kz_rc kz_svc_indicator_create(kz_call *c, kz_indicator *o, unsigned given, kz_upsert *result)
{
    kz_ind_batch b;
    char id[KZ_UUID_TEXT] = "";
    kz_rc rc = kz_ind_batch_begin(c, &b, "indicator.create");
    if (rc)
        return rc;
    rc = kz_ind_batch_check(&b, o, given, c->arena, c->err);
    if (!rc)
        rc = kz_ind_batch_put(&b, o, given, result, id, c->err);
    if (!rc && *result == KZ_UPSERT_MERGED)
        b.action = "indicator.merge";
    /* the writer acts for the source, so it is shown what it wrote whatever the label;
     * over an indicator hidden from it, only what it wrote (sharing.h, rule 1). Read
     * inside the transaction: a call that fails has changed nothing. */
    if (!rc && !b.hidden_last)
        rc = kz_store_indicator_get(c->db, &c->who, id, c->arena, o, c->err);
    rc = kz_ind_batch_end(&b, rc);
    if (!rc)
        kz__show_indicator(c, o);
    return rc;
}

/* "value" -> "items[3].value" (truncated to the slot). */
static void prefix_item(kz_err *e, size_t i)
{
    char field[sizeof e->field];
    int k = snprintf(field, sizeof field, "items[%zu]%s", i, e->field[0] ? "." : "");
    size_t used = k > 0 && (size_t)k < sizeof field ? (size_t)k : 0;
    size_t rest = strnlen(e->field, sizeof e->field - 1);
    if (used + rest >= sizeof field)
        rest = sizeof field - 1 - used;
    memcpy(field + used, e->field, rest);
    field[used + rest] = '\0';
    memcpy(e->field, field, sizeof field);
}

kz_rc kz_svc_indicator_bulk(kz_call *c, kz_indicator *items, const unsigned *given, size_t n,
                            kz_bulk_report *report)
{
    memset(report, 0, sizeof *report);
    if (n == 0)
        return kz_fail(c->err, KZ_EINVAL, "items", "items must not be empty");
    if (n > KZ_BULK_MAX)
        return kz_fail(c->err, KZ_EINVAL, "items", "at most %d indicators in one request", KZ_BULK_MAX);
    report->errors = kz_arena_calloc(c->arena, n < KZ_BULK_ERRORS_MAX ? n : KZ_BULK_ERRORS_MAX,
                                     sizeof *report->errors);
    report->results = kz_arena_calloc(c->arena, n, sizeof *report->results);
    report->ids = kz_arena_calloc(c->arena, n, sizeof *report->ids);
    if (!report->errors || !report->results || !report->ids)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_ind_batch b;
    kz_rc rc = kz_ind_batch_begin(c, &b, "indicator.bulk"), first = KZ_OK;
    if (rc)
        return rc;
    /* Check everything first, so that one bad item writes nothing and every bad item
     * is reported. */
    for (size_t i = 0; i < n; i++) {
        kz_err e;
        kz_err_clear(&e);
        kz_rc r = kz_ind_batch_check(&b, &items[i], given[i], c->arena, &e);
        if (r == KZ_ENOMEM || r == KZ_ESTORE || r == KZ_EBUSY || r == KZ_EINTERNAL) {
            *c->err = e;
            return kz_ind_batch_end(&b, r);
        }
        if (!r)
            continue;
        prefix_item(&e, i);
        if (!first) {
            first = r;
            *c->err = e;
        }
        if (report->n_errors < KZ_BULK_ERRORS_MAX)
            report->errors[report->n_errors++] = (kz_item_error){i, e};
    }
    if (first)
        return kz_ind_batch_end(&b, first);
    for (size_t i = 0; !rc && i < n; i++)
        rc = kz_ind_batch_put(&b, &items[i], given[i], &report->results[i], report->ids[i], c->err);
    report->created = b.created;
    report->merged = b.merged;
    report->unchanged = b.unchanged;
    return kz_ind_batch_end(&b, rc);
}

kz_rc kz_svc_indicator_get(kz_call *c, const char *id, kz_indicator *out)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc && !(rc = kz__visible_indicator(c, id, out)))
        kz__show_indicator(c, out);
    return rc;
}

kz_rc kz_svc_indicator_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_indicator *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz__visible_indicator(c, id, out);
    if (!rc)
        rc = kz_fed_read_only(c, KZ_FED_INDICATOR, id);
    if (!rc)
        rc = kz_authz_org(c, out->source, NULL);
    if (rc)  /* out was not read: nothing below may look at it */
        return kz_tx_end(c, rc);
    kz_indicator before = *out;
    rc = apply(out, ctx, c->err);
    bool relink = out->incidents.v != before.incidents.v || out->incidents.n != before.incidents.n;
    if (!rc && out->first_seen > out->last_seen)
        rc = kz_fail(c->err, KZ_EINVAL, "first_seen", "first_seen is later than last_seen");
    if (!rc) {
        kz_ind_batch b = {.c = c};  /* only for its checks of recipients and incidents */
        kz_indicator links = *out;
        if (!relink)
            links.incidents.n = 0;
        rc = check_links(&b, &links, c->err);
    }
    if (!rc) {
        out->modified = kz_now_ms();
        rc = kz_store_indicator_update(c->db, out, c->err);
    }
    if (!rc && relink)
        rc = kz_store_indicator_set_links(c->db, &c->who, id, &out->incidents, c->err);
    kz_tlp_subject was = kz_indicator_subject(&before), now = kz_indicator_subject(out);
    if (!rc && !kz_tlp_narrows(&was, &now))  /* explicit, by the source alone (sharing.h) */
        rc = kz__may_reshare(c, &was, &now, "tlp");
    if (!rc && !kz_tlp_narrows(&was, &now))
        rc = kz__audit_declassify(c, "indicator", id, &was, &now);
    if (!rc)
        rc = kz_audit(c, "indicator.update", "indicator", id, NULL);
    if (!rc)
        rc = kz_store_indicator_get(c->db, &c->who, id, c->arena, out, c->err);
    if (!rc)
        kz__show_indicator(c, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_indicator_list(kz_call *c, const kz_indicator_filter *f, const kz_page *pg,
                            kz_indicator_page *out)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = kz_store_indicator_list(c->db, &c->who, f, pg, c->arena, out, c->err);
    for (size_t i = 0; !rc && i < out->n; i++)
        kz__show_indicator(c, &out->items[i]);
    return rc;
}

kz_rc kz_svc_indicator_counts(kz_call *c, const kz_indicator_filter *f, kz_indicator_dim by, kz_counts *out)
{
    kz_rc rc = kz__sharing_read(c);
    return rc ? rc : kz_store_indicator_counts(c->db, &c->who, f, by, c->arena, out, c->err);
}

/* Each indicator of a walk, as the caller is shown it. */
typedef struct shown_walk {
    const kz_call *c;
    kz_indicator_fn fn;
    void *ctx;
} shown_walk;

static kz_rc show_one(const kz_indicator *o, void *ctx)
{
    shown_walk *w = ctx;
    kz_indicator shown = *o;
    kz__show_indicator(w->c, &shown);
    return w->fn(&shown, w->ctx);
}

kz_rc kz_svc_indicator_each(kz_call *c, const kz_indicator_filter *f, kz_indicator_fn fn, void *ctx)
{
    kz_rc rc = kz__sharing_read(c);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    shown_walk w = {c, fn, ctx};
    rc = kz_store_indicator_each(c->db, &c->who, f, show_one, &w, c->err);
    kz_rtx_end(c);
    return rc;
}
