/* The closed vocabularies of the domain, as tables: each enum's C values index its
 * table of wire names, so parsing, printing, validation messages and docs share one
 * source. */
#ifndef KZ_MODEL_ENUMS_H
#define KZ_MODEL_ENUMS_H

typedef struct kz_enum {
    const char *name;            /* for messages: "organization kind" */
    const char *const *values;   /* wire names, indexed by the C enum */
    int count;
} kz_enum;

/* Index of s in e, or -1. */
int kz_enum_parse(const kz_enum *e, const char *s);

/* Wire name of v, or "?" when out of range. */
const char *kz_enum_name(const kz_enum *e, int v);

/* "a, b or c" into out, for error messages. */
void kz_enum_list(const kz_enum *e, char *out, unsigned long size);

typedef enum kz_org_kind {
    KZ_ORG_NATIONAL_CSIRT, KZ_ORG_FOREIGN_MINISTRY, KZ_ORG_LAW_ENFORCEMENT,
    KZ_ORG_REGULATOR, KZ_ORG_OPERATOR, KZ_ORG_OTHER
} kz_org_kind;
extern const kz_enum kz_org_kind_enum;

typedef enum kz_contact_role {
    KZ_CONTACT_DIPLOMATIC, KZ_CONTACT_TECHNICAL, KZ_CONTACT_LE_24X7, KZ_CONTACT_CSIRT
} kz_contact_role;
extern const kz_enum kz_contact_role_enum;

/* Ordered by power: a role may do what every lower role may. */
typedef enum kz_key_role { KZ_ROLE_VIEWER, KZ_ROLE_ANALYST, KZ_ROLE_ADMIN } kz_key_role;
extern const kz_enum kz_key_role_enum;

/* TLP 2.0, ordered from most to least shareable. */
typedef enum kz_tlp { KZ_TLP_CLEAR, KZ_TLP_GREEN, KZ_TLP_AMBER, KZ_TLP_AMBER_STRICT, KZ_TLP_RED } kz_tlp;
extern const kz_enum kz_tlp_enum;

#endif
