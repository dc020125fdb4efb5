/* Signing in to the web interface (svc_sessions.c): a session is a random token sent
 * as a cookie and stored only as its hash, with an idle and an absolute expiry (node
 * settings sessions.*); a signed-in user acts exactly as an API key of their
 * organization and role. Failed sign-ins slow down per account and per client address
 * and are audited. The second factor is TOTP (RFC 6238) with one-time recovery codes. */
#ifndef KZ_SERVICE_SESSIONS_H
#define KZ_SERVICE_SESSIONS_H

#include "crypto/totp.h"
#include "service/core/call.h"
#include "store/directory/users.h"

enum { KZ_RECOVERY_CODES = 10, KZ_RECOVERY_TEXT = 24 };

typedef struct kz_session {
    kz_user user;
    char token[KZ_TOKEN_TEXT];   /* the cookie value */
    char csrf[KZ_TOKEN_TEXT];    /* the X-CSRF-Token value, derived from the token */
    kz_time expires_at;          /* absolute expiry */
    kz_time idle_expires_at;     /* when it ends unless used before */
    int64_t idle_seconds;
} kz_session;

typedef struct kz_signin {
    const char *email, *password;
    const char *totp;            /* 6 digits, or a recovery code; NULL when not given */
    const char *address;         /* the client's IP address, for the slow-down */
} kz_signin;

/* Signs in. On success out holds the new session. KZ_EUNAUTH (the same for an unknown
 * address, a wrong password, a disabled account; field "totp" when the second factor
 * is missing or wrong) or KZ_ETOOMANY with *retry_after seconds while the account or
 * the address must wait after failures. */
kz_rc kz_svc_session_create(kz_call *c, const kz_signin *in, kz_session *out, int64_t *retry_after);

/* Resolves a cookie token into the session and makes c act as its user (c->who).
 * KZ_EUNAUTH for unknown, expired or disabled; changes nothing then. */
kz_rc kz_svc_session_resume(kz_call *c, const char *token, kz_session *out);

/* Signs out (the session of token). Audited. */
kz_rc kz_svc_session_end(kz_call *c, const kz_session *s);

/* The signed-in user changes their own language and/or time zone (NULL = unchanged). */
kz_rc kz_svc_session_update(kz_call *c, kz_session *s, const char *language, const char *time_zone);

/* The signed-in user changes their password: current must be right (a wrong one counts
 * as a failed sign-in of the account: KZ_EINVAL naming "current_password", or
 * KZ_ETOOMANY with *retry_after while it must wait); the new one follows the rules
 * (KZ_EINVAL naming "password"). Every other session of the user ends. Audited. */
kz_rc kz_svc_session_password(kz_call *c, const kz_session *s, const char *current, const char *password,
                              int64_t *retry_after);

/* Starts TOTP enrolment: a new secret (base32) and its otpauth:// URI (arena), kept
 * pending until confirmed. KZ_ECONFLICT when the second factor is on already. */
kz_rc kz_svc_totp_begin(kz_call *c, const kz_session *s, char secret[KZ_TOTP_SECRET_TEXT], char **uri);

/* Confirms enrolment with a code of the pending secret: the second factor is on from
 * now and codes receives 10 recovery codes (shown once, stored as hashes). */
kz_rc kz_svc_totp_confirm(kz_call *c, kz_session *s, const char *code, char codes[KZ_RECOVERY_CODES][KZ_RECOVERY_TEXT]);

/* Scheduler duty: deletes ended sessions, expired links and forgotten failure counters
 * (audited as one event when anything went). The number of rows, or -1 with c->err. */
long kz_svc_sessions_purge(kz_call *c);

/* The CSRF token of a session token (HMAC under the node's token key from its key
 * file, so it needs no storage and a copy of the database does not reveal it). */
void kz_session_csrf(const kz_node *node, const char *token, char out[KZ_TOKEN_TEXT]);

#endif
