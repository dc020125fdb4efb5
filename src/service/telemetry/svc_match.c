/* The matching pipeline (see match.h): one reading thread, worker threads that parse
 * and match whole blocks, and the in-order hand-over of each block's matches. */
#include "service/telemetry/match.h"

#include "engine/match.h"
#include "service/routing/geo.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/json_text.h"
#include "util/progress.h"
#include "util/reader.h"
#include "util/utf8.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A match kept with its block until the block is handed over: strings are copied into
 * the job's text, since the parser's scratch is reused by the next line. */
typedef struct mrec {
    uint32_t line;          /* 0-based within the block */
    uint32_t ind;
    uint32_t field, observed, ts, victim, victim_field;  /* offsets into text */
    uint16_t field_len, victim_field_len, ts_len;
    uint32_t observed_len, victim_len;
    uint8_t field_kind;     /* kz_obs_kind of the field named */
} mrec;

typedef struct warning {
    uint32_t line;
    char what;              /* 'L' too long, 'M' malformed */
    uint64_t len;
} warning;

typedef struct job {
    kz_block blk;
    const void *fmt_state;
    uint64_t lines, bytes, malformed, too_long, invalid_utf8, truncated, matched_lines;
    mrec *m;
    size_t nm, cap_m;
    char *text;
    size_t text_len, text_cap;
    warning warn[KZ_MATCH_WARNINGS];
    int n_warn;
    bool nomem;
} job;

typedef struct run run;

typedef struct worker {
    run *r;
    pthread_t tid;
    kz_logctx *lc;
    kz_match_scratch *ms;
    kz_record rec;
    kz_geo_reader geo;
    job *cur;
    uint32_t line_idx;
    size_t line_first_match;
} worker;

struct run {
    const kz_indset *set;
    const kz_match_opts *o;
    const kz_logfmt *fmt;
    int nthreads;
    worker *w;
    /* the queue of blocks to match, and the finished ones by sequence number */
    pthread_mutex_t lock;
    pthread_cond_t work_ready, work_done;
    job **queue;
    size_t q_head, q_len, pool;
    job **done;             /* done[seq % pool] */
    bool stop;
};

/* ---- the workers ---------------------------------------------------------------- */

static bool text_add(job *j, const char *s, size_t n, uint32_t *off)
{
    if (j->text_len + n > j->text_cap) {
        size_t cap = j->text_cap ? j->text_cap : 4096;
        while (cap < j->text_len + n)
            cap *= 2;
        char *t = kz_realloc(j->text, cap);
        if (!t)
            return false;
        j->text = t;
        j->text_cap = cap;
    }
    if (n)
        memcpy(j->text + j->text_len, s, n);
    *off = (uint32_t)j->text_len;
    j->text_len += n;
    return true;
}

/* Sets the field and the value that name match m. False when out of memory (noted). */
static bool name_field(job *j, mrec *m, const kz_logfield *f, const char *obs, size_t obs_len)
{
    size_t fl = f->name_len > UINT16_MAX ? UINT16_MAX : f->name_len;
    if (!text_add(j, f->name, fl, &m->field) || !text_add(j, obs, obs_len, &m->observed)) {
        j->nomem = true;
        return false;
    }
    m->field_len = (uint16_t)fl;
    m->observed_len = (uint32_t)obs_len;
    m->field_kind = (uint8_t)f->kind;
    return true;
}

static void on_hit(void *ctx, const kz_logfield *f, kz_run hits, const char *obs, size_t obs_len)
{
    worker *w = ctx;
    job *j = w->cur;
    const kz_record *rec = &w->rec;
    for (uint32_t k = 0; k < hits.n; k++) {
        uint32_t ind = hits.first + k;
        /* one match per (line, indicator): kz_match_prefer picks the field it names */
        mrec *held = NULL;
        for (size_t i = w->line_first_match; i < j->nm && !held; i++)
            if (j->m[i].ind == ind)
                held = &j->m[i];
        if (held) {
            if (kz_match_prefer(kz_indset_type(w->r->set, ind), (kz_obs_kind)held->field_kind, f->kind) &&
                !name_field(j, held, f, obs, obs_len))
                return;
            continue;
        }
        if (j->nm == j->cap_m) {
            size_t cap = j->cap_m ? j->cap_m * 2 : 256;
            mrec *m = kz_realloc(j->m, cap * sizeof *m);
            if (!m) {
                j->nomem = true;
                return;
            }
            j->m = m;
            j->cap_m = cap;
        }
        mrec *m = &j->m[j->nm];
        memset(m, 0, sizeof *m);
        m->line = w->line_idx;
        m->ind = ind;
        size_t tl = rec->ts_len > UINT16_MAX ? UINT16_MAX : rec->ts_len;
        size_t vfl = rec->victim_field_len > UINT16_MAX ? UINT16_MAX : rec->victim_field_len;
        if (!name_field(j, m, f, obs, obs_len) || !text_add(j, rec->ts, rec->ts ? tl : 0, &m->ts) ||
            !text_add(j, rec->victim, rec->victim ? rec->victim_len : 0, &m->victim) ||
            !text_add(j, rec->victim_field, rec->victim_field ? vfl : 0, &m->victim_field)) {
            j->nomem = true;
            return;
        }
        m->ts_len = rec->ts ? (uint16_t)tl : 0;
        m->victim_len = rec->victim ? (uint32_t)rec->victim_len : 0;
        m->victim_field_len = rec->victim_field ? (uint16_t)vfl : 0;
        j->nm++;
    }
}

