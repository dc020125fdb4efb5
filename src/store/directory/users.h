/* User accounts in SQLite (store_users.c): users, their sessions, one-time links to
 * set a password, TOTP recovery codes and the failed-sign-in counters. Tokens and codes
 * arrive here already hashed; passwords as Argon2id strings. */
#ifndef KZ_STORE_USERS_H
#define KZ_STORE_USERS_H

#include "model/page.h"
#include "store/core/store.h"
#include "util/arena.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct kz_user {
    const char *id;
    kz_time created, modified;
    const char *email;
    const char *name;
    const char *organization;
    int role;                 /* kz_key_role */
    const char *language;     /* "en" or "ja" */
    const char *time_zone;    /* IANA name */
    bool totp_enabled;
    kz_time disabled;         /* 0 = active */
} kz_user;

/* What sign-in needs besides the user; arena strings, NULL when not set. */
typedef struct kz_user_secrets {
    const char *password_hash;
    const char *totp_secret;   /* sealed (hex), when the second factor is on */
    const char *totp_pending;  /* sealed (hex), during enrolment */
    int64_t totp_last_step;    /* the last step whose code was accepted (no replay) */
} kz_user_secrets;

typedef KZ_PAGE_OF(kz_user) kz_user_page;

/* KZ_ECONFLICT naming "email" when the address (case-insensitively) is taken. */
kz_rc kz_store_user_insert(kz_db *db, const kz_user *u, kz_err *err);
/* secrets may be NULL. KZ_ENOTFOUND naming "user". */
kz_rc kz_store_user_get(kz_db *db, const char *id, kz_arena *a, kz_user *out, kz_user_secrets *secrets,
                        kz_err *err);
kz_rc kz_store_user_by_email(kz_db *db, const char *email, kz_arena *a, kz_user *out,
                             kz_user_secrets *secrets, kz_err *err);
/* Writes name, organization, role, language, time_zone, disabled and modified. */
kz_rc kz_store_user_update(kz_db *db, const kz_user *u, kz_err *err);
kz_rc kz_store_user_delete(kz_db *db, const char *id, kz_err *err);
kz_rc kz_store_user_list(kz_db *db, const char *organization, const kz_page *pg, kz_arena *a,
                         kz_user_page *out, kz_err *err);

/* hash NULL clears the password (the account cannot sign in until a link is used). */
kz_rc kz_store_user_set_password(kz_db *db, const char *id, const char *hash, kz_time now, kz_err *err);
/* Sets the TOTP columns: secret (NULL = off), pending (NULL = none). */
kz_rc kz_store_user_set_totp(kz_db *db, const char *id, const char *secret, const char *pending, kz_time now,
                             kz_err *err);
/* Records the step of an accepted code; KZ_ECONFLICT when that step (or a later one)
 * was already used. */
kz_rc kz_store_user_totp_used(kz_db *db, const char *id, int64_t step, kz_err *err);

/* Recovery codes: replace all of a user's codes (n may be 0), and use one (deleted;
 * KZ_ENOTFOUND when it is not one of the user's). */
kz_rc kz_store_recovery_replace(kz_db *db, const char *user_id, const char *const *hashes, size_t n,
                                kz_err *err);
kz_rc kz_store_recovery_use(kz_db *db, const char *user_id, const char *hash, kz_err *err);

/* One-time links to set a password: a user has at most one (insert replaces). take
 * deletes the link and returns its user id (arena) when it exists and is not expired,
 * else KZ_ENOTFOUND. */
kz_rc kz_store_link_insert(kz_db *db, const char *hash, const char *user_id, kz_time expires, kz_err *err);
kz_rc kz_store_link_take(kz_db *db, const char *hash, kz_time now, kz_arena *a, char **user_id, kz_err *err);

/* Sessions. get returns the session's times and its user (KZ_ENOTFOUND when unknown). */
typedef struct kz_session_row {
    kz_time created, last_seen, expires;
} kz_session_row;
kz_rc kz_store_session_insert(kz_db *db, const char *hash, const char *user_id, kz_time now, kz_time expires,
                              kz_err *err);
kz_rc kz_store_session_get(kz_db *db, const char *hash, kz_arena *a, kz_session_row *row, kz_user *user,
                           kz_err *err);
/* Moves the session's last use to now. With wait false, best effort on the read path:
 * KZ_EBUSY at once when a writer holds the lock; with wait true, waits for it as every
 * writer does. */
kz_rc kz_store_session_touch(kz_db *db, const char *hash, kz_time now, bool wait, kz_err *err);
kz_rc kz_store_session_delete(kz_db *db, const char *hash, kz_err *err);
/* Ends every session of the user but the one of keep_hash (NULL: all). */
kz_rc kz_store_sessions_end_user(kz_db *db, const char *user_id, const char *keep_hash, kz_err *err);

/* Deletes sessions ended by now (absolute end, or unused since before idle_before),
 * expired links and failure counters last touched before failures_before; *n is the
 * number of rows deleted. */
kz_rc kz_store_users_purge(kz_db *db, kz_time now, kz_time idle_before, kz_time failures_before, int64_t *n,
                           kz_err *err);

/* Failed sign-ins per subject ("account:..." or "address:..."). get gives 0 failures
 * for an unknown subject. */
kz_rc kz_store_failures_get(kz_db *db, const char *subject, int64_t *failures, kz_time *last, kz_err *err);
kz_rc kz_store_failures_add(kz_db *db, const char *subject, kz_time now, int64_t restart_before, kz_err *err);
kz_rc kz_store_failures_clear(kz_db *db, const char *subject, kz_err *err);

#endif
