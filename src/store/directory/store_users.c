/* User accounts in SQLite: users, sessions, one-time links, recovery codes and failed
 * sign-in counters. Statements are static text with numbered parameters. */
#include "store/directory/users.h"

#include "model/enums.h"
#include "store/core/store_page.h"

#include <string.h>

#define USER_COLS "id, created, modified, email, name, organization, role, language, time_zone, " \
                  "totp_secret IS NOT NULL, disabled"
#define SECRET_COLS "password_hash, totp_secret, totp_pending, totp_last_step"

static int bind_int_or_null(sqlite3_stmt *s, int i, int64_t v)
{
    return v ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

kz_rc kz_store_user_insert(kz_db *db, const kz_user *u, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
                               "INSERT INTO users (id, created, modified, email, name, organization, role, language, "
                               "time_zone, disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, u->id);
    sqlite3_bind_int64(s, 2, u->created);
    sqlite3_bind_int64(s, 3, u->modified);
    kz__bind_text(s, 4, u->email);
    kz__bind_text(s, 5, u->name);
    kz__bind_text(s, 6, u->organization);
    kz__bind_text(s, 7, kz_enum_name(&kz_key_role_enum, u->role));
    kz__bind_text(s, 8, u->language);
    kz__bind_text(s, 9, u->time_zone);
    bind_int_or_null(s, 10, u->disabled);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc == KZ_ECONFLICT)
        rc = kz_fail(err, KZ_ECONFLICT, "email", "a user with this e-mail address exists already");
    return rc;
}

/* Reads USER_COLS from column first; the next column, or -1 on ENOMEM. */
static int read_user_at(sqlite3_stmt *s, int first, kz_user *u, kz_arena *a)
{
    int i = first;
    memset(u, 0, sizeof *u);
    u->id = kz__col_text(s, i++, a);
    u->created = sqlite3_column_int64(s, i++);
    u->modified = sqlite3_column_int64(s, i++);
    u->email = kz__col_text(s, i++, a);
    u->name = kz__col_text(s, i++, a);
    u->organization = kz__col_text(s, i++, a);
    const char *role = (const char *)sqlite3_column_text(s, i++);
    u->role = role ? kz_enum_parse(&kz_key_role_enum, role) : 0;
    u->language = kz__col_text(s, i++, a);
    u->time_zone = kz__col_text(s, i++, a);
    u->totp_enabled = sqlite3_column_int(s, i++) != 0;
    u->disabled = sqlite3_column_int64(s, i++);
    return u->id && u->email && u->name && u->organization && u->language && u->time_zone ? i : -1;
}

static int read_user(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return read_user_at(s, 1, item, a) < 0 ? -1 : 0;
}

typedef struct user_and_secrets {
    kz_user *u;
    kz_user_secrets *sec;
} user_and_secrets;

static int read_user_secrets(sqlite3_stmt *s, void *item, kz_arena *a)
{
    user_and_secrets *p = item;
    int i = read_user_at(s, 1, p->u, a);
    if (i < 0)
        return -1;
    if (!p->sec)
        return 0;
    p->sec->password_hash = kz__col_text(s, i, a);
    p->sec->totp_secret = kz__col_text(s, i + 1, a);
    p->sec->totp_pending = kz__col_text(s, i + 2, a);
    p->sec->totp_last_step = sqlite3_column_int64(s, i + 3);
    return 0;
}

static kz_rc get_user(kz_db *db, const char *sql, const char *arg, kz_arena *a, kz_user *out,
                      kz_user_secrets *secrets, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, arg);
    user_and_secrets p = {out, secrets};
    return kz__get_row(db, s, read_user_secrets, &p, a, "user", "", err);
}

kz_rc kz_store_user_get(kz_db *db, const char *id, kz_arena *a, kz_user *out, kz_user_secrets *secrets,
                        kz_err *err)
{
    return get_user(db, "SELECT n, " USER_COLS ", " SECRET_COLS " FROM users WHERE id = ?1", id, a, out,
                    secrets, err);
}

kz_rc kz_store_user_by_email(kz_db *db, const char *email, kz_arena *a, kz_user *out,
                             kz_user_secrets *secrets, kz_err *err)
{
    return get_user(db, "SELECT n, " USER_COLS ", " SECRET_COLS " FROM users WHERE email = ?1", email, a,
                    out, secrets, err);
}

/* Runs s and reports KZ_ENOTFOUND naming "user" when it changed no row. */
static kz_rc exec_one(kz_db *db, sqlite3_stmt *s, kz_err *err)
{
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "user", "no such user");
    return rc;
}

