/* Demo data file decoding: the same field tables and validators as the API, so the
 * demo cannot hold what the API would refuse. */
#include "codec/core/demo.h"

#include "codec/json/json_fields.h"
#include "util/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kz_rc load_contact(json_t *jc, kz_arena *a, kz_demo_contact *dc, kz_err *err)
{
    json_t *copy = json_copy(jc);
    if (!copy)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    json_t *ans = json_object_get(copy, "answer_after_minutes");
    dc->answer_after_minutes = json_is_integer(ans) ? json_integer_value(ans) : -1;
    json_object_del(copy, "answer_after_minutes");
    /* the organization's id is known only once it is created; the loader fills it in */
    json_object_set_new(copy, "organization", json_string("00000000-0000-4000-8000-000000000000"));
    kz_rc rc = kz_json_decode(copy, &kz_contact_schema, &dc->contact, KZ_DECODE_CREATE, a, NULL, err);
    json_decref(copy);
    return rc;
}

static kz_rc load_org(json_t *jo, kz_arena *a, kz_demo_org *d, kz_err *err)
{
    json_t *contacts = json_object_get(jo, "contacts");
    json_t *copy = json_copy(jo);
    if (!copy)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    json_object_del(copy, "contacts");
    kz_rc rc = kz_json_decode(copy, &kz_org_schema, &d->org, KZ_DECODE_CREATE, a, NULL, err);
    json_decref(copy);
    d->n_contacts = json_array_size(contacts);
    d->contacts = kz_arena_calloc(a, d->n_contacts ? d->n_contacts : 1, sizeof *d->contacts);
    if (!rc && !d->contacts)
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < d->n_contacts; i++) {
        rc = load_contact(json_array_get(contacts, i), a, &d->contacts[i], err);
        if (rc) {
            char at[40];
            snprintf(at, sizeof at, "contacts[%zu].", i);
            kz_err_prefix(err, at);
        }
    }
    return rc;
}

static kz_rc load_request(json_t *jr, kz_arena *a, kz_demo_request *d, kz_err *err)
{
    const char *from = NULL, *to = NULL, *message = NULL;
    json_int_t hours = 0;
    json_t *moves = NULL, *body = NULL;
    json_error_t je;
    if (json_unpack_ex(jr, &je, JSON_STRICT, "{s:s, s:s, s:o, s:o, s?s, s?I}", "from", &from, "to", &to, "moves",
                       &moves, "request", &body, "message", &message, "hours_ago", &hours) != 0 ||
        !json_is_array(moves) || !json_is_object(body))
        return kz_fail(err, KZ_EINVAL, NULL, "%s", je.text[0] ? je.text : "moves must be a list, request an object");
    if (json_array_size(moves) > KZ_DEMO_MOVES_MAX)
        return kz_fail(err, KZ_EINVAL, "moves", "at most %d moves", KZ_DEMO_MOVES_MAX);
    d->from = kz_arena_strdup(a, from);
    d->to = kz_arena_strdup(a, to);
    d->message = message ? kz_arena_strdup(a, message) : NULL;
    d->hours_ago = hours;
    for (size_t i = 0; i < json_array_size(moves); i++) {
        const char *m = json_string_value(json_array_get(moves, i));
        if ((d->moves[i] = m ? kz_enum_parse(&kz_request_move_enum, m) : -1) < 0)
            return kz_fail(err, KZ_EINVAL, "moves", "moves[%zu] is not a move of a request", i);
        d->n_moves++;
    }
    json_t *copy = json_copy(body);
    if (!copy)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    /* the recipient's id is known only once it is created; the loader fills it in */
    json_object_set_new(copy, "to_organization", json_string("00000000-0000-4000-8000-000000000000"));
    kz_rc rc = kz_json_decode(copy, &kz_request_schema, &d->request, KZ_DECODE_CREATE, a, NULL, err);
    json_decref(copy);
    if (rc)
        kz_err_prefix(err, "request.");
    return rc;
}

