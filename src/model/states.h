/* Reference data: ISO 3166-1 states and ISO 639-1 languages (from Debian's iso-codes,
 * generated into ref_tables.inc by scripts/gen-reference). */
#ifndef KZ_MODEL_STATES_H
#define KZ_MODEL_STATES_H

#include <stddef.h>

typedef struct kz_state_ref {
    const char *alpha2;
    const char *alpha3;
    const char *name;
} kz_state_ref;

/* The state with this upper-case alpha-2 code, or NULL. */
const kz_state_ref *kz_state_find(const char *alpha2);

/* All states, sorted by code. */
const kz_state_ref *kz_states_all(size_t *count);

/* True for an ISO 639-1 two-letter language code (lower case). */
int kz_language_known(const char *code);

#endif