/* An address seen: its AS, from the routing data, against the AS indicators. */
static void on_ip(void *ctx, const kz_logfield *f, const unsigned char *a, int family, const char *obs,
                  size_t obs_len)
{
    worker *w = ctx;
    kz_ip ip = {.family = family};
    if (family == 4)
        ip.v4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    else
        memcpy(ip.v6, a, 16);
    kz_geo_hit g;
    kz_geodb_lookup(&w->geo, &ip, 1, &g);
    if (g.asn)
        on_hit(w, f, kz_indset_asn(w->r->set, g.asn), obs, obs_len);
}

/* Only lines with bytes past ASCII are decoded. */
static bool utf8_ok(const char *s, size_t n)
{
    return kz_ascii(s, n) || kz_utf8_count(s, n) != (size_t)-1;
}

static void note(job *j, uint32_t line, char what, uint64_t len)
{
    if (j->n_warn < KZ_MATCH_WARNINGS)
        j->warn[j->n_warn++] = (warning){line, what, len};
}

static void match_block(worker *w, job *j)
{
    const run *r = w->r;
    j->lines = j->bytes = j->malformed = j->too_long = j->invalid_utf8 = j->truncated = 0;
    j->matched_lines = 0;
    j->nm = j->text_len = 0;
    j->n_warn = 0;
    j->nomem = false;
    w->cur = j;
    kz_logctx_block(w->lc, j->blk.seq, j->fmt_state);
    bool asn = r->o->geodb && kz_indset_has(r->set, KZ_IND_ASN);
    if (asn)
        kz_geodb_begin(r->o->geodb, &w->geo);  /* pinned for the block */
    size_t pos = 0, start = 0;
    kz_line ln;
    uint32_t idx = 0;
    bool ascii = kz_ascii(j->blk.data, j->blk.len);  /* then every line is valid UTF-8 */
    while (kz_lines_next_inline(&j->blk, &pos, &ln)) {
        w->line_idx = idx;
        if (ln.too_long) {
            j->too_long++;
            note(j, idx, 'L', ln.len);
        } else {
            if (!ascii && !utf8_ok(ln.p, ln.len))
                j->invalid_utf8++;
            int got = kz_logfmt_parse(r->fmt, w->lc, ln.p, ln.len, start,
                                      j->blk.offset + start == 0, &w->rec);
            if (got < 0) {
                j->malformed++;
                note(j, idx, 'M', ln.len);
            } else if (got > 0) {
                j->truncated += w->rec.truncated != 0;
                w->line_first_match = j->nm;
                kz_match_line(w->ms);
                kz_match_fields(r->set, w->ms, w->rec.f, w->rec.n, on_hit, asn ? on_ip : NULL, w);
                j->matched_lines += j->nm > w->line_first_match;
            }
        }
        idx++;
        start = pos;
    }
    if (asn)
        kz_geodb_end(&w->geo);
    j->lines = idx;
    j->bytes = j->blk.skipped ? j->blk.skipped + 1 : j->blk.len;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->q_len && !r->stop)
            pthread_cond_wait(&r->work_ready, &r->lock);
        if (!r->q_len)
            break;
        job *j = r->queue[r->q_head];
        r->q_head = (r->q_head + 1) % r->pool;
        r->q_len--;
        pthread_mutex_unlock(&r->lock);
        match_block(w, j);
        pthread_mutex_lock(&r->lock);
        r->done[j->blk.seq % r->pool] = j;
        pthread_cond_broadcast(&r->work_done);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* ---- the reading thread ------------------------------------------------------- */

