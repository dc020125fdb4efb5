/* Sightings: an organization reports that it saw an indicator (by hand, or the
 * telemetry matcher for it), shared under TLP with the indicator's source always among
 * the recipients; read back as sums per observer and per indicator. */
#include "service/sharing/sharing.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sightings.h"
#include "service/exercises/exercises.h"
#include "store/exercises/exercises.h"

#include <stdio.h>
#include <string.h>

/* What a batch of reports learns once: whether the node has runs at all (0 not asked
 * yet, 1 none, 2 some), and whether a report naming no run and no recipient is real
 * work (the caller's organization was made for no run: a matcher's thousands). */
typedef struct claim_cache {
    int runs;
    bool plain_is_real;
} claim_cache;

/* The run a report is made in: its indicator's, when the indicator is a run's; else as
 * for any other object (kz_svc_exercise_claim: the run the caller names, or the one its
 * organization or a recipient was made for). */
static kz_rc claim(kz_call *c, kz_sighting *s, const kz_indicator *ind, claim_cache *cache, kz_err *err)
{
    if (ind->exercise) {
        if (s->exercise && strcmp(s->exercise, ind->exercise) != 0)
            return kz_fail(err, KZ_EINVAL, "exercise", "indicator %.40s was made in another exercise",
                           s->indicator);
        s->exercise = ind->exercise;
    }
    if (!cache->runs) {
        bool any = false;
        kz_rc rc = kz_store_exercises_exist(c->db, &any, err);
        if (rc)
            return rc;
        cache->runs = any ? 2 : 1;
    }
    bool plain = !s->exercise && !s->recipients.n;
    if ((cache->runs == 1 && !s->exercise) || (plain && cache->plain_is_real))
        return KZ_OK;
    kz_err *saved = c->err;
    c->err = err;
    kz_rc rc = kz_svc_exercise_claim(c, KZ_XO_SIGHTING, NULL, &s->exercise,
                                     (const char *const *)s->recipients.v, s->recipients.n);
    c->err = saved;
    cache->plain_is_real = cache->plain_is_real || (!rc && plain && !s->exercise);
    return rc;
}

/* Checks and completes one report inside the caller's write transaction. */
static kz_rc prepare(kz_call *c, kz_sighting *s, kz_time now, claim_cache *cache, kz_err *err)
{
    kz_indicator ind;
    kz_rc rc = kz_store_indicator_get(c->db, NULL, s->indicator, c->arena, &ind, err);
    if (!rc) {
        kz_tlp_subject subj = kz_indicator_subject(&ind);
        if (!kz_tlp_visible(&c->who, &subj))
            rc = KZ_ENOTFOUND;
    }
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, KZ_EINVAL, "indicator", "no indicator %.40s", s->indicator);
    if (rc)
        return rc;
    const char *observer = NULL;
    if ((rc = kz__acting_org(c, s->observer, "observer", &observer, err)))
        return rc;
    s->observer = (char *)observer;
    if (s->count < 1)
        return kz_fail(err, KZ_EINVAL, "count", "count must be at least 1");
    if (s->tlp < KZ_TLP_CLEAR || s->tlp > KZ_TLP_RED)
        return kz_fail(err, KZ_EINVAL, "tlp", "unknown TLP label");
    /* a sighting tells of its indicator, so it is never shared more widely: at least the
     * indicator's label (the stricter one wins, as in every merge: sharing.h) */
    if (s->tlp < ind.tlp)
        s->tlp = ind.tlp;
    if (!s->first_seen)
        s->first_seen = s->last_seen ? s->last_seen : now;
    if (!s->last_seen)
        s->last_seen = s->first_seen > now ? s->first_seen : now;
    if (s->first_seen > s->last_seen)
        return kz_fail(err, KZ_EINVAL, "first_seen", "first_seen is later than last_seen");
    if ((rc = kz__check_orgs(c, &s->recipients, "recipients", err)) || (rc = claim(c, s, &ind, cache, err)))
        return rc;
    /* the source of a real indicator may take no part in the run: the run's report
     * still names it, and its exercise mark keeps it from reading the report */
    /* the source of the indicator always learns that it was seen */
    bool named = strcmp(ind.source, s->observer) == 0;
    for (size_t i = 0; !named && i < s->recipients.n; i++)
        named = strcmp(ind.source, s->recipients.v[i]) == 0;
    if (!named) {
        if (s->recipients.n >= KZ_RECIPIENTS_MAX)
            return kz_fail(err, KZ_EINVAL, "recipients", "too many recipients");
        char **v = kz_arena_calloc(c->arena, s->recipients.n + 1, sizeof *v);
        if (!v)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        if (s->recipients.n)
            memcpy(v, s->recipients.v, s->recipients.n * sizeof *v);
        v[s->recipients.n] = ind.source;
        s->recipients.v = v;
        s->recipients.n++;
    }
    s->indicator = ind.id;
    if (!s->id && !(s->id = kz_new_id(c)))  /* importers may keep an id from elsewhere */
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    s->created = s->modified = now;
    return KZ_OK;
}

kz_rc kz_svc_sighting_add(kz_call *c, kz_sighting *s, kz_upsert *result)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    char id[KZ_UUID_TEXT] = "";
    claim_cache cache = {0};
    rc = prepare(c, s, kz_now_ms(), &cache, c->err);
    if (!rc)
        rc = kz_store_sighting_upsert(c->db, s, result, id, c->err);
    if (!rc && *result != KZ_UPSERT_UNCHANGED)
        rc = kz_audit(c, "sighting.add", "indicator", s->indicator, id);
    if (!rc)
        rc = kz_store_sighting_get(c->db, id, c->arena, s, c->err);
    if (!rc)
        kz__show_sighting(c, s);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_sightings_record(kz_call *c, kz_sighting *items, size_t n, size_t *failed)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_time now = kz_now_ms();
    size_t changed = 0;
    claim_cache cache = {0};
    for (size_t i = 0; !rc && i < n; i++) {
        kz_upsert res;
        rc = prepare(c, &items[i], now, &cache, c->err);
        if (!rc)
            rc = kz_store_sighting_upsert(c->db, &items[i], &res, NULL, c->err);
        if (rc && failed)
            *failed = i;
        changed += !rc && res != KZ_UPSERT_UNCHANGED;
    }
    if (!rc && changed) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"reports\":%zu,\"changed\":%zu}", n, changed);
        rc = kz_audit(c, "sighting.record", "sighting", NULL, detail);
    }
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_sighting_sums_by_observer(kz_call *c, const char *indicator, kz_time since, kz_time until,
                                       kz_sighting_sum **items, size_t *n, kz_sighting_sum *total)
{
    kz_indicator ind;
    kz_rc rc = kz_svc_indicator_get(c, indicator, &ind);
    return rc ? rc : kz_store_sighting_sums_by_observer(c->db, &c->who, ind.id, since, until, c->arena,
                                                        items, n, total, c->err);
}

kz_rc kz_svc_sighting_sums_by_indicator(kz_call *c, const char *observer, kz_time since, kz_time until,
                                        const kz_page *pg, kz_sighting_sum_page *out)
{
    kz_rc rc = kz__sharing_read(c);
    return rc ? rc : kz_store_sighting_sums_by_indicator(c->db, &c->who, observer, since, until, pg,
                                                         c->arena, out, c->err);
}
