/* Wire names of the domain's enums. Order matches the C enums in enums.h. */
#include "model/enums.h"

#include <stdio.h>
#include <string.h>

#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_org_kind_enum, "organization kind", "national-csirt", "foreign-ministry",
        "law-enforcement", "regulator", "operator", "other");
KZ_ENUM(kz_contact_role_enum, "contact role", "diplomatic", "technical", "law-enforcement-24x7",
        "csirt");
KZ_ENUM(kz_key_role_enum, "key role", "viewer", "analyst", "admin");
KZ_ENUM(kz_tlp_enum, "TLP label", "clear", "green", "amber", "amber+strict", "red");

int kz_enum_parse(const kz_enum *e, const char *s)
{
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->values[i], s) == 0)
            return i;
    return -1;
}

const char *kz_enum_name(const kz_enum *e, int v)
{
    return v >= 0 && v < e->count ? e->values[v] : "?";
}

void kz_enum_list(const kz_enum *e, char *out, unsigned long size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < e->count && used < size; i++) {
        const char *sep = i == 0 ? "" : i == e->count - 1 ? " or " : ", ";
        int n = snprintf(out + used, size - used, "%s%s", sep, e->values[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
