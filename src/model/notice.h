/* A mail notice in the persistent outbox: what it is about (a request or a
 * communication check), to whom, in which language, and how its delivery is going. */
#ifndef KZ_MODEL_NOTICE_H
#define KZ_MODEL_NOTICE_H

#include "model/field.h"
#include "util/clock.h"

#include <stdint.h>

typedef enum kz_notice_status {
    KZ_NS_PENDING,   /* waiting for its first or next attempt */
    KZ_NS_SENT,      /* accepted by the SMTP server */
    KZ_NS_FAILED,    /* refused for good, or out of attempts */
    KZ_NS_EXPIRED,   /* not delivered in time (mail.max_age_hours): too old to be useful */
    KZ_NS_SKIPPED,   /* nobody to send it to: no contact, or no e-mail address */
} kz_notice_status;
extern const kz_enum kz_notice_status_enum;

typedef struct kz_notice {
    char *id;
    kz_time created;
    char *kind;          /* "request.new", "check.invitation", ... */
    char *request;       /* the request it is about, or NULL */
    char *check;         /* the check it is about, or NULL */
    char *contact;       /* the contact it goes to, or NULL (skipped) */
    char *address;
    char *language;      /* "en", "ja" */
    char *subject;
    char *body;          /* may hold {answer_link}, filled in at delivery (never stored) */
    int status;          /* kz_notice_status */
    int64_t attempts;
    kz_time next_attempt;
    char *last_error;
    kz_time sent_at;
} kz_notice;
extern const kz_schema kz_notice_schema;

#endif