kz_rc kz_store_user_update(kz_db *db, const kz_user *u, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
                               "UPDATE users SET name = ?2, organization = ?3, role = ?4, language = ?5, "
                               "time_zone = ?6, disabled = ?7, modified = ?8 WHERE id = ?1",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, u->id);
    kz__bind_text(s, 2, u->name);
    kz__bind_text(s, 3, u->organization);
    kz__bind_text(s, 4, kz_enum_name(&kz_key_role_enum, u->role));
    kz__bind_text(s, 5, u->language);
    kz__bind_text(s, 6, u->time_zone);
    bind_int_or_null(s, 7, u->disabled);
    sqlite3_bind_int64(s, 8, u->modified);
    return exec_one(db, s, err);
}

/* A statement with one text parameter that must change a row of users. */
static kz_rc exec_on_id(kz_db *db, const char *sql, const char *id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    return exec_one(db, s, err);
}

kz_rc kz_store_user_delete(kz_db *db, const char *id, kz_err *err)
{
    return exec_on_id(db, "DELETE FROM users WHERE id = ?1", id, err);
}

static const char *const user_frags[] = {"organization = ?3"};
static const char user_list_key;

static const char *user_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, " USER_COLS " FROM users WHERE n > ?1", user_frags, mask,
                       "ORDER BY n LIMIT ?2");
}

kz_rc kz_store_user_list(kz_db *db, const char *organization, const kz_page *pg, kz_arena *a,
                         kz_user_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt_variant(db, &user_list_key, organization ? 1u : 0u, user_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 3, organization);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_user), read_user, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

kz_rc kz_store_user_set_password(kz_db *db, const char *id, const char *hash, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE users SET password_hash = ?2, modified = ?3 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    kz__bind_text(s, 2, hash);
    sqlite3_bind_int64(s, 3, now);
    return exec_one(db, s, err);
}

kz_rc kz_store_user_set_totp(kz_db *db, const char *id, const char *secret, const char *pending, kz_time now,
                             kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
                               "UPDATE users SET totp_secret = ?2, totp_pending = ?3, modified = ?4 WHERE id = ?1",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    kz__bind_text(s, 2, secret);
    kz__bind_text(s, 3, pending);
    sqlite3_bind_int64(s, 4, now);
    return exec_one(db, s, err);
}

kz_rc kz_store_user_totp_used(kz_db *db, const char *id, int64_t step, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    sqlite3_bind_int64(s, 2, step);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ECONFLICT, "totp", "this code was used already; wait for the next one");
    return rc;
}

kz_rc kz_store_recovery_replace(kz_db *db, const char *user_id, const char *const *hashes, size_t n,
                                kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM user_recovery_codes WHERE user_id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, user_id);
    kz_rc rc = kz__exec_stmt(db, s, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!(s = kz__stmt(db, "INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?1, ?2)", err)))
            return KZ_ESTORE;
        kz__bind_text(s, 1, user_id);
        kz__bind_text(s, 2, hashes[i]);
        rc = kz__exec_stmt(db, s, err);
    }
    return rc;
}

kz_rc kz_store_recovery_use(kz_db *db, const char *user_id, const char *hash, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM user_recovery_codes WHERE user_id = ?1 AND code_hash = ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, user_id);
    kz__bind_text(s, 2, hash);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "totp", "not a recovery code of this account");
    return rc;
}

kz_rc kz_store_link_insert(kz_db *db, const char *hash, const char *user_id, kz_time expires, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM user_links WHERE user_id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, user_id);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc || !(s = kz__stmt(db, "INSERT INTO user_links (token_hash, user_id, expires) VALUES (?1, ?2, ?3)", err)))
        return rc ? rc : KZ_ESTORE;
    kz__bind_text(s, 1, hash);
    kz__bind_text(s, 2, user_id);
    sqlite3_bind_int64(s, 3, expires);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_link_take(kz_db *db, const char *hash, kz_time now, kz_arena *a, char **user_id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM user_links WHERE token_hash = ?1 RETURNING user_id, expires", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, hash);
    int rc = sqlite3_step(s);
    kz_rc r = KZ_OK;
    *user_id = NULL;
    if (rc == SQLITE_ROW && sqlite3_column_int64(s, 1) > now)
        r = (*user_id = kz__col_text(s, 0, a)) ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        r = kz_fail(err, KZ_ENOTFOUND, "token", "this link is unknown, used or expired; ask an administrator for a new one");
    else
        r = kz__sqlerr(db, rc, err);
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    kz__done(s);
    return r;
}

