/* Public attribution statements: drafting, co-signing (each issuer signs one version's
 * content hash with the node key), the embargo and publication, corrections and signed
 * withdrawals. Every read goes through kz_statement_visible (service/core/tlp.h); every
 * change is audited ("statement.<verb>"). */
#ifndef KZ_SERVICE_STATEMENTS_H
#define KZ_SERVICE_STATEMENTS_H

#include "codec/federation/federation.h"
#include "codec/statements/statement.h"
#include "model/page.h"
#include "service/core/call.h"
#include "service/stix/taxii.h"

typedef struct kz_statement_filter {
    const char *status;          /* a status name as shown, or NULL */
    const char *norm;            /* a norm letter */
    const char *organization;    /* an issuing organization */
    const char *q;               /* words in the title or any text (case-insensitive) */
    bool released;               /* only published, corrected or withdrawn ones (feeds) */
} kz_statement_filter;

/* A draft from the caller's organization (analyst, admin). body: the content object
 * (JSON text). */
kz_rc kz_svc_statement_create(kz_call *c, const char *body, size_t len, kz_statement_view *out);

/* A draft started from an incident the caller may see: its title and description, the
 * incident linked, its indicators that may be published (TLP:CLEAR and GREEN, each
 * keeping its label) as the annex, and the norms (a-k) of the requests about it that
 * the caller may see; patch (JSON text, may be NULL) over that. */
kz_rc kz_svc_statement_from_incident(kz_call *c, const char *incident, const char *patch, size_t len,
                                     kz_statement_view *out);

/* Changes the content of a draft, circulating or approved statement (its drafter): a
 * new version; approvals of earlier versions are void, and an approved statement goes
 * back to circulating. A patch that changes nothing makes no version. */
kz_rc kz_svc_statement_update(kz_call *c, const char *id, const char *patch, size_t len, kz_statement_view *out);

kz_rc kz_svc_statement_get(kz_call *c, const char *id, kz_statement_view *out);

/* The statements the caller may see, newest first. */
kz_rc kz_svc_statement_list(kz_call *c, const kz_statement_filter *f, kz_statement_view **out, size_t *n);

/* One page of that list: pg->limit items from pg->cursor (NULL: the newest). The cursor
 * counts the statements older than the page's end, so statements published meanwhile
 * do not move a reader's place; *next (c's arena) is NULL on the last page. KZ_EINVAL
 * naming "cursor" for one this node did not write. */
kz_rc kz_svc_statement_page(kz_call *c, const kz_statement_filter *f, const kz_page *pg, kz_statement_view **out,
                            size_t *n, char **next);

/* Per status shown, how many statements the caller may see (counts[kz_statement_status]). */
kz_rc kz_svc_statement_counts(kz_call *c, const kz_statement_filter *f, int64_t counts[KZ_ST_WITHDRAWN + 1]);

/* The arguments a move may take (each NULL or 0 when not given). */
typedef struct kz_statement_move_in {
    const char *content_hash;    /* approve: the version the approver read */
    kz_time publish_at;          /* schedule */
    const char *reason;          /* withdraw */
    const char *patch;           /* correct: changes to the copied content (JSON text) */
    size_t patch_len;
} kz_statement_move_in;

/* Makes a move (the table in model/statement.c). A move from the wrong status is
 * KZ_ECONFLICT, by the wrong side KZ_EFORBIDDEN, each with the reason; a statement the
 * caller may not see is KZ_ENOTFOUND. correct answers the new draft (which supersedes
 * id once published). */
kz_rc kz_svc_statement_move(kz_call *c, const char *id, kz_statement_move mv, const kz_statement_move_in *in,
                            kz_statement_view *out);

/* The issuing organizations of n statements (names and states for the published forms),
 * each once; in c's arena. */
kz_rc kz_svc_statement_orgs(kz_call *c, const kz_statement_view *v, size_t n, kz_statement_orgs *out);

/* The TAXII collection of statements: the STIX objects of every public statement the
 * caller may see (kz_statement_stix_objects), oldest first, filtered by f (added_after,
 * match[id], match[type], the page's start and limit). */
kz_rc kz_svc_statement_taxii(kz_call *c, kz_taxii_filter *f, bool with_objects, kz_taxii_page *out);

/* Scheduler duty: records each scheduled statement whose publish_at has come as
 * published (audited "statement.released"), and marks what a released correction
 * supersedes as corrected. Readers see it published from publish_at on already
 * (kz_statement_shown); this keeps the stored status and the audit chain in step.
 * Returns how many, or -1. */
long kz_svc_statement_release_due(kz_call *c);

/* The export file (codec/statements/statement.h) of a statement the caller may see, in c's arena. */
kz_rc kz_svc_statement_export(kz_call *c, const char *id, char **text);

/* ---- across nodes (svc_statement_federation.c, docs/FEDERATION.md) ---- */

/* What peer gets for a change log entry of statement id: a statement drafted here goes
 * (row, versions, approvals) to the nodes that host a co-signer, and a tombstone (*gone)
 * to one that was sent it but hosts none any more; a copy of a peer's statement sends
 * back only the approvals of the organizations this node hosts, to its drafter's node
 * only. *send false when nothing goes. In c's arena. */
kz_rc kz_svc_statement_outgoing(kz_call *c, const char *id, const char *peer, kz_fed_statement *out, bool *send,
                                bool *gone);

/* Applies a statement change from peer p inside the caller's transaction: from the
 * drafter's node the copy here becomes what it sent; from a co-signer's node its new
 * approvals are added (the statement approved when every issuer signed the current
 * version). Each approval must be of an issuer, of a version held, by the node hosting
 * its organization (its pinned key verifies it). *why (and nothing written) when the
 * change is refused. */
struct kz_peer;
kz_rc kz_svc_statement_incoming(kz_call *c, const struct kz_peer *p, kz_fed_statement *in, const char **why);
/* A tombstone from p: the copy of p's statement id is removed with its versions and
 * approvals (no co-signer of it is hosted here any more). *why when id is another
 * node's. */
kz_rc kz_svc_statement_gone(kz_call *c, const struct kz_peer *p, const char *id, const char **why);

#endif
