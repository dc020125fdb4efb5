/* /api/v1/settings: the node's settings table with current values; admins change them. */
#include "http/handlers.h"

#include "service/core/settings.h"

#include <stdlib.h>
#include <string.h>

static json_t *value_json(const kz_setting *s, const char *v)
{
    return s->type == KZ_SET_INT ? json_integer(strtoll(v, NULL, 10)) : json_string(v);
}

static kz_rc reply_settings(kz_req *r, int status)
{
    kz_setting_value *items;
    size_t n;
    kz_rc rc = kz_svc_settings_list(&r->call, &items, &n);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const kz_setting *s = items[i].setting;
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:b, s:s}", "name", s->name, "type",
                              s->type == KZ_SET_INT ? "integer" : "roles", "value",
                              value_json(s, items[i].value), "default", value_json(s, s->def), "is_default",
                              items[i].is_default, "help", s->help);
        if (o && s->type == KZ_SET_INT) {
            json_object_set_new(o, "min", json_integer(s->min));
            json_object_set_new(o, "max", json_integer(s->max));
        }
        if (o && s->unit)
            json_object_set_new(o, "unit", json_string(s->unit));
        json_array_append_new(arr, o);
    }
    return kz_reply(r, status, json_pack("{s:o}", "settings", arr));
}

kz_rc kz_h_settings_get(kz_req *r) { return reply_settings(r, 200); }

/* {"name": value, ...}; null restores the default. All or nothing. */
kz_rc kz_h_settings_update(kz_req *r)
{
    json_t *body;
    kz_rc rc = kz_req_body_object(r, &body);
    if (rc)
        return rc;
    size_t n = json_object_size(body), i = 0;
    const char **names = kz_arena_calloc(&r->arena, n + 1, sizeof *names);
    const char **values = kz_arena_calloc(&r->arena, n + 1, sizeof *values);
    if (!names || !values)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        const kz_setting *s = kz_setting_find(key);
        if (!s)
            return kz_fail(&r->err, KZ_EINVAL, key, "unknown setting '%.80s'", key);
        names[i] = key;
        if (json_is_null(v))
            values[i] = NULL;
        else if (s->type == KZ_SET_INT && json_is_integer(v))
            values[i] = kz_arena_printf(&r->arena, "%lld", (long long)json_integer_value(v));
        else if (s->type == KZ_SET_ROLES && json_is_string(v))
            values[i] = json_string_value(v);
        else
            return kz_fail(&r->err, KZ_EINVAL, key, "%s must be %s or null", key,
                           s->type == KZ_SET_INT ? "an integer" : "a string of contact roles");
        i++;
    }
    rc = kz_svc_settings_set(&r->call, names, values, n);
    return rc ? rc : reply_settings(r, 200);
}
