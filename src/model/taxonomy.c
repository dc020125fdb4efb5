/* Lookups over the generated vocabularies. They are small (a hundred terms at most),
 * so a linear scan is the simplest correct search. */
#include "model/taxonomy.h"

#include <stdio.h>
#include <string.h>

#include "model/taxonomy_tables.inc"

const kz_term *kz_vocab_find(const kz_vocab *v, const char *value)
{
    for (size_t i = 0; value && i < v->count; i++)
        if (strcmp(v->terms[i].value, value) == 0)
            return &v->terms[i];
    return NULL;
}

static kz_rc check(const kz_vocab *v, const char *value, const char *field, kz_err *err)
{
    if (kz_vocab_find(v, value))
        return KZ_OK;
    char some[160] = "";
    size_t o = 0;
    for (size_t i = 0; i < v->count && i < 5 && o < sizeof some; i++)
        o += (size_t)snprintf(some + o, sizeof some - o, "%s%s", i ? ", " : "", v->terms[i].value);
    return kz_fail(err, KZ_EINVAL, field, "'%.64s' is not a %s (%s: %s%s)", value, v->label, v->source,
                   some, v->count > 5 ? ", ..." : "");
}

kz_rc kz_check_rsit_class(const char *v, const char *field, kz_err *err)
{
    return check(&kz_rsit_classes, v, field, err);
}

kz_rc kz_check_rsit_type(const char *v, const char *field, kz_err *err)
{
    return check(&kz_rsit_types, v, field, err);
}

kz_rc kz_check_nis2_sector(const char *v, const char *field, kz_err *err)
{
    return check(&kz_nis2_sectors, v, field, err);
}

kz_rc kz_check_impact(const char *v, const char *field, kz_err *err)
{
    return check(&kz_nis2_impacts, v, field, err);
}