kz_rc kz_store_session_insert(kz_db *db, const char *hash, const char *user_id, kz_time now, kz_time expires,
                              kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
                               "INSERT INTO user_sessions (token_hash, user_id, created, last_seen, expires) "
                               "VALUES (?1, ?2, ?3, ?3, ?4)",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, hash);
    kz__bind_text(s, 2, user_id);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, expires);
    return kz__exec_stmt(db, s, err);
}

typedef struct session_and_user {
    kz_session_row *row;
    kz_user *u;
} session_and_user;

static int read_session(sqlite3_stmt *s, void *item, kz_arena *a)
{
    session_and_user *p = item;
    int i = read_user_at(s, 1, p->u, a);
    if (i < 0)
        return -1;
    p->row->created = sqlite3_column_int64(s, i);
    p->row->last_seen = sqlite3_column_int64(s, i + 1);
    p->row->expires = sqlite3_column_int64(s, i + 2);
    return 0;
}

kz_rc kz_store_session_get(kz_db *db, const char *hash, kz_arena *a, kz_session_row *row, kz_user *user,
                           kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
                               "SELECT u.n, u.id, u.created, u.modified, u.email, u.name, u.organization, u.role, "
                               "u.language, u.time_zone, u.totp_secret IS NOT NULL, u.disabled, "
                               "s.created, s.last_seen, s.expires "
                               "FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, hash);
    session_and_user p = {row, user};
    return kz__get_row(db, s, read_session, &p, a, "session", "", err);
}

kz_rc kz_store_session_touch(kz_db *db, const char *hash, kz_time now, bool wait, kz_err *err)
{
    if (!wait)
        kz__busy_wait(db, false);
    sqlite3_stmt *s = kz__stmt(db, "UPDATE user_sessions SET last_seen = ?2 WHERE token_hash = ?1", err);
    kz_rc rc = KZ_ESTORE;
    if (s) {
        kz__bind_text(s, 1, hash);
        sqlite3_bind_int64(s, 2, now);
        rc = kz__exec_stmt(db, s, err);
    }
    if (!wait)
        kz__busy_wait(db, true);
    return rc;
}

static kz_rc exec_text(kz_db *db, const char *sql, const char *arg, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, arg);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_session_delete(kz_db *db, const char *hash, kz_err *err)
{
    return exec_text(db, "DELETE FROM user_sessions WHERE token_hash = ?1", hash, err);
}

kz_rc kz_store_sessions_end_user(kz_db *db, const char *user_id, const char *keep_hash, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM user_sessions WHERE user_id = ?1 AND token_hash IS NOT ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, user_id);
    kz__bind_text(s, 2, keep_hash);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_failures_get(kz_db *db, const char *subject, int64_t *failures, kz_time *last, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT failures, last_failure FROM signin_failures WHERE subject = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, subject);
    int rc = sqlite3_step(s);
    *failures = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    *last = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_failures_add(kz_db *db, const char *subject, kz_time now, int64_t restart_before, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
                               "INSERT INTO signin_failures (subject, failures, last_failure) VALUES (?1, 1, ?2) "
                               "ON CONFLICT (subject) DO UPDATE SET last_failure = ?2, failures = "
                               "CASE WHEN last_failure < ?3 THEN 1 ELSE failures + 1 END",
                               err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, subject);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, restart_before);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_failures_clear(kz_db *db, const char *subject, kz_err *err)
{
    return exec_text(db, "DELETE FROM signin_failures WHERE subject = ?1", subject, err);
}

kz_rc kz_store_users_purge(kz_db *db, kz_time now, kz_time idle_before, kz_time failures_before, int64_t *n,
                           kz_err *err)
{
    const struct {
        const char *sql;
        kz_time a, b;
    } purges[] = {
        {"DELETE FROM user_sessions WHERE expires <= ?1 OR last_seen < ?2", now, idle_before},
        {"DELETE FROM user_links WHERE expires <= ?1", now, 0},
        {"DELETE FROM signin_failures WHERE last_failure < ?1", failures_before, 0},
    };
    *n = 0;
    for (size_t i = 0; i < sizeof purges / sizeof *purges; i++) {
        sqlite3_stmt *s = kz__stmt(db, purges[i].sql, err);
        if (!s)
            return KZ_ESTORE;
        sqlite3_bind_int64(s, 1, purges[i].a);
        if (sqlite3_bind_parameter_count(s) > 1)
            sqlite3_bind_int64(s, 2, purges[i].b);
        kz_rc rc = kz__exec_stmt(db, s, err);
        if (rc)
            return rc;
        *n += sqlite3_changes(db->h);
    }
    return KZ_OK;
}
