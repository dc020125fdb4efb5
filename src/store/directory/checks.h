/* Persistence of communication checks, their invitations and their schedules. */
#ifndef KZ_STORE_CHECKS_H
#define KZ_STORE_CHECKS_H

#include "store/directory/directory.h"

typedef KZ_PAGE_OF(kz_check) kz_check_page;
typedef KZ_PAGE_OF(kz_check_schedule) kz_schedule_page;

/* The result of answering an invitation. */
typedef struct kz_check_answer {
    char *check;
    char *contact;
    char *organization;
    kz_time sent, answered;
    bool late;
} kz_check_answer;

kz_rc kz_store_check_insert(kz_db *db, const kz_check *c, kz_err *err);

/* Invites one contact to the check: copies the contact's organization, state and role.
 * KZ_ENOTFOUND (field "contacts") when the contact does not exist. */
kz_rc kz_store_check_add_target(kz_db *db, const char *check_id, const char *contact_id,
                                const char *token_hash, kz_time sent, kz_err *err);

kz_rc kz_store_check_get(kz_db *db, const char *id, kz_arena *a, kz_check *out, kz_err *err);
kz_rc kz_store_check_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_check_page *out, kz_err *err);

/* Every invitation of a check, in the order they were sent, with the contact's current
 * name (NULL if the contact was deleted since). */
kz_rc kz_store_check_targets(kz_db *db, const char *check_id, kz_arena *a,
                             kz_check_target **items, size_t *n, kz_err *err);

/* Records an answer by one-time token (via "link") or by the contact's organization
 * (via "api"). KZ_ENOTFOUND for an unknown token or invitation; KZ_ECONFLICT when it
 * was answered already. Late when after the check's deadline. */
kz_rc kz_store_check_answer_token(kz_db *db, const char *token_hash, kz_time now, kz_arena *a,
                                  kz_check_answer *out, kz_err *err);
kz_rc kz_store_check_answer_contact(kz_db *db, const char *check_id, const char *contact_id,
                                    kz_time now, kz_arena *a, kz_check_answer *out, kz_err *err);

/* Records the answer of one invitation made through `via` at time now (for "peer", the
 * time the contact answered at its node); as kz_store_check_answer_contact otherwise. */
kz_rc kz_store_check_answer_via(kz_db *db, const char *check_id, const char *contact_id, const char *via,
                                kz_time now, kz_arena *a, kz_check_answer *out, kz_err *err);

/* Per-state figures over invitations of checks created at or after since (this node's
 * checks: the copies of a peer's checks are counted at their node). */
kz_rc kz_store_check_stats(kz_db *db, kz_time since, kz_arena *a, kz_check_stat **items,
                           size_t *n, kz_err *err);

kz_rc kz_store_schedule_insert(kz_db *db, const kz_check_schedule *s, kz_err *err);
kz_rc kz_store_schedule_get(kz_db *db, const char *id, kz_arena *a, kz_check_schedule *out, kz_err *err);
kz_rc kz_store_schedule_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_schedule_page *out, kz_err *err);
kz_rc kz_store_schedule_delete(kz_db *db, const char *id, kz_time when, kz_err *err);
/* Schedules whose next_run is at or before now (at most max). */
kz_rc kz_store_schedule_due(kz_db *db, kz_time now, size_t max, kz_arena *a,
                            kz_check_schedule **items, size_t *n, kz_err *err);
kz_rc kz_store_schedule_ran(kz_db *db, const char *id, kz_time ran, kz_time next_run, kz_err *err);

#endif
