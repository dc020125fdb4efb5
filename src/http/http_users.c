/* /api/v1/users: user accounts of the web interface, for admins. Creating or resetting
 * a user answers the one-time link to set the password (shown once). */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "http/server.h"
#include "model/validate.h"
#include "service/directory/users.h"

#include <string.h>

kz_rc kz_req_body_strings(kz_req *r, const kz_body_field *fields, size_t n)
{
    json_t *body, *v;
    const char *key;
    kz_rc rc = kz_req_body_object(r, &body);
    if (rc)
        return rc;
    json_object_foreach(body, key, v) {
        size_t i = 0;
        while (i < n && strcmp(fields[i].name, key) != 0)
            i++;
        if (i == n)
            return kz_fail(&r->err, KZ_EINVAL, key, "unknown field '%.64s'", key);
        if (json_is_null(v) && !fields[i].required)
            continue;
        if (fields[i].boolean) {
            if (!json_is_boolean(v))
                return kz_fail(&r->err, KZ_EINVAL, key, "%s must be true or false", fields[i].name);
            *fields[i].boolean = json_is_true(v);
            continue;
        }
        if (!json_is_string(v))
            return kz_fail(&r->err, KZ_EINVAL, key, "%s must be a string", fields[i].name);
        *fields[i].out = json_string_value(v);
    }
    for (size_t i = 0; i < n; i++)
        if (fields[i].required && !fields[i].boolean && !*fields[i].out)
            return kz_fail(&r->err, KZ_EINVAL, fields[i].name, "%s is required", fields[i].name);
    return KZ_OK;
}

json_t *kz_user_json(const kz_user *u)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", u->id, "email", u->email, "name",
                          u->name, "organization", u->organization, "role",
                          kz_enum_name(&kz_key_role_enum, u->role), "language", u->language, "time_zone",
                          u->time_zone, "totp_enabled", u->totp_enabled);
    if (o && (kz_json_set_time(o, "created", u->created) || kz_json_set_time(o, "modified", u->modified) ||
              (u->disabled ? kz_json_set_time(o, "disabled", u->disabled)
                           : json_object_set_new(o, "disabled", json_null())))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static kz_rc parse_role(kz_req *r, const char *v, int *out)
{
    *out = v ? kz_enum_parse(&kz_key_role_enum, v) : -1;
    if (v && *out < 0)
        return kz_fail(&r->err, KZ_EINVAL, "role", "role must be admin, analyst or viewer");
    return KZ_OK;
}

static json_t *with_link(const kz_user *u, const char *link)
{
    json_t *o = kz_user_json(u);
    if (o && json_object_set_new(o, "set_password_link", json_string(link))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *base_url(kz_req *r) { return kz_server_node(r->srv)->public_url; }

kz_rc kz_h_user_create(kz_req *r)
{
    kz_user u = {0};
    const char *role = NULL;
    const kz_body_field fields[] = {
        {"email", &u.email, true},     {"name", &u.name, true},          {"organization", &u.organization, true},
        {"role", &role, true},         {"language", &u.language, false}, {"time_zone", &u.time_zone, false},
    };
    char *link = NULL;
    kz_rc rc = kz_req_body_strings(r, fields, sizeof fields / sizeof *fields);
    if (!rc)
        rc = parse_role(r, role, &u.role);
    if (!rc)
        rc = kz_svc_user_create(&r->call, &u, base_url(r), &link);
    return rc ? rc : kz_reply(r, 201, with_link(&u, link));
}

kz_rc kz_h_user_get(kz_req *r)
{
    kz_user u;
    kz_rc rc = kz_svc_user_get(&r->call, r->params[0], &u);
    return rc ? rc : kz_reply(r, 200, kz_user_json(&u));
}

kz_rc kz_h_user_list(kz_req *r)
{
    static const char *const allowed[] = {"organization", "limit", "cursor", NULL};
    const char *org;
    kz_page pg;
    kz_user_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "organization", kz_valid_uuid, &org);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_user_list(&r->call, org, &pg, &page);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; items && i < page.n; i++)
        if (json_array_append_new(items, kz_user_json(&page.items[i]))) {
            json_decref(items);
            items = NULL;
        }
    if (!items)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    return kz_reply(r, 200, kz_page_json(items, page.next[0] ? page.next : NULL));
}

kz_rc kz_h_user_update(kz_req *r)
{
    kz_user_patch p = {.role = -1, .disabled = -1};
    const char *role = NULL;
    const kz_body_field fields[] = {
        {"name", &p.name, false, NULL},         {"organization", &p.organization, false, NULL},
        {"role", &role, false, NULL},           {"language", &p.language, false, NULL},
        {"time_zone", &p.time_zone, false, NULL}, {"disabled", NULL, false, &p.disabled},
    };
    kz_user u;
    kz_rc rc = kz_req_body_strings(r, fields, sizeof fields / sizeof *fields);
    if (!rc)
        rc = parse_role(r, role, &p.role);
    if (!rc)
        rc = kz_svc_user_update(&r->call, r->params[0], &p, &u);
    return rc ? rc : kz_reply(r, 200, kz_user_json(&u));
}

kz_rc kz_h_user_delete(kz_req *r)
{
    kz_rc rc = kz_svc_user_delete(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}

kz_rc kz_h_user_reset(kz_req *r)
{
    kz_user u;
    char *link = NULL;
    kz_rc rc = kz_svc_user_reset(&r->call, r->params[0], base_url(r), &u, &link);
    return rc ? rc : kz_reply(r, 200, with_link(&u, link));
}