kz_time kz_match_parse_time(const char *s, size_t n)
{
    if (!s || n == 0 || n > 40)
        return 0;
    size_t i = 0;
    int64_t whole = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i < 16)
        whole = whole * 10 + (s[i++] - '0');
    if (i > 0 && (i == n || s[i] == '.')) {
        int64_t frac = 0, scale = 1;
        if (i < n) {
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                if (scale < 1000)
                    frac = frac * 10 + (s[i] - '0'), scale *= 10;
            if (i != n)
                return 0;
        }
        if (whole > 100000000000LL)  /* milliseconds already */
            return whole;
        return whole * 1000 + frac * (1000 / scale);
    }
    char tmp[48];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    kz_time t;
    return kz_time_parse(tmp, &t) == KZ_OK ? t : 0;
}

static void put_warnings(run *r, const char *file, job *j, uint64_t base, int *shown)
{
    const kz_match_opts *o = r->o;
    for (int i = 0; i < j->n_warn; i++) {
        if (!o->warn || *shown >= o->max_warnings)
            break;
        const warning *w = &j->warn[i];
        if (w->what == 'L')
            fprintf(o->warn, "%s:%llu: line of %llu bytes, over the %zu-byte limit: skipped\n", file,
                    (unsigned long long)(base + w->line + 1), (unsigned long long)w->len,
                    j->blk.max_line);
        else
            fprintf(o->warn, "%s:%llu: not a %s line: skipped\n", file,
                    (unsigned long long)(base + w->line + 1),
                    kz_enum_name(&kz_log_format_enum, (int)kz_logfmt_format(r->fmt)));
        (*shown)++;
    }
}

/* Hands a finished block's matches to the sink and adds its counts, once the reader has
 * found its lines to be the file's (kz_reader_done: a mapped file may have shrunk under
 * the workers); else *gone, the reader's error in *e, and this block and every later
 * one of the file are dropped. */
static kz_rc hand_over(run *r, kz_reader *rd, bool *gone, kz_err *e, const char *file, job *j, uint64_t *base,
                       kz_match_sink sink, void *ctx, kz_match_stats *st, int *shown, kz_err *err)
{
    if (*gone || kz_reader_done(rd, &j->blk, e) != KZ_OK) {
        *gone = true;
        return KZ_OK;
    }
    if (j->nomem)
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory while matching");
    put_warnings(r, file, j, *base, shown);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; i < j->nm && rc == KZ_OK; i++) {
        const mrec *m = &j->m[i];
        kz_match_hit h = {
            .file = file,
            .line = *base + m->line + 1,
            .ts = m->ts_len ? j->text + m->ts : NULL,
            .ts_len = m->ts_len,
            .field = j->text + m->field,
            .field_len = m->field_len,
            .observed = j->text + m->observed,
            .observed_len = m->observed_len,
            .victim = m->victim_len ? j->text + m->victim : NULL,
            .victim_len = m->victim_len,
            .victim_field = m->victim_field_len ? j->text + m->victim_field : NULL,
            .victim_field_len = m->victim_field_len,
            .ind = m->ind,
        };
        h.time = kz_match_parse_time(h.ts, h.ts_len);
        rc = sink(ctx, &h);
    }
    *base += j->lines;
    st->lines += j->lines;
    st->bytes += j->bytes;
    st->matches += j->nm;
    st->matched_lines += j->matched_lines;
    st->malformed += j->malformed;
    st->too_long += j->too_long;
    st->invalid_utf8 += j->invalid_utf8;
    st->truncated += j->truncated;
    return rc;
}

static void stop_workers(run *r, int started)
{
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_broadcast(&r->work_ready);
    pthread_mutex_unlock(&r->lock);
    for (int i = 0; i < started; i++)
        pthread_join(r->w[i].tid, NULL);
    r->stop = false;
}

