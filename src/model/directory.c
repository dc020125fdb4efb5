/* Field tables of the directory resources. The order of each table is the column
 * order the store uses, so add new fields at the end. */
#include "model/directory.h"

#include "model/validate.h"

#include <stddef.h>

#define F(st, nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(st, nm), fl, mx, en, ck}
#define COMMON(st)                                                                         \
    F(st, id, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),                                  \
    F(st, created, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),                             \
    F(st, modified, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL)

#define SCHEMA(var, label, table) \
    const kz_schema var = {label, table, sizeof table / sizeof *table}

static const kz_field org_fields[] = {
    COMMON(kz_org),
    F(kz_org, name, KZ_FT_STR, KZ_FF_REQUIRED, 200, NULL, NULL),
    F(kz_org, state, KZ_FT_STR, KZ_FF_REQUIRED, 2, NULL, kz_valid_country),
    F(kz_org, kind, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_org_kind_enum, NULL),
    F(kz_org, website, KZ_FT_STR, 0, 500, NULL, kz_valid_web_url),
    F(kz_org, description, KZ_FT_TEXT, 0, 4000, NULL, NULL),
    F(kz_org, client, KZ_FT_BOOL, 0, 0, NULL, NULL),
};
SCHEMA(kz_org_schema, "organization", org_fields);

static const kz_field contact_fields[] = {
    COMMON(kz_contact),
    F(kz_contact, organization, KZ_FT_STR, KZ_FF_REQUIRED, 36, NULL, kz_valid_uuid),
    F(kz_contact, state, KZ_FT_STR, KZ_FF_READONLY, 2, NULL, NULL),
    F(kz_contact, full_name, KZ_FT_STR, KZ_FF_REQUIRED, 200, NULL, NULL),
    F(kz_contact, position, KZ_FT_STR, 0, 200, NULL, NULL),
    F(kz_contact, role, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_contact_role_enum, NULL),
    F(kz_contact, email, KZ_FT_STR, 0, 254, NULL, kz_valid_email),
    F(kz_contact, phone, KZ_FT_STR, 0, 32, NULL, kz_valid_phone),
    F(kz_contact, languages, KZ_FT_STRLIST, 0, 16, NULL, kz_valid_language),
    F(kz_contact, hours, KZ_FT_STR, 0, 32, NULL, kz_valid_hours),
    F(kz_contact, timezone, KZ_FT_STR, 0, 64, NULL, kz_valid_timezone),
    F(kz_contact, public_key, KZ_FT_TEXT, 0, 16000, NULL, NULL),
    F(kz_contact, verified_at, KZ_FT_TIME, 0, 0, NULL, NULL),
};
SCHEMA(kz_contact_schema, "contact", contact_fields);

static const kz_field apikey_fields[] = {
    COMMON(kz_apikey),
    F(kz_apikey, organization, KZ_FT_STR, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 36, NULL, kz_valid_uuid),
    F(kz_apikey, role, KZ_FT_ENUM, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 0, &kz_key_role_enum, NULL),
    F(kz_apikey, label, KZ_FT_STR, 0, 200, NULL, NULL),
    F(kz_apikey, prefix, KZ_FT_STR, KZ_FF_READONLY, 16, NULL, NULL),
    F(kz_apikey, last_used, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_apikey, revoked, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
};
SCHEMA(kz_apikey_schema, "key", apikey_fields);

static const kz_field check_fields[] = {
    COMMON(kz_check),
    F(kz_check, organization, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_check, schedule, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_check, deadline, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_check, state, KZ_FT_STR, 0, 2, NULL, kz_valid_country),
    F(kz_check, role, KZ_FT_STR, 0, 32, NULL, kz_valid_contact_role),
    F(kz_check, deadline_hours, KZ_FT_INT, KZ_FF_NOSTORE | KZ_FF_WRITEONLY, 24 * 365, NULL, NULL),
    F(kz_check, contacts, KZ_FT_STRLIST, KZ_FF_NOSTORE | KZ_FF_WRITEONLY, 10000, NULL, kz_valid_uuid),
    F(kz_check, every_days, KZ_FT_INT, KZ_FF_NOSTORE | KZ_FF_WRITEONLY, 3650, NULL, NULL),
    F(kz_check, exercise, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
};
SCHEMA(kz_check_schema, "check", check_fields);

static const kz_field schedule_fields[] = {
    COMMON(kz_check_schedule),
    F(kz_check_schedule, organization, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_check_schedule, state, KZ_FT_STR, 0, 2, NULL, kz_valid_country),
    F(kz_check_schedule, role, KZ_FT_STR, 0, 32, NULL, kz_valid_contact_role),
    F(kz_check_schedule, contacts, KZ_FT_STRLIST, 0, 10000, NULL, kz_valid_uuid),
    F(kz_check_schedule, every_days, KZ_FT_INT, KZ_FF_REQUIRED, 3650, NULL, NULL),
    F(kz_check_schedule, deadline_hours, KZ_FT_INT, 0, 24 * 365, NULL, NULL),
    F(kz_check_schedule, next_run, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(kz_check_schedule, last_run, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
};
SCHEMA(kz_check_schedule_schema, "check schedule", schedule_fields);
