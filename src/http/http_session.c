/* /api/v1/session: signing in and out of the web interface, who is signed in, one's own
 * language and time zone, the TOTP second factor; /api/v1/password sets a password from
 * a one-time link. The session token travels only in the HttpOnly cookie. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "service/directory/users.h"

#include <stdio.h>
#include <string.h>

static const char cookie_name[] = "kz_session";

static bool over_tls(kz_req *r)
{
    return strncmp(kz_server_node(r->srv)->public_url, "https://", 8) == 0;
}

static kz_rc set_cookie(kz_req *r, const char *value, int64_t max_age_s)
{
    char *c = kz_arena_printf(&r->arena, "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s", cookie_name,
                              value, (long long)max_age_s, over_tls(r) ? "; Secure" : "");
    return c ? kz_reply_header(r, "Set-Cookie", c) : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

static json_t *session_json(const kz_session *s)
{
    json_t *o = json_pack("{s:o, s:s}", "user", kz_user_json(&s->user), "csrf", s->csrf);
    if (o && (kz_json_set_time(o, "expires_at", s->expires_at) ||
              kz_json_set_time(o, "idle_expires_at", s->idle_expires_at) ||
              json_object_set_new(o, "idle_timeout_seconds", json_integer(s->idle_seconds)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static kz_rc need_session(kz_req *r)
{
    if (r->session)
        return KZ_OK;
    return kz_fail(&r->err, KZ_EUNAUTH, NULL, "not signed in (this needs the web interface's session)");
}

kz_rc kz_h_session_create(kz_req *r)
{
    kz_signin in = {0};
    const kz_body_field fields[] = {
        {"email", &in.email, true}, {"password", &in.password, true}, {"totp", &in.totp, false},
    };
    kz_rc rc = kz_req_body_strings(r, fields, sizeof fields / sizeof *fields);
    if (rc)
        return rc;
    in.address = kz_req_client_address(r);
    kz_session *s = kz_arena_calloc(&r->arena, 1, sizeof *s);
    int64_t retry = 0;
    rc = s ? kz_svc_session_create(&r->call, &in, s, &retry) : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (rc == KZ_ETOOMANY)
        kz_reply_header(r, "Retry-After", kz_arena_printf(&r->arena, "%lld", (long long)retry));
    if (rc)
        return rc;
    r->session = s;
    if ((rc = set_cookie(r, s->token, (s->expires_at - kz_now_ms()) / 1000)))
        return rc;
    return kz_reply(r, 200, session_json(s));
}

kz_rc kz_h_session_get(kz_req *r)
{
    kz_rc rc = need_session(r);
    return rc ? rc : kz_reply(r, 200, session_json(r->session));
}

kz_rc kz_h_session_update(kz_req *r)
{
    const char *language = NULL, *time_zone = NULL;
    const kz_body_field fields[] = {{"language", &language, false}, {"time_zone", &time_zone, false}};
    kz_rc rc = need_session(r);
    if (!rc)
        rc = kz_req_body_strings(r, fields, sizeof fields / sizeof *fields);
    if (!rc)
        rc = kz_svc_session_update(&r->call, r->session, language, time_zone);
    return rc ? rc : kz_reply(r, 200, session_json(r->session));
}

kz_rc kz_h_session_delete(kz_req *r)
{
    kz_rc rc = need_session(r);
    if (!rc)
        rc = kz_svc_session_end(&r->call, r->session);
    if (!rc)
        rc = set_cookie(r, "", 0);
    return rc ? rc : kz_reply(r, 204, json_null());
}

kz_rc kz_h_session_password(kz_req *r)
{
    const char *current = NULL, *password = NULL;
    const kz_body_field fields[] = {{"current_password", &current, true, NULL}, {"password", &password, true, NULL}};
    int64_t retry = 0;
    kz_rc rc = need_session(r);
    if (!rc)
        rc = kz_req_body_strings(r, fields, sizeof fields / sizeof *fields);
    if (!rc)
        rc = kz_svc_session_password(&r->call, r->session, current, password, &retry);
    if (rc == KZ_ETOOMANY)
        kz_reply_header(r, "Retry-After", kz_arena_printf(&r->arena, "%lld", (long long)retry));
    return rc ? rc : kz_reply(r, 204, json_null());
}

kz_rc kz_h_totp_begin(kz_req *r)
{
    char secret[KZ_TOTP_SECRET_TEXT], *uri = NULL;
    kz_rc rc = need_session(r);
    if (!rc)
        rc = kz_svc_totp_begin(&r->call, r->session, secret, &uri);
    if (rc)
        return rc;
    json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:s}", "secret", secret, "otpauth_uri", uri, "digits",
                          KZ_TOTP_DIGITS, "period", KZ_TOTP_STEP_S, "algorithm", "SHA1");
    kz_wipe(secret, sizeof secret);
    return kz_reply(r, 200, o);
}

kz_rc kz_h_totp_confirm(kz_req *r)
{
    const char *code = NULL;
    const kz_body_field fields[] = {{"code", &code, true}};
    char codes[KZ_RECOVERY_CODES][KZ_RECOVERY_TEXT];
    kz_rc rc = need_session(r);
    if (!rc)
        rc = kz_req_body_strings(r, fields, 1);
    if (!rc)
        rc = kz_svc_totp_confirm(&r->call, r->session, code, codes);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (int i = 0; list && i < KZ_RECOVERY_CODES; i++)
        json_array_append_new(list, json_string(codes[i]));
    kz_wipe(codes, sizeof codes);
    return kz_reply(r, 200, json_pack("{s:o, s:o*}", "user", kz_user_json(&r->session->user), "recovery_codes", list));
}

kz_rc kz_h_password_set(kz_req *r)
{
    const char *token = NULL, *password = NULL;
    const kz_body_field fields[] = {{"token", &token, true}, {"password", &password, true}};
    kz_user u;
    kz_rc rc = kz_req_body_strings(r, fields, sizeof fields / sizeof *fields);
    if (!rc)
        rc = kz_svc_password_set(&r->call, token, password, &u);
    return rc ? rc : kz_reply(r, 200, json_pack("{s:s}", "email", u.email));
}
