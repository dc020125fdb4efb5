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
 * transaction and appends to the audit chain. Every write path (the API, bulk, the CSV,
 * STIX, MISP and TAXII imports, sightings, incident updates from imported reports,
 * request links) follows three rules, decided here and nowhere else:
 *   1. A write reveals nothing a read would not. A stored object the caller may not
 *      see is a KZ_WRITE_HIDDEN target: the write answers exactly as for an object
 *      that does not exist (same status, result, counts and errors) and leaves the
 *      stored object as it is (the withheld write is audited against that object, so
 *      only those who may see it read the entry).
 *   2. A write never lowers the label or widens the recipients of an object the
 *      caller's organization does not own (is not the source of): acting for another
 *      organization (an admin) does not make its objects the caller's.
 *   3. Lowering or widening is never implicit. A merge keeps the stricter sharing of
 *      what is stored and what is written (kz__merge_sharing) unless the owner asks in
 *      so many words (KZ_GIVEN_DECLASSIFY: "declassify": true in the API,
 *      --allow-declassify on imports); an explicit change (PATCH) by the owner is one
 *      too. Every declassification is its own audit entry ("<kind>.declassify").
 * Shown recipients: whoever may see an object is shown its whole recipient list only
 * when its organization is the source; anyone else learns only whether it is named
 * itself (kz_tlp_recipients_shown, applied by kz__show_recipients on every read).
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
#include "store/sharing/sharing.h"

/* May the caller read shared objects at all? Members always; callers without a key
 * only when the node publishes CLEAR (what they then see is still kz_tlp_visible's). */
kz_rc kz__sharing_read(kz_call *c);

/* Each id of list must be an existing organization, else KZ_EINVAL naming
 * "<field>[i]". */
kz_rc kz__check_orgs(kz_call *c, const kz_strlist *list, const char *field, kz_err *err);

/* The organization that writes: `given` (checked: exists, and the caller may act for
 * it) or, when NULL, the caller's own. */
kz_rc kz__acting_org(kz_call *c, const char *given, const char *field, const char **out, kz_err *err);

/* How a write relates to what is stored. */
typedef enum kz_write_target {
    KZ_WRITE_NEW,     /* nothing stored: the write creates */
    KZ_WRITE_OWN,     /* stored, and the caller's organization is its source */
    KZ_WRITE_SHARED,  /* stored, visible to the caller, another organization's */
    KZ_WRITE_HIDDEN,  /* stored, and the caller may not see it: handled as KZ_WRITE_NEW
                         in every answer, and not written */
} kz_write_target;

/* stored: the TLP fields of the stored object, NULL when none is stored. */
kz_write_target kz__write_target(const kz_call *c, const kz_tlp_subject *stored);

/* The sharing a write leaves on a stored object: `want` when it narrows `stored`
 * (kz_tlp_narrows) or when the target is OWN and declassify is set; otherwise the
 * stored sharing, raised to want's label when that is higher (a HIDDEN target: the
 * stored sharing, always). Writes the result to *out (pointing into stored or want).
 * Returns true when the result lowers or widens stored, which the caller audits with
 * kz__audit_declassify. */
bool kz__merge_sharing(kz_write_target t, bool declassify, const kz_tlp_subject *stored,
                       const kz_tlp_subject *want, kz_tlp_subject *out);

/* For an explicit change of sharing (a PATCH): KZ_EFORBIDDEN naming field unless the
 * change narrows or the caller's organization is the source. */
kz_rc kz__may_reshare(kz_call *c, const kz_tlp_subject *before, const kz_tlp_subject *after, const char *field);

/* Appends "<kind>.declassify" for object id with {"from": label, "to": label}. */
kz_rc kz__audit_declassify(kz_call *c, const char *kind, const char *id, const kz_tlp_subject *from,
                           const kz_tlp_subject *to);

/* Audits "<kind>.withheld" for a KZ_WRITE_HIDDEN target id: the write was answered as
 * a creation and changed nothing. */
kz_rc kz__audit_withheld(kz_call *c, const char *kind, const char *id);

/* Is the stored object of kind ('i' indicator, 'r' incident, 's' sighting) id one the
 * caller may not see? False when none is stored. For importers resolving ids met
 * before (stix_refs, MISP event uuids): a hidden one is handled as if it did not exist
 * (rule 1), and its mapping is left to its owner. */
bool kz__hidden(kz_call *c, char kind, const char *id);

/* Replaces *recipients of an object (source, label) with what the caller is shown of
 * them (kz_tlp_recipients_shown); in place, the array keeps its owner. */
void kz__show_recipients(const kz_call *c, const char *source, int tlp, bool allow_clients, kz_strlist *recipients);
void kz__show_indicator(const kz_call *c, kz_indicator *o);
void kz__show_incident(const kz_call *c, kz_incident *o);
void kz__show_sighting(const kz_call *c, kz_sighting *o);

#endif
