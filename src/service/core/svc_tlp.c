/* The TLP 2.0 visibility decision and the embargo of statements (rules in tlp.h). */
#include "service/core/tlp.h"

#include <string.h>

static bool same_org(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* Is org the source or one of the named recipients? */
static bool involved(const char *org, const kz_tlp_subject *o)
{
    if (same_org(org, o->source_org))
        return true;
    for (size_t i = 0; i < o->n_recipients; i++)
        if (same_org(org, o->recipients[i]))
            return true;
    return false;
}

/* Does v play in the exercise o was made in (true for real work)? */
static bool plays(const kz_viewer *v, const kz_tlp_subject *o)
{
    if (!o->exercise || !*o->exercise)
        return true;
    if (!v->key_id || !v->org)
        return false;
    for (size_t i = 0; i < v->n_exercises; i++)
        if (same_org(o->exercise, v->exercises[i]))
            return true;
    return false;
}

bool kz_tlp_visible(const kz_viewer *v, const kz_tlp_subject *o)
{
    if (!plays(v, o))
        return false;
    if (o->tlp == KZ_TLP_CLEAR)
        return true;
    if (!v->key_id || !v->org)
        return false;
    if (o->tlp == KZ_TLP_GREEN)
        return true;
    if (o->tlp < KZ_TLP_CLEAR || o->tlp > KZ_TLP_RED)
        return false; /* unknown label: fail closed */
    if (involved(v->org, o))
        return true;
    return o->tlp == KZ_TLP_AMBER && o->allow_clients && v->client_of && involved(v->client_of, o);
}

static bool named(const char *org, const kz_tlp_subject *o)
{
    for (size_t i = 0; i < o->n_recipients; i++)
        if (same_org(org, o->recipients[i]))
            return true;
    return false;
}

static bool admits_clients(const kz_tlp_subject *o) { return o->tlp == KZ_TLP_AMBER && o->allow_clients; }

bool kz_tlp_narrows(const kz_tlp_subject *before, const kz_tlp_subject *after)
{
    if (after->tlp < KZ_TLP_CLEAR || after->tlp > KZ_TLP_RED)
        return true; /* unknown label: visible to nobody */
    if (before->tlp < KZ_TLP_CLEAR || before->tlp > KZ_TLP_RED)
        return false;
    if (after->tlp <= KZ_TLP_GREEN || before->tlp <= KZ_TLP_GREEN)
        return after->tlp >= before->tlp; /* CLEAR: anyone; GREEN: every member */
    for (size_t i = 0; i < after->n_recipients; i++)
        if (!same_org(after->recipients[i], before->source_org) && !named(after->recipients[i], before))
            return false;
    return !admits_clients(after) || admits_clients(before);
}

size_t kz_tlp_recipients_shown(const kz_viewer *v, const kz_tlp_subject *o, const char **shown)
{
    size_t n = 0;
    bool source = v->org && same_org(v->org, o->source_org);
    for (size_t i = 0; i < o->n_recipients; i++)
        if (source || (v->org && same_org(v->org, o->recipients[i])))
            shown[n++] = o->recipients[i];
    return n;
}

bool kz_statement_issuer(const kz_statement *s, const char *org)
{
    if (same_org(org, s->organization))
        return true;
    for (size_t i = 0; i < s->cosigners.n; i++)
        if (same_org(org, s->cosigners.v[i]))
            return true;
    return false;
}

bool kz_statement_visible(const kz_viewer *v, const kz_statement *s, kz_time now)
{
    if (v->key_id && v->org && kz_statement_issuer(s, v->org))
        return true;
    int shown = kz_statement_shown(s, now);
    return shown == KZ_ST_PUBLISHED || shown == KZ_ST_CORRECTED || shown == KZ_ST_WITHDRAWN;
}

kz_tlp_subject kz_statement_annex_subject(const kz_statement *s, int tlp)
{
    return (kz_tlp_subject){tlp, s->organization, (const char *const *)s->cosigners.v, s->cosigners.n, false};
}
