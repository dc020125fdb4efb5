/* Victims of matched indicators: recording them (as keyed hashes) and their distinct
 * counts per period and group, with the change against the period before. */
#include "service/telemetry/victims.h"

#include "crypto/crypto.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void kz_victim_key(const kz_node *node, const char *v, size_t n,
                   unsigned char out[KZ_VICTIM_KEY_BYTES])
{
    /* a key of its own, kept in the key file (never in the database), so that these
     * hashes can never be confused with any other use of a secret, and a copy of the
     * database cannot be searched for a victim's address */
    unsigned char mac[KZ_HASH_BYTES];
    kz_hmac(node->victim_key, v, n, mac);
    memcpy(out, mac, KZ_VICTIM_KEY_BYTES);
}

kz_rc kz_svc_victims_record(kz_call *c, const kz_victim_row *rows, size_t n, size_t *added)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_victims_add(c->db, c->who.org, rows, n, added, c->err);
    if (!rc && *added) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"rows\":%zu,\"added\":%zu}", n, *added);
        rc = kz_audit(c, "match.victims", "organization", c->who.org, detail);
    }
    return kz_tx_end(c, rc);
}

/* ---- calendar ---------------------------------------------------------------------- */

static int64_t period_start(kz_period p, int64_t day)
{
    int64_t y;
    unsigned m, d;
    kz_civil_from_days(day, &y, &m, &d);
    switch (p) {
    case KZ_PERIOD_WEEK:
        return day - ((day + 3) % 7 + 7) % 7;
    case KZ_PERIOD_MONTH:
        return kz_days_from_civil(y, m, 1);
    case KZ_PERIOD_QUARTER:
        return kz_days_from_civil(y, m - (m - 1) % 3, 1);
    case KZ_PERIOD_HALF:
        return kz_days_from_civil(y, m - (m - 1) % 6, 1);
    case KZ_PERIOD_YEAR:
        return kz_days_from_civil(y, 1, 1);
    default:
        return day;
    }
}

/* The start of the period before the one starting at start. */
static int64_t previous_start(kz_period p, int64_t start)
{
    switch (p) {
    case KZ_PERIOD_DAY:
        return start - 1;
    case KZ_PERIOD_WEEK:
        return start - 7;
    default:
        return period_start(p, start - 1);
    }
}

static void period_label(kz_period p, int64_t start, char out[24])
{
    int64_t y;
    unsigned m, d;
    kz_civil_from_days(start, &y, &m, &d);
    switch (p) {
    case KZ_PERIOD_DAY:
        snprintf(out, 24, "%04d-%02d-%02d", (int)y, m, d);
        break;
    case KZ_PERIOD_WEEK: {
        /* ISO 8601: the week belongs to the year of its Thursday */
        int64_t ty;
        unsigned tm, td;
        kz_civil_from_days(start + 3, &ty, &tm, &td);
        int64_t week = (start + 3 - kz_days_from_civil(ty, 1, 1)) / 7 + 1;
        snprintf(out, 24, "%04d-W%02d", (int)ty, (int)week);
        break;
    }
    case KZ_PERIOD_MONTH:
        snprintf(out, 24, "%04d-%02d", (int)y, m);
        break;
    case KZ_PERIOD_QUARTER:
        snprintf(out, 24, "%04d-Q%d", (int)y, (m - 1) / 3 + 1);
        break;
    case KZ_PERIOD_HALF:
        snprintf(out, 24, "%04d-H%d", (int)y, (m - 1) / 6 + 1);
        break;
    default:
        snprintf(out, 24, "%04d", (int)y);
        break;
    }
}

static kz_rc parse_day(const char *s, const char *field, int64_t *day, kz_err *err)
{
    kz_time t;
    if (kz_time_parse(s, &t) != KZ_OK)
        return kz_fail(err, KZ_EINVAL, field, "a date is YYYY-MM-DD (or an RFC 3339 time)");
    *day = kz_day_of(t);
    return KZ_OK;
}

static bool same_group(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

kz_rc kz_svc_victim_stats(kz_call *c, const kz_victim_query *q, kz_victim_stat **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc)
        return rc;
    if ((unsigned)q->period >= KZ_PERIOD_COUNT || (unsigned)q->by >= KZ_VICTIMS_DIM_COUNT)
        return kz_fail(c->err, KZ_EINVAL, "period", "unknown period or grouping");
    int64_t from = INT32_MIN, to = INT32_MAX, first = INT32_MIN;
    if (q->since && (rc = parse_day(q->since, "since", &from, c->err)))
        return rc;
    if (q->until && (rc = parse_day(q->until, "until", &to, c->err)))
        return rc;
    if (q->since) {
        first = period_start(q->period, from);
        from = previous_start(q->period, first);  /* for the change of the first period */
    }
    kz_victim_count *cnt;
    size_t k;
    if ((rc = kz_store_victim_counts(c->db, &c->who, q->period, q->by, from, to, c->arena, &cnt, &k,
                                     c->err)))
        return rc;
    kz_victim_stat *out = kz_arena_calloc(c->arena, k ? k : 1, sizeof *out);
    if (!out)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (cnt[i].start < first)
            continue;
        kz_victim_stat *s = &out[m++];
        period_label(q->period, cnt[i].start, s->period);
        kz_day_format(cnt[i].start, s->start);
        s->group = cnt[i].group;
        s->victims = cnt[i].victims;
        s->previous = -1;
        s->change_pct = NAN;
        int64_t prev = previous_start(q->period, cnt[i].start);
        for (size_t j = i; j-- > 0 && cnt[j].start >= prev;) {
            if (cnt[j].start == prev && same_group(cnt[j].group, cnt[i].group)) {
                s->previous = cnt[j].victims;
                if (cnt[j].victims > 0)
                    s->change_pct =
                        100.0 * (double)(cnt[i].victims - cnt[j].victims) / (double)cnt[j].victims;
                break;
            }
        }
    }
    *rows = out;
    *n = m;
    return KZ_OK;
}
