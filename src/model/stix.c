/* Field table of kept STIX objects; its order is the column order of stix_objects. */
#include "model/stix.h"

#include "model/enums.h"
#include "model/validate.h"

#include <stddef.h>

#define F(st, nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(st, nm), fl, mx, en, ck}

static const kz_field stix_object_fields[] = {
    F(kz_stix_object, id, KZ_FT_STR, KZ_FF_READONLY, 300, NULL, NULL),
    F(kz_stix_object, created, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_stix_object, modified, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_stix_object, type, KZ_FT_STR, KZ_FF_READONLY, 250, NULL, NULL),
    F(kz_stix_object, version, KZ_FT_STR, KZ_FF_READONLY, 64, NULL, NULL),
    F(kz_stix_object, spec_version, KZ_FT_STR, KZ_FF_READONLY, 16, NULL, NULL),
    F(kz_stix_object, added, KZ_FT_TIME, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_stix_object, source, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, kz_valid_uuid),
    F(kz_stix_object, tlp, KZ_FT_ENUM, KZ_FF_READONLY, 0, &kz_tlp_enum, NULL),
    F(kz_stix_object, recipients, KZ_FT_STRLIST, KZ_FF_READONLY, 256, NULL, kz_valid_uuid),
    F(kz_stix_object, allow_clients, KZ_FT_BOOL, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_stix_object, json, KZ_FT_TEXT, KZ_FF_READONLY, 16 << 20, NULL, NULL),
    F(kz_stix_object, kz_kind, KZ_FT_STR, KZ_FF_READONLY, 1, NULL, NULL),
    F(kz_stix_object, kz_id, KZ_FT_STR, KZ_FF_READONLY, 36, NULL, NULL),
    F(kz_stix_object, replaces, KZ_FT_BOOL, KZ_FF_READONLY, 0, NULL, NULL),
    F(kz_stix_object, created_by, KZ_FT_STR, KZ_FF_READONLY, 300, NULL, NULL),
};
const kz_schema kz_stix_object_schema = {"stix object", stix_object_fields,
                                         sizeof stix_object_fields / sizeof *stix_object_fields};

kz_tlp_subject kz_stix_object_subject(const kz_stix_object *o)
{
    return (kz_tlp_subject){o->tlp, o->source, (const char *const *)o->recipients.v, o->recipients.n,
                            o->allow_clients};
}
