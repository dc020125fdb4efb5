/* Shared by svc_incidents.c, svc_indicators.c and svc_sightings.c only. */
#ifndef KZ_SERVICE_SHARING_INTERNAL_H
#define KZ_SERVICE_SHARING_INTERNAL_H

#include "service/policy_tlp.h"
#include "service/sharing.h"

/* May the caller read shared objects at all? Members always; callers without a key
 * only when the node publishes CLEAR (what they then see is still kz_tlp_visible's). */
kz_rc kz__sharing_read(kz_call *c);

/* Each id of list must be an existing organization, else KZ_EINVAL naming
 * "<field>[i]". */
kz_rc kz__check_orgs(kz_call *c, const kz_strlist *list, const char *field, kz_err *err);

/* The organization that writes: `given` (checked: exists, and the caller may act for
 * it) or, when NULL, the caller's own. */
kz_rc kz__acting_org(kz_call *c, const char *given, const char *field, const char **out, kz_err *err);

/* The incident, if the caller may see it; otherwise KZ_ENOTFOUND as if it did not
 * exist. */
kz_rc kz__visible_incident(kz_call *c, const char *id, kz_incident *out, kz_err *err);

#endif
