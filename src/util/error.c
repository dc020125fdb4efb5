/* Result codes: the one table that maps each code to its text, its JSON code and its
 * HTTP status, and the helper that fills an error slot. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *text;
    const char *code;
    int http;
} rc_table[KZ_RC_COUNT] = {
    [KZ_OK] = {"ok", "ok", 200},
    [KZ_EINVAL] = {"invalid input", "invalid", 400},
    [KZ_ENOTFOUND] = {"not found", "not_found", 404},
    [KZ_EUNAUTH] = {"authentication required", "unauthorized", 401},
    [KZ_EFORBIDDEN] = {"not allowed for this role", "forbidden", 403},
    [KZ_ECONFLICT] = {"conflicts with the current state", "conflict", 409},
    [KZ_ETOOBIG] = {"too large", "too_large", 413},
    [KZ_EMETHOD] = {"method not allowed", "method_not_allowed", 405},
    [KZ_EMEDIA] = {"unsupported media type", "unsupported_media_type", 415},
    [KZ_ENOTACCEPT] = {"not acceptable", "not_acceptable", 406},
    [KZ_ENOMEM] = {"out of memory", "out_of_memory", 503},
    [KZ_EIO] = {"input/output error", "io_error", 500},
    [KZ_ESTORE] = {"database error", "store_error", 500},
    [KZ_EVERSION] = {"unsupported version", "version", 409},
    [KZ_ECORRUPT] = {"corrupt or tampered data", "corrupt", 422},
    [KZ_EINTERNAL] = {"internal error", "internal", 500},
    [KZ_ETOOMANY] = {"too many attempts", "too_many_requests", 429},
    [KZ_EBUSY] = {"the database is busy, try again shortly", "busy", 503},
    [KZ_EPEER] = {"the peer node failed", "peer_failed", 502},
    [KZ_EHEADERS] = {"request headers too large", "headers_too_large", 431},
};

kz_rc kz_err_recode(kz_err *err, kz_rc rc)
{
    if (err)
        err->rc = rc;
    return rc;
}

kz_rc kz_fail(kz_err *err, kz_rc rc, const char *field, const char *fmt, ...)
{
    if (!err)
        return rc;
    err->rc = rc;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    } else {
        snprintf(err->msg, sizeof err->msg, "%s", kz_strerror(rc));
    }
    return rc;
}

void kz_err_clear(kz_err *err)
{
    if (!err)
        return;
    err->rc = KZ_OK;
    err->field[0] = '\0';
    err->msg[0] = '\0';
}

static int in_range(kz_rc rc) { return (unsigned)rc < (unsigned)KZ_RC_COUNT; }

const char *kz_strerror(kz_rc rc) { return in_range(rc) ? rc_table[rc].text : "unknown error"; }

const char *kz_rc_code(kz_rc rc) { return in_range(rc) ? rc_table[rc].code : "internal"; }

int kz_rc_http_status(kz_rc rc) { return in_range(rc) ? rc_table[rc].http : 500; }
