/* Scenarios: the compiled-in library and the stored ones (rules in scenarios.h). */
#include "service/exercises/scenarios.h"

#include "codec/exercises/scenario.h"
#include "store/exercises/exercises.h"

#include <string.h>

static kz_rc library(kz_call *c, kz_scenario **items, size_t *n)
{
    kz_err e2;
    kz_rc rc = kz_scenario_library(c->arena, items, n, &e2);
    return rc ? kz_fail(c->err, KZ_EINTERNAL, NULL, "%s", e2.msg) : KZ_OK;
}

/* A stored row decoded again (it was checked when stored). */
static kz_rc from_row(kz_call *c, const kz_scenario_row *r, kz_scenario *out)
{
    kz_err e2;
    kz_rc rc = kz_scenario_decode(r->body, strlen(r->body), c->arena, out, &e2);
    if (rc)
        return kz_fail(c->err, KZ_EINTERNAL, NULL, "stored scenario %.40s no longer decodes: %s", r->id, e2.msg);
    out->id = r->id;
    out->created = r->created;
    out->modified = r->modified;
    out->organization = r->organization;
    return KZ_OK;
}

kz_rc kz_svc_scenario_list(kz_call *c, kz_scenario **items, size_t *n)
{
    kz_scenario *lib;
    size_t n_lib;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = library(c, &lib, &n_lib);
    kz_scenario_page pg = {0};
    kz_page want = {.limit = KZ_SCENARIOS_LISTED};
    if (!rc)
        rc = kz_store_scenario_list(c->db, &want, c->arena, &pg, c->err);
    if (rc)
        return rc;
    *items = kz_arena_calloc(c->arena, n_lib + pg.n + 1, sizeof **items);
    if (!*items)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    memcpy(*items, lib, n_lib * sizeof *lib);
    *n = n_lib;
    for (size_t i = 0; !rc && i < pg.n; i++)
        rc = from_row(c, &pg.items[i], &(*items)[(*n)++]);
    return rc;
}

kz_rc kz_svc_scenario_get(kz_call *c, const char *id, kz_scenario *out)
{
    kz_scenario *lib;
    size_t n_lib;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = library(c, &lib, &n_lib);
    for (size_t i = 0; !rc && i < n_lib; i++)
        if (strcmp(lib[i].id, id) == 0) {
            *out = lib[i];
            return KZ_OK;
        }
    kz_scenario_row row;
    if (!rc)
        rc = kz_store_scenario_get(c->db, id, c->arena, &row, c->err);
    return rc ? rc : from_row(c, &row, out);
}

kz_rc kz_svc_scenario_create(kz_call *c, const char *text, size_t len, kz_scenario *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc)
        rc = kz_scenario_decode(text, len, c->arena, out, c->err);
    kz_scenario *lib;
    size_t n_lib;
    if (!rc)
        rc = library(c, &lib, &n_lib);
    for (size_t i = 0; !rc && out->id && i < n_lib; i++)
        if (strcmp(lib[i].id, out->id) == 0)
            rc = kz_fail(c->err, KZ_ECONFLICT, "id", "%s is a built-in scenario", out->id);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    if (!out->id && !(out->id = kz_new_id(c)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    out->created = out->modified = kz_now_ms();
    out->organization = (char *)c->who.org;
    kz_scenario_row row = {out->id, out->created, out->modified, out->organization, out->title, out->body};
    if (!rc)
        rc = kz_store_scenario_insert(c->db, &row, c->err);
    if (rc == KZ_ECONFLICT)
        kz_fail(c->err, KZ_ECONFLICT, "id", "a scenario %.64s exists", out->id);
    if (!rc)
        rc = kz_audit(c, "scenario.create", "scenario", out->id, NULL);
    return kz_tx_end(c, rc);
}
