/* The audit chain's read side. The chain records every change, including changes to
 * objects under TLP; the listing shows an admin only the entries about objects the
 * admin may see (a RED request of two other organizations does not appear, not even
 * as a count), while verification always walks the whole chain. */
#include "service/core/audit.h"

#include "service/requests/requests.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"

#include <stdio.h>
#include <string.h>

static bool incident_visible(kz_call *c, const char *id)
{
    kz_incident o;
    return kz_svc_incident_get(c, id, &o) == KZ_OK;
}

static bool indicator_visible(kz_call *c, const char *id)
{
    kz_indicator o;
    return kz_svc_indicator_get(c, id, &o) == KZ_OK;
}

static bool request_visible(kz_call *c, const char *id)
{
    kz_request_view v;
    return kz_svc_request_get(c, id, &v) == KZ_OK;
}

/* Object types whose entries are shown only to viewers of the object. */
static const struct {
    const char *type;
    bool (*visible)(kz_call *c, const char *id);
} guarded[] = {
    {"incident", incident_visible},
    {"indicator", indicator_visible},
    {"request", request_visible},
};

static bool entry_visible(kz_call *c, const kz_audit_event *e)
{
    if (!e->object_id)
        return true;
    for (size_t i = 0; i < sizeof guarded / sizeof *guarded; i++) {
        if (strcmp(e->object_type, guarded[i].type) != 0)
            continue;
        kz_err scratch; /* a hidden entry is not an error of the listing */
        kz_err *keep = c->err;
        c->err = &scratch;
        bool ok = guarded[i].visible(c, e->object_id);
        c->err = keep;
        return ok;
    }
    return true;
}

/* Keeps the entries of part the caller may see at the end of out (room for all). */
static void keep_visible(kz_call *c, const kz_audit_page *part, kz_audit_event *out, size_t *kept)
{
    for (size_t i = 0; i < part->n; i++)
        if (entry_visible(c, &part->items[i]))
            out[(*kept)++] = part->items[i];
}

/* Is any entry after cursor one the caller may see? */
static kz_rc any_visible_after(kz_call *c, const char *cursor, bool *any)
{
    char at[KZ_CURSOR_TEXT];
    snprintf(at, sizeof at, "%s", cursor);
    *any = false;
    for (;;) {
        kz_page p = {at, KZ_LIST_DEFAULT};
        kz_audit_page part;
        kz_rc rc = kz_store_audit_list(c->db, &p, c->arena, &part, c->err);
        for (size_t i = 0; !rc && i < part.n && !*any; i++)
            *any = entry_visible(c, &part.items[i]);
        if (rc || *any || !part.next[0])
            return rc;
        snprintf(at, sizeof at, "%s", part.next);
    }
}

/* Pages are filled with visible entries (reading on past hidden ones), and a next
 * cursor is given only when a visible entry follows, so neither a page's length nor
 * an empty last page tells that hidden entries exist. */
kz_rc kz_svc_audit_list(kz_call *c, const kz_page *pg, kz_audit_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc)
        return rc;
    int64_t limit = pg->limit > 0 && pg->limit <= KZ_LIST_MAX ? pg->limit : KZ_LIST_DEFAULT;
    kz_audit_event *items = kz_arena_calloc(c->arena, (size_t)limit, sizeof *items);
    if (!items)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    char at[KZ_CURSOR_TEXT];
    snprintf(at, sizeof at, "%s", pg->cursor ? pg->cursor : "");
    size_t kept = 0;
    bool more = false;
    while (!rc) {
        kz_page p = {at, limit - (int64_t)kept};
        kz_audit_page part;
        if ((rc = kz_store_audit_list(c->db, &p, c->arena, &part, c->err)))
            break;
        keep_visible(c, &part, items, &kept);
        if (!part.next[0])
            break;
        snprintf(at, sizeof at, "%s", part.next);
        if ((int64_t)kept == limit) {
            rc = any_visible_after(c, at, &more);
            break;
        }
    }
    out->items = items;
    out->n = kept;
    snprintf(out->next, sizeof out->next, "%s", more ? at : "");
    return rc;
}

kz_rc kz_svc_audit_verify(kz_call *c, kz_audit_report *report)
{
    return kz_svc_audit_verify_with(c, NULL, NULL, report);
}

kz_rc kz_svc_audit_verify_with(kz_call *c, const unsigned char *pk, const kz_audit_head *pinned,
                               kz_audit_report *report)
{
    memset(report, 0, sizeof *report);
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc)
        return rc;
    if (!pk && !c->node->has_keys)
        return kz_fail(c->err, KZ_EINVAL, "public-key", "give the node's public key: a key read from the "
                       "database itself would prove nothing");
    if (!pk)
        pk = c->node->sign_pk;
    if (pinned && !kz_audit_head_signature_ok(pinned, pk)) {
        snprintf(report->reason, sizeof report->reason, "the exported head's signature does not verify with the node key");
        return kz_fail(c->err, KZ_ECORRUPT, "head", "%s", report->reason);
    }
    if ((rc = kz_rtx_begin(c)))
        return rc;
    rc = kz_store_audit_verify(c->db, pk, pinned, report, c->err);
    kz_rtx_end(c);
    return rc;
}

kz_rc kz_svc_audit_head(kz_call *c, kz_audit_head *head)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    rc = kz_store_audit_head(c->db, head, c->err);
    kz_rtx_end(c);
    kz_hex_encode(c->node->sign_pk, KZ_SIGN_PK_BYTES, head->public_key);
    snprintf(head->node, sizeof head->node, "%s", c->node->org_id);
    return rc;
}
