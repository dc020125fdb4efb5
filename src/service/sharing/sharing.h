/* The rules every sharing use case follows (incidents.h, indicators.h, sightings.h),
 * and the helpers that apply them (svc_sharing.c).
 *
 * Reading: every sharing use case shows the caller only what kz_tlp_visible lets its
 * organization see. A single object the caller may not see is reported exactly like
 * one that does not exist (KZ_ENOTFOUND, same message); lists, counts and sums are
 * computed over visible rows only. Callers without a key read only when the node
 * publishes CLEAR (kz_node.public_clear), and then see CLEAR only.
 *
 * Writing: analysts write for their own organization (the source, observer or
 * reporting organization), admins for any; viewers read only. Every write runs in one
 * transaction and appends to the audit chain.
 *
 * Entry points for the other subsystems:
 *   - requests (issue 4) link to incidents and indicators: kz_svc_incident_get and
 *     kz_svc_indicator_get fail with KZ_ENOTFOUND for what the caller may not see;
 *     kz_incident_subject / kz_indicator_subject (model/sharing.h) give the TLP fields
 *     for kz_tlp_visible when deciding about a third party (a recipient of a request).
 *   - the telemetry matcher reads the indicators to match with kz_svc_indicator_each
 *     (filter.active_at = now: visible and unexpired) and writes what it saw back with
 *     kz_svc_sightings_record.
 *   - importers and exporters (CSV here; STIX, MISP and TAXII) write through a
 *     kz_ind_batch and read through kz_svc_indicator_each / kz_svc_incident_list. */
#ifndef KZ_SERVICE_SHARING_H
#define KZ_SERVICE_SHARING_H

#include "service/core/call.h"
#include "service/core/tlp.h"
#include "store/sharing.h"

/* May the caller read shared objects at all? Members always; callers without a key
 * only when the node publishes CLEAR (what they then see is still kz_tlp_visible's). */
kz_rc kz__sharing_read(kz_call *c);

/* Each id of list must be an existing organization, else KZ_EINVAL naming
 * "<field>[i]". */
kz_rc kz__check_orgs(kz_call *c, const kz_strlist *list, const char *field, kz_err *err);

/* The organization that writes: `given` (checked: exists, and the caller may act for
 * it) or, when NULL, the caller's own. */
kz_rc kz__acting_org(kz_call *c, const char *given, const char *field, const char **out, kz_err *err);

#endif
