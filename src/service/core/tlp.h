/* TLP 2.0: the one function that decides whether a viewer may see an object. Every
 * read path (API, TAXII, export, statistics, notifications, match output, UI) asks it,
 * directly or through the store's SQL function kz_visible bound to it (see
 * kz_store_set_visibility in store/core/store.h); nothing else decides. */
#ifndef KZ_SERVICE_TLP_H
#define KZ_SERVICE_TLP_H

#include "model/statement.h"
#include "model/tlp.h"
#include "service/core/call.h"

#include <stdbool.h>
#include <stddef.h>

/* CLEAR: anyone, even anonymous (whether anonymous callers reach a read path at all is
 * the node's choice: kz_node.public_clear).
 * GREEN: any authenticated member of the community.
 * AMBER: the source organization and the named recipient organizations; and, when the
 *   source allows it (allow_clients), the node's own clients, provided the node's
 *   organization is itself the source or a recipient. This is TLP 2.0's "recipients may
 *   share with their organization and its clients" made explicit: the clients are the
 *   organizations an admin marked as clients of the node (organizations.client), and
 *   the source opts in per object, so nothing flows to clients by default.
 * AMBER+STRICT: the source and the recipient organizations only (allow_clients ignored).
 * RED: the source and the named recipient organizations only.
 * An object without recipients therefore stays with its source above GREEN.
 * Node admins get no exception: a RED object is invisible to them unless their
 * organization is the source or named. Unknown labels fail closed.
 * EXERCISE: an object made during a table-top exercise (o->exercise) is seen by the
 * players of that exercise only (v->exercises), whatever its label, CLEAR included:
 * outsiders, anonymous callers, peers and node admins who do not play never see it;
 * among the players the label's rules above apply.
 * Pure function of its arguments; thread-safe. */
bool kz_tlp_visible(const kz_viewer *v, const kz_tlp_subject *o);

/* Does changing an object's sharing from `before` to `after` (same source) show it to
 * nobody who could not see it before? True when after is at least as strict: a
 * stricter or equal label, no recipient that before did not name once before was above
 * GREEN, no clients that before did not admit. A write that would make this false
 * lowers the label or widens the recipients: a declassification (sharing.h).
 * Pure function of its arguments; thread-safe. */
bool kz_tlp_narrows(const kz_tlp_subject *before, const kz_tlp_subject *after);

/* Which of o's recipients a viewer who may see o is shown: all of them to the source
 * organization; to anyone else only itself, when it is named (TLP 2.0 shares the
 * object, not the list of who else holds it). Fills shown (room for o->n_recipients)
 * and returns how many. Pure; thread-safe. */
size_t kz_tlp_recipients_shown(const kz_viewer *v, const kz_tlp_subject *o, const char **shown);

/* Public attribution statements (model/statement.h): may v see statement s at time now?
 * Its issuers (the drafting organization and the invited co-signers) always; everyone
 * else, anonymous callers included, only once it is public: published, corrected or
 * withdrawn, or scheduled with its publish_at come. Until then — the embargo — it is
 * invisible to them on every read path (API, search, counts, feeds, TAXII, exports),
 * which all ask this function; at publish_at it appears on all of them at once. Its
 * annex's indicators are then shown each under its own label (kz_statement_annex_subject).
 * Pure; thread-safe. */
bool kz_statement_visible(const kz_viewer *v, const kz_statement *s, kz_time now);

/* Is org one of s's issuers (drafter or co-signer)? */
bool kz_statement_issuer(const kz_statement *s, const char *org);

/* The TLP subject of an indicator of s's annex labelled tlp: the drafter as source, the
 * co-signers as recipients. */
kz_tlp_subject kz_statement_annex_subject(const kz_statement *s, int tlp);

#endif
