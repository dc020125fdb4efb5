/* ISO 3166-1 and ISO 639-1 lookups over the generated, sorted tables. */
#include "model/states.h"

#include <stdlib.h>
#include <string.h>

#include "model/ref_tables.inc"

static int cmp_state(const void *key, const void *elem)
{
    return strcmp(key, ((const kz_state_ref *)elem)->alpha2);
}

const kz_state_ref *kz_state_find(const char *alpha2)
{
    if (!alpha2 || strlen(alpha2) != 2)
        return NULL;
    return bsearch(alpha2, kz_states_table, sizeof kz_states_table / sizeof *kz_states_table,
                   sizeof *kz_states_table, cmp_state);
}

const kz_state_ref *kz_states_all(size_t *count)
{
    *count = sizeof kz_states_table / sizeof *kz_states_table;
    return kz_states_table;
}

static int cmp_lang(const void *key, const void *elem) { return strcmp(key, elem); }

int kz_language_known(const char *code)
{
    if (!code || strlen(code) != 2)
        return 0;
    return bsearch(code, kz_languages_table, sizeof kz_languages_table / sizeof *kz_languages_table,
                   sizeof *kz_languages_table, cmp_lang) != NULL;
}