kz_rc kz_demo_load(const char *path, kz_arena *a, kz_demo_data *out, kz_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root && je.line < 1) /* the file itself could not be read */
        return kz_fail(err, KZ_EIO, NULL, "%s: %s", path, je.text);
    if (!root)
        return kz_fail(err, KZ_EIO, NULL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    kz_rc rc = KZ_OK;
    const char *org_name = NULL, *state = NULL, *role = NULL;
    json_int_t days = 7, deadline = 48, every = 0;
    json_t *orgs = NULL, *requests = NULL;
    if (json_unpack_ex(root, &je, 0, "{s:{s:s, s:s}, s?{s?I, s?I}, s?{s?s, s?I}, s:o, s?o}", "node",
                       "org_name", &org_name, "state", &state, "check", "days_ago", &days,
                       "deadline_hours", &deadline, "schedule", "role", &role, "every_days",
                       &every, "organizations", &orgs, "requests", &requests) != 0 || !json_is_array(orgs) ||
        (requests && !json_is_array(requests))) {
        rc = kz_fail(err, KZ_EINVAL, NULL, "%s: %s", path, je.text);
        goto done;
    }
    out->node_org_name = kz_arena_strdup(a, org_name);
    out->node_state = kz_arena_strdup(a, state);
    out->schedule_role = kz_arena_strdup(a, role);
    out->check_days_ago = days;
    out->check_deadline_hours = deadline;
    out->schedule_every_days = every;
    out->n_orgs = json_array_size(orgs);
    out->orgs = kz_arena_calloc(a, out->n_orgs ? out->n_orgs : 1, sizeof *out->orgs);
    if (!out->orgs)
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < out->n_orgs; i++) {
        rc = load_org(json_array_get(orgs, i), a, &out->orgs[i], err);
        if (rc) {
            char at[40];
            snprintf(at, sizeof at, "organizations[%zu].", i);
            kz_err_prefix(err, at);
        }
    }
    out->n_requests = json_array_size(requests);
    out->requests = kz_arena_calloc(a, out->n_requests ? out->n_requests : 1, sizeof *out->requests);
    if (!rc && !out->requests)
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < out->n_requests; i++) {
        rc = load_request(json_array_get(requests, i), a, &out->requests[i], err);
        if (rc) {
            char at[40];
            snprintf(at, sizeof at, "requests[%zu].", i);
            kz_err_prefix(err, at);
        }
    }
done:
    json_decref(root);
    return rc;
}

const char *kz_demo_org_id(const kz_demo_data *d, const char *name)
{
    for (size_t i = 0; name && i < d->n_orgs; i++)
        if (strcmp(d->orgs[i].org.name, name) == 0)
            return d->orgs[i].org.id;
    return NULL;
}

kz_rc kz_demo_statement_load(const char *path, const kz_demo_data *d, kz_arena *a, const char **drafter,
                             char **content, kz_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return kz_fail(err, KZ_EIO, NULL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    json_t *names = json_object_get(root, "cosigners"), *body = json_object_get(root, "content");
    json_t *ids = json_array();
    const char *name = json_string_value(json_object_get(root, "drafter"));
    kz_rc rc = json_is_object(body) && json_is_array(names) && ids ? KZ_OK
               : kz_fail(err, KZ_EINVAL, NULL, "%s: needs drafter, cosigners and content", path);
    if (!rc && !(*drafter = kz_demo_org_id(d, name)))
        rc = kz_fail(err, KZ_EINVAL, "drafter", "%s: no demo organization '%.80s'", path, name ? name : "");
    for (size_t i = 0; !rc && i < json_array_size(names); i++) {
        const char *id = kz_demo_org_id(d, json_string_value(json_array_get(names, i)));
        rc = id ? (json_array_append_new(ids, json_string(id)) ? KZ_ENOMEM : KZ_OK)
                : kz_fail(err, KZ_EINVAL, "cosigners", "%s: cosigners[%zu] is no demo organization", path, i);
    }
    char *text = NULL;
    if (!rc && !json_object_set(body, "cosigners", ids))
        text = json_dumps(body, JSON_COMPACT);
    if (!rc && !(text && (*content = kz_arena_strdup(a, text))))
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_free_libc(text);
    json_decref(ids);
    json_decref(root);
    return rc;
}
