/* Schema lookups shared by the codec and the store. */
#include "model/field.h"

#include <string.h>

int kz_schema_find(const kz_schema *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

kz_rc kz_schema_require(const kz_schema *s, kz_fieldset given, kz_err *err)
{
    for (size_t i = 0; i < s->count; i++) {
        const kz_field *f = &s->fields[i];
        if ((f->flags & KZ_FF_REQUIRED) && !(given & ((kz_fieldset)1 << i)))
            return kz_fail(err, KZ_EINVAL, f->name, "%s is required", f->name);
    }
    return KZ_OK;
}
