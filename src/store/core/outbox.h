/* The persistent mail outbox: notices written in the transaction of the change they
 * report, then claimed, sent and settled by the delivery duty. */
#ifndef KZ_STORE_OUTBOX_H
#define KZ_STORE_OUTBOX_H

#include "model/notice.h"
#include "store/core/store.h"
#include "util/arena.h"

kz_rc kz_store_notice_insert(kz_db *db, const kz_notice *n, kz_err *err);

/* Pending notices whose next attempt is due at now, oldest first, at most max. */
kz_rc kz_store_notices_due(kz_db *db, kz_time now, size_t max, kz_arena *a, kz_notice **items,
                           size_t *n, kz_err *err);

/* Takes one attempt of a pending notice: attempts becomes `attempt` and the next try
 * is moved to `retry_at`, so that a crash during the attempt retries later instead of
 * losing the notice. KZ_ECONFLICT when another deliverer took it first. */
kz_rc kz_store_notice_claim(kz_db *db, const char *id, int64_t attempt, kz_time retry_at, kz_err *err);

/* Records the outcome: status, when it was sent (0 if not) and the error (may be NULL). */
kz_rc kz_store_notice_settle(kz_db *db, const char *id, int status, kz_time sent_at,
                             const char *error, kz_err *err);

/* Every notice about a request (or a check), oldest first. */
kz_rc kz_store_notices_about(kz_db *db, const char *request_id, const char *check_id, kz_arena *a,
                             kz_notice **items, size_t *n, kz_err *err);

#endif
