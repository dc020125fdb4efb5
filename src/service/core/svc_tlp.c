/* The TLP 2.0 visibility decision (rules in tlp.h). */
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

bool kz_tlp_visible(const kz_viewer *v, const kz_tlp_subject *o)
{
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
