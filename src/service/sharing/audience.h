/* "Who will see this": the organizations of the directory that the TLP policy
 * (kz_tlp_visible) lets see an object, stored or still a draft (svc_audience.c). The
 * web interface shows them in its TLP picker before anything is saved. */
#ifndef KZ_SERVICE_AUDIENCE_H
#define KZ_SERVICE_AUDIENCE_H

#include "service/core/call.h"
#include "store/directory/directory.h"
#include "store/sharing/sharing.h"

/* Why an organization of the audience sees the object (for display; the decision is
 * kz_tlp_visible's alone). */
typedef enum kz_audience_why {
    KZ_SEES_ANYONE,    /* CLEAR: anyone */
    KZ_SEES_MEMBER,    /* GREEN: every member */
    KZ_SEES_SOURCE,
    KZ_SEES_RECIPIENT,
    KZ_SEES_CLIENT,    /* AMBER with allow_clients: a client of the node */
} kz_audience_why;
extern const char *const kz_audience_why_names[];

typedef struct kz_audience_org {
    const kz_org *org;
    kz_audience_why why;
} kz_audience_org;

typedef struct kz_audience {
    bool anyone;           /* CLEAR: also callers without a key */
    kz_audience_org *orgs; /* every directory organization kz_tlp_visible admits, in the
                              caller's arena */
    size_t n;
} kz_audience;

/* The audience of an object shared as s, which the caller (a member) is about to
 * write: s->source_org NULL means the caller's organization, otherwise one the caller
 * may act for (KZ_EFORBIDDEN naming "organization"); each recipient must exist
 * (KZ_EINVAL naming "recipients[i]"). The caller learns only organizations of the
 * directory, which every member may read. */
kz_rc kz_svc_audience(kz_call *c, kz_tlp_subject *s, kz_audience *out);

/* The audience of a stored incident or indicator the caller may see (KZ_ENOTFOUND
 * otherwise, as if it did not exist), computed over the recipients the caller is
 * shown (kz_tlp_recipients_shown): a caller who is not the source learns no recipient
 * it did not know of. *obj receives the object as the caller is shown it. */
kz_rc kz_svc_incident_audience(kz_call *c, const char *id, kz_incident *obj, kz_audience *out);
kz_rc kz_svc_indicator_audience(kz_call *c, const char *id, kz_indicator *obj, kz_audience *out);

#endif
