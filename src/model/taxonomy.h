/* The vocabularies incidents are classified with, generated from the MISP taxonomy
 * files into taxonomy_tables.inc (scripts/gen-taxonomies): the Reference Security
 * Incident Taxonomy (class and type) and the NIS2 sectors and impact severities. */
#ifndef KZ_MODEL_TAXONOMY_H
#define KZ_MODEL_TAXONOMY_H

#include "util/error.h"

#include <stddef.h>

typedef struct kz_term {
    const char *value;        /* wire name: "phishing" */
    const char *name;         /* display name: "Phishing" */
    const char *description;
    const char *parent;       /* RSIT type: its class; otherwise NULL */
} kz_term;

typedef struct kz_vocab {
    const char *label;        /* for messages: "RSIT type" */
    const char *source;       /* "rsit v1003" */
    const kz_term *terms;
    size_t count;
} kz_vocab;

extern const kz_vocab kz_rsit_classes, kz_rsit_types, kz_nis2_sectors, kz_nis2_impacts;

/* The term with this value, or NULL. */
const kz_term *kz_vocab_find(const kz_vocab *v, const char *value);

/* The RSIT type a MISP machine tag classifies an incident as, or NULL: namespace:predicate=
 * "value" where the namespace is rsit or ecsirt (whose values are RSIT's) and the value
 * an RSIT type, or circl:incident-classification through a table of the CIRCL taxonomy's
 * values that have an RSIT equivalent (phishing, scan, denial-of-service, ...). */
const char *kz_rsit_type_of_tag(const char *tag);

/* Validators for field tables (kz_valid_fn): the value must be a term of the vocabulary;
 * the error names a few valid values. */
kz_rc kz_valid_rsit_class(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_rsit_type(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_nis2_sector(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_impact(const char *v, const char *field, kz_err *err);

#endif
