/* Mail notices: the templates (English and Japanese, chosen by the recipient contact's
 * languages), writing a notice into the persistent outbox inside the caller's
 * transaction, and the delivery duty that sends due notices through SMTP with retries
 * and backoff. A notice is never lost: it is written in the same transaction as the
 * change it reports, claimed before each attempt and settled after it; a crash between
 * the SMTP server's acceptance and the settling commit is the one case in which a
 * notice goes out twice (with the same Message-ID, so that mail systems can drop it). */
#ifndef KZ_SERVICE_NOTIFY_H
#define KZ_SERVICE_NOTIFY_H

#include "model/directory.h"
#include "service/core/call.h"
#include "store/core/outbox.h"

/* A named value for a template: {name} in the text becomes value. */
typedef struct kz_notify_var {
    const char *name;
    const char *value;
} kz_notify_var;

/* The language of a notice to contact: the first of the contact's languages that has a
 * template for kind, else English. */
const char *kz_notify_language(const char *kind, const kz_contact *contact);

/* Writes one notice of `kind` (a row of the template table: "request.new",
 * "check.invitation", ...) to contact into the outbox, rendered with vars, inside the
 * caller's write transaction. A NULL contact, or one without an e-mail address, gives a
 * notice recorded as skipped, so the record shows that nobody could be told. request_id
 * and check_id (either may be NULL) say what it is about. */
kz_rc kz_notify(kz_call *c, const char *kind, const kz_contact *contact, const char *request_id,
                const char *check_id, const kz_notify_var *vars, size_t n_vars);

/* "1 event", "2 events": n and the noun in the number English gives it, in a (NULL when
 * out of memory). Japanese counts need no plural: "{n}件". */
char *kz_notify_count(kz_arena *a, uint64_t n, const char *one, const char *many);

/* "2026-11-25 21:21 UTC" into out (at least 24 bytes); "" for 0. */
char *kz_notify_time(kz_time t, char *out, size_t size);

/* t as the recipient reads it: in the contact's time zone with its offset, "2026-11-26
 * 06:21 JST (UTC+09:00)" (util/tz.h), or in UTC when the contact has none. out: at least
 * 48 bytes. */
char *kz_notify_time_for(kz_time t, const kz_contact *contact, char *out, size_t size);

/* Notices about a request or a check (one of the two ids), oldest first. The caller
 * has checked that its caller may see that request or check. */
kz_rc kz_notices_about(kz_call *c, const char *request_id, const char *check_id, kz_notice **items,
                       size_t *n);

#endif
