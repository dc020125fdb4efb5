/* Schema lookups shared by the codec and the store. */
#include "model/field.h"

#include "util/arena.h"

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

int kz_schema_own(const kz_schema *s, void *obj, kz_arena *a)
{
    for (size_t i = 0; i < s->count; i++) {
        const kz_field *f = &s->fields[i];
        if (f->type == KZ_FT_STR || f->type == KZ_FT_TEXT) {
            char **p = KZ_FIELD_PTR(obj, f);
            if (*p && !(*p = kz_arena_strdup(a, *p)))
                return -1;
        } else if (f->type == KZ_FT_STRLIST) {
            kz_strlist *l = KZ_FIELD_PTR(obj, f);
            char **v = kz_arena_calloc(a, l->n ? l->n : 1, sizeof *v);
            if (!v)
                return -1;
            for (size_t k = 0; k < l->n; k++)
                if (!(v[k] = kz_arena_strdup(a, l->v[k])))
                    return -1;
            l->v = v;
        }
    }
    return 0;
}
