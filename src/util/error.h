/* Result codes and the error slot every layer fills in.
 * One code travels up unchanged; the detail (field, reason, line) goes into a kz_err
 * so that the boundary (HTTP or CLI) can report it once. */
#ifndef KZ_UTIL_ERROR_H
#define KZ_UTIL_ERROR_H

#include <stddef.h>

typedef enum kz_rc {
    KZ_OK = 0,
    KZ_EINVAL,       /* bad input: kz_err names the field and the reason */
    KZ_ENOTFOUND,
    KZ_EUNAUTH,      /* missing or unknown credentials */
    KZ_EFORBIDDEN,   /* known caller, action not allowed for its role */
    KZ_ECONFLICT,    /* the object's state does not allow the change */
    KZ_ETOOBIG,      /* a body, line or file over its ceiling */
    KZ_EMETHOD,      /* HTTP method not allowed on the path */
    KZ_EMEDIA,       /* unsupported media type */
    KZ_ENOTACCEPT,   /* cannot produce an acceptable media type */
    KZ_ENOMEM,
    KZ_EIO,
    KZ_ESTORE,       /* the database failed */
    KZ_EVERSION,     /* a database or file from a newer version */
    KZ_ECORRUPT,     /* a file or chain that fails its checks */
    KZ_EINTERNAL,
    KZ_ETOOMANY,     /* too many attempts: wait (sign-in slow-down) */
    KZ_EBUSY,        /* the database is locked by a long writer (an import): retry soon */
    KZ_EPEER,        /* a peer node could not be reached or refused, or its answer failed its checks */
    KZ_EHEADERS,     /* a request's line and headers over the server's ceiling */
    KZ_RC_COUNT
} kz_rc;

typedef struct kz_err {
    kz_rc rc;
    char field[96];  /* JSON name of the offending field, "" if none */
    char msg[320];   /* human-readable reason, no secrets */
} kz_err;

/* Keeps err's field and message under another code (a refusal of a peer's message is
 * KZ_EUNAUTH whatever check failed); returns rc. */
kz_rc kz_err_recode(kz_err *err, kz_rc rc);

/* Fills err (if not NULL) and returns rc, so callers can write `return kz_fail(...)`.
 * field may be NULL. The message is printf-formatted and truncated to fit. */
kz_rc kz_fail(kz_err *err, kz_rc rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clears err to KZ_OK with empty field and message. */
void kz_err_clear(kz_err *err);

/* Short English description of a code ("not found"). Never NULL. */
const char *kz_strerror(kz_rc rc);

/* The stable machine code used in JSON errors ("invalid", "not_found", ...). */
const char *kz_rc_code(kz_rc rc);

/* The HTTP status that reports rc. */
int kz_rc_http_status(kz_rc rc);

#endif