static kz_rc scan_file(run *r, job *jobs, const char *path, kz_match_sink sink, void *ctx,
                       kz_match_stats *st, kz_err *err)
{
    const kz_match_opts *o = r->o;
    const char *name = strcmp(path, "-") == 0 ? "-" : path;
    kz_reader *rd;
    kz_err e;
    if (kz_reader_open(path, o->block_size, o->max_line, &rd, &e) != KZ_OK) {
        if (o->warn)
            fprintf(o->warn, "%s\n", e.msg);
        st->files++;
        st->failed_files++;
        return KZ_OK;
    }
    /* a named regular file is mapped: the reading thread then copies nothing (stdin,
       pipes and gzip are read); hand_over has each block judged before its matches go
       out, so that a file truncated under the workers is an error, not a crash */
    if (strcmp(path, "-") != 0)
        kz_reader_map(rd);
    kz_rc rc = KZ_OK;
    kz_logfmt *fmt = NULL;
    kz_logfmt_opts fo = o->fmt;
    fo.max_line = o->max_line ? o->max_line : KZ_READER_MAX_LINE;
    int started = 0, shown = 0;
    bool gone = false;  /* a block's lines were not the file's (hand_over) */
    uint64_t base = 0, next_seq = 0, out_seq = 0;
    size_t free_n = 0;
    job **free_jobs = kz_calloc(r->pool, sizeof *free_jobs);
    kz_progress *pg = o->progress ? kz_progress_new(STDERR_FILENO, "matching", NULL, kz_reader_size(rd))
                                  : NULL;
    if (!free_jobs) {
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
        goto out;
    }
    for (size_t i = 0; i < r->pool; i++) {
        free_jobs[free_n++] = &jobs[i];
        r->done[i] = NULL;
    }
    if ((rc = kz_logfmt_new(&fo, &fmt, err)))
        goto out;
    r->fmt = fmt;
    int got = kz_reader_block(rd, &free_jobs[free_n - 1]->blk, &e);
    if (got > 0) {
        const kz_block *b = &free_jobs[free_n - 1]->blk;
        if ((rc = kz_logfmt_prepare(fmt, b->data, b->len, err)))
            goto out;
    }
    for (; started < r->nthreads; started++) {
        worker *w = &r->w[started];
        w->r = r;
        kz_logctx_free(w->lc);
        w->lc = kz_logctx_new(fmt);
        if (!w->lc || pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            rc = kz_fail(err, KZ_ENOMEM, NULL, "cannot start the matching threads");
            goto out;
        }
    }
    while (got > 0) {
        job *j = free_jobs[--free_n];
        if (kz_logfmt_scan_block(fmt, j->blk.seq, j->blk.data, j->blk.len, &j->fmt_state)) {
            rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
            goto out;
        }
        pthread_mutex_lock(&r->lock);
        r->queue[(r->q_head + r->q_len) % r->pool] = j;
        r->q_len++;
        pthread_cond_signal(&r->work_ready);
        pthread_mutex_unlock(&r->lock);
        next_seq++;
        kz_progress_update(pg, kz_reader_bytes_in(rd));
        /* take back finished blocks in order; wait when none is free */
        for (;;) {
            pthread_mutex_lock(&r->lock);
            while (free_n == 0 && !r->done[out_seq % r->pool])
                pthread_cond_wait(&r->work_done, &r->lock);
            job *d = r->done[out_seq % r->pool];
            if (d && d->blk.seq == out_seq)
                r->done[out_seq % r->pool] = NULL;
            else
                d = NULL;
            pthread_mutex_unlock(&r->lock);
            if (!d)
                break;
            out_seq++;
            if ((rc = hand_over(r, rd, &gone, &e, name, d, &base, sink, ctx, st, &shown, err)))
                goto out;
            free_jobs[free_n++] = d;
        }
        got = gone ? -1 : kz_reader_block(rd, &free_jobs[free_n - 1]->blk, &e);
    }
    while (out_seq < next_seq) {
        pthread_mutex_lock(&r->lock);
        while (!r->done[out_seq % r->pool])
            pthread_cond_wait(&r->work_done, &r->lock);
        job *d = r->done[out_seq % r->pool];
        r->done[out_seq % r->pool] = NULL;
        pthread_mutex_unlock(&r->lock);
        out_seq++;
        if ((rc = hand_over(r, rd, &gone, &e, name, d, &base, sink, ctx, st, &shown, err)))
            goto out;
        free_jobs[free_n++] = d;
    }
    if (got < 0) {
        if (o->warn)
            fprintf(o->warn, "%s (after line %llu)\n", e.msg, (unsigned long long)base);
        st->failed_files++;
    }
out:
    if (started) {
        /* on an early exit, let the workers finish what they hold before stopping */
        pthread_mutex_lock(&r->lock);
        r->q_len = 0;
        pthread_mutex_unlock(&r->lock);
        stop_workers(r, started);
    }
    if (o->warn && shown >= o->max_warnings &&
        st->malformed + st->too_long > (uint64_t)o->max_warnings)
        fprintf(o->warn, "%s: more bad lines not shown (see the summary)\n", name);
    kz_progress_done(pg);
    st->bytes_in += kz_reader_bytes_in(rd);
    st->files++;
    kz_free(free_jobs);
    kz_reader_close(rd);
    kz_logfmt_free(fmt);
    r->fmt = NULL;
    return rc;
}

