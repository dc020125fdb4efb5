/* Scenario JSON: the scalar fields through kz_scenario_schema, each list through its
 * item's field table, an inject's "request" object through the request's content
 * table (its kind's own fields), then the scenario's cross-field rules. */
#include "codec/exercises/scenario.h"

#include "codec/json/json_fields.h"
#include "model/request.h"
#include "util/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

extern const char kz_scenario_library_json[];  /* generated from scenarios/library.json */

typedef struct list_spec {
    const char *key;
    const kz_schema *schema;
    size_t item_size;
    size_t items_offset, n_offset;
} list_spec;

#define LIST(key, schema, type, items, n) \
    {key, &schema, sizeof(type), offsetof(kz_scenario, items), offsetof(kz_scenario, n)}

static const list_spec lists[] = {
    LIST("objectives", kz_scn_objective_schema, kz_scn_objective, objectives, n_objectives),
    LIST("roles", kz_scn_role_schema, kz_scn_role, roles, n_roles),
    LIST("injects", kz_inject_schema, kz_inject, injects, n_injects),
    LIST("expectations", kz_expectation_schema, kz_expectation, expectations, n_expectations),
};

static void at_item(kz_err *err, const char *key, size_t i, const char *sub)
{
    char at[80];
    snprintf(at, sizeof at, "%s[%zu].%s", key, i, sub);
    kz_err_prefix(err, at);
}

/* An inject's "request": the kind's fields; the common ones come from the inject. */
static kz_rc decode_request(json_t *jr, kz_inject *j, kz_arena *a, kz_err *err)
{
    if (!json_is_object(jr))
        return kz_fail(err, KZ_EINVAL, "request", "must be an object of the request kind's fields");
    json_t *copy = json_copy(jr);
    j->request = kz_arena_calloc(a, 1, sizeof *j->request);
    if (!copy || !j->request) {
        json_decref(copy);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    /* who is asked is known when the run delivers it; subject and text are the inject's */
    const struct { const char *k, *v; } common[] = {
        {"to_organization", "00000000-0000-4000-8000-000000000000"}, {"kind", j->request_kind},
        {"urgency", "high"}, {"tlp", kz_enum_name(&kz_tlp_enum, j->tlp)}, {"subject", j->title},
        {"description", j->text},
    };
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        if (!json_object_get(copy, common[i].k) && common[i].v)
            json_object_set_new(copy, common[i].k, json_string(common[i].v));
    kz_rc rc = kz_json_decode(copy, &kz_request_content_schema, j->request, KZ_DECODE_CREATE, a, NULL, err);
    json_decref(copy);
    if (!rc)
        rc = kz_request_check_template(j->request, err);
    if (rc)
        kz_err_prefix(err, "request.");
    return rc;
}

static void defaults(const list_spec *l, void *item)
{
    if (l->schema == &kz_inject_schema)
        ((kz_inject *)item)->tlp = KZ_TLP_AMBER;
    else if (l->schema == &kz_expectation_schema) {
        ((kz_expectation *)item)->weight = 1;
        ((kz_expectation *)item)->tlp = KZ_TLP_AMBER;
    }
}

static kz_rc decode_list(json_t *root, const list_spec *l, kz_scenario *out, kz_arena *a, kz_err *err)
{
    json_t *arr = json_object_get(root, l->key);
    if (arr && !json_is_array(arr))
        return kz_fail(err, KZ_EINVAL, l->key, "must be a list");
    size_t n = json_array_size(arr);
    if (n > KZ_SCN_MAX_ITEMS)
        return kz_fail(err, KZ_EINVAL, l->key, "at most %d items", KZ_SCN_MAX_ITEMS);
    char *items = kz_arena_calloc(a, n ? n : 1, l->item_size);
    if (!items)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        json_t *jo = json_array_get(arr, i);
        void *item = items + i * l->item_size;
        if (!json_is_object(jo)) {
            kz_fail(err, KZ_EINVAL, "", "must be an object");
            at_item(err, l->key, i, "");
            return KZ_EINVAL;
        }
        defaults(l, item);
        json_t *copy = json_copy(jo);
        if (!copy)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        json_object_del(copy, "request");
        kz_rc rc = kz_json_decode(copy, l->schema, item, KZ_DECODE_CREATE, a, NULL, err);
        json_decref(copy);
        json_t *jr = l->schema == &kz_inject_schema ? json_object_get(jo, "request") : NULL;
        if (!rc && jr)
            rc = decode_request(jr, item, a, err);
        if (rc) {
            at_item(err, l->key, i, "");
            return rc;
        }
    }
    *(void **)((char *)out + l->items_offset) = items;
    *(size_t *)((char *)out + l->n_offset) = n;
    return KZ_OK;
}

static kz_rc decode_object(json_t *root, kz_arena *a, kz_scenario *out, kz_err *err)
{
    if (!json_is_object(root))
        return kz_fail(err, KZ_EINVAL, NULL, "a scenario is a JSON object");
    json_t *copy = json_copy(root);
    if (!copy)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        json_object_del(copy, lists[i].key);
    memset(out, 0, sizeof *out);
    kz_rc rc = kz_json_decode(copy, &kz_scenario_schema, out, KZ_DECODE_CREATE, a, NULL, err);
    json_decref(copy);
    for (size_t i = 0; !rc && i < sizeof lists / sizeof *lists; i++)
        rc = decode_list(root, &lists[i], out, a, err);
    if (!rc)
        rc = kz_scenario_check(out, err);
    if (rc)
        return rc;
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    out->body = text ? kz_arena_strdup(a, text) : NULL;
    kz_free_libc(text);
    return out->body ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_scenario_decode(const char *text, size_t len, kz_arena *a, kz_scenario *out, kz_err *err)
{
    if (len > KZ_SCENARIO_TEXT_MAX)
        return kz_fail(err, KZ_EINVAL, NULL, "a scenario is at most %d bytes", KZ_SCENARIO_TEXT_MAX);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return kz_fail(err, KZ_EINVAL, NULL, "line %d, column %d: %s", je.line, je.column, je.text);
    kz_rc rc = decode_object(root, a, out, err);
    json_decref(root);
    return rc;
}

kz_rc kz_scenario_library(kz_arena *a, kz_scenario **items, size_t *n, kz_err *err)
{
    json_error_t je;
    json_t *root = json_loads(kz_scenario_library_json, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_array(root)) {
        json_decref(root);
        return kz_fail(err, KZ_EINTERNAL, NULL, "the built-in scenario library is broken: line %d: %s",
                       je.line, je.text);
    }
    *n = json_array_size(root);
    *items = kz_arena_calloc(a, *n ? *n : 1, sizeof **items);
    kz_rc rc = *items ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < *n; i++) {
        rc = decode_object(json_array_get(root, i), a, &(*items)[i], err);
        (*items)[i].builtin = true;
        if (rc)
            at_item(err, "library", i, "");
    }
    json_decref(root);
    return rc;
}