kz_rc kz_match_run(const kz_indset *set, const kz_match_opts *o, kz_match_sink sink, void *ctx,
                   kz_match_stats *st, kz_err *err)
{
    memset(st, 0, sizeof *st);
    if (kz_indset_has(set, KZ_IND_ASN) && !o->geodb)
        return kz_fail(err, KZ_EINVAL, "table", "AS indicators need the routing data (a geo table)");
    double t0 = kz_mono_s();
    run r = {.set = set, .o = o};
    r.nthreads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (r.nthreads < 1)
        r.nthreads = 1;
    if (r.nthreads > 256)
        r.nthreads = 256;
    r.pool = (size_t)r.nthreads * 2 + 2;
    st->threads = r.nthreads;
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.work_ready, NULL);
    pthread_cond_init(&r.work_done, NULL);
    kz_rc rc = KZ_OK;
    job *jobs = kz_calloc(r.pool, sizeof *jobs);
    r.queue = kz_calloc(r.pool, sizeof *r.queue);
    r.done = kz_calloc(r.pool, sizeof *r.done);
    r.w = kz_calloc((size_t)r.nthreads, sizeof *r.w);
    if (!jobs || !r.queue || !r.done || !r.w) {
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
        goto out;
    }
    for (int i = 0; rc == KZ_OK && i < r.nthreads; i++)
        if (!(r.w[i].ms = kz_calloc(1, sizeof *r.w[i].ms)))
            rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (int i = 0; rc == KZ_OK && i < o->n_inputs; i++)
        rc = scan_file(&r, jobs, o->inputs[i], sink, ctx, st, err);
out:
    if (r.w)
        for (int i = 0; i < r.nthreads; i++) {
            kz_logctx_free(r.w[i].lc);
            kz_free(r.w[i].ms);
        }
    if (jobs)
        for (size_t i = 0; i < r.pool; i++) {
            kz_block_free(&jobs[i].blk);
            kz_free(jobs[i].m);
            kz_free(jobs[i].text);
        }
    kz_free(jobs);
    kz_free(r.queue);
    kz_free(r.done);
    kz_free(r.w);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.work_ready);
    pthread_cond_destroy(&r.work_done);
    st->seconds = kz_mono_s() - t0;
    return rc;
}

/* ---- output ------------------------------------------------------------------------ */

kz_rc kz_match_hit_json(const kz_indset *set, const kz_match_hit *h, kz_buf *out)
{
    kz_ind_info info;
    char idbuf[48], ts[40];
    kz_indset_get(set, h->ind, &info, idbuf);
    kz_rc rc = kz_buf_puts(out, "{\"file\":");
    rc = rc ? rc : kz_json_text_str(out, h->file);
    rc = rc ? rc : kz_buf_printf(out, ",\"line\":%llu,\"ts\":", (unsigned long long)h->line);
    if (!rc) {
        if (h->time)
            rc = kz_json_text_str(out, kz_time_format(h->time, ts, sizeof ts));
        else
            rc = h->ts ? kz_json_text_strn(out, h->ts, h->ts_len) : kz_buf_puts(out, "null");
    }
    rc = rc ? rc : kz_buf_puts(out, ",\"field\":");
    rc = rc ? rc : kz_json_text_strn(out, h->field, h->field_len);
    rc = rc ? rc : kz_buf_puts(out, ",\"observed\":");
    rc = rc ? rc : kz_json_text_strn(out, h->observed, h->observed_len);
    rc = rc ? rc : kz_buf_puts(out, ",\"indicator\":{\"id\":");
    rc = rc ? rc : kz_json_text_str(out, info.id);
    rc = rc ? rc : kz_buf_puts(out, ",\"type\":");
    rc = rc ? rc : kz_json_text_str(out, kz_enum_name(&kz_ind_type_enum, (int)info.type));
    rc = rc ? rc : kz_buf_puts(out, ",\"value\":");
    rc = rc ? rc : kz_json_text_strn(out, info.value, info.value_len);
    rc = rc ? rc : kz_buf_puts(out, "},\"victim\":");
    rc = rc ? rc : (h->victim ? kz_json_text_strn(out, h->victim, h->victim_len) : kz_buf_puts(out, "null"));
    rc = rc ? rc : kz_buf_puts(out, ",\"victim_field\":");
    rc = rc ? rc : (h->victim_field ? kz_json_text_strn(out, h->victim_field, h->victim_field_len)
                                    : kz_buf_puts(out, "null"));
    return rc ? rc : kz_buf_puts(out, "}");
}
