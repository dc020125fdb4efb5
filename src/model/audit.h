/* An entry of the audit chain: who did what to which object, when, under which
 * request. Entries are hash-chained: hash = SHA-256(prev_hash, canonical fields). */
#ifndef KZ_MODEL_AUDIT_H
#define KZ_MODEL_AUDIT_H

#include "util/clock.h"

#include <stdint.h>

typedef struct kz_audit_event {
    int64_t seq;               /* 1, 2, 3 ... assigned on append */
    kz_time at;
    const char *actor_key;     /* API key id, or "cli", "scheduler" */
    const char *actor_org;
    const char *action;        /* "contact.create", "check.answer", ... */
    const char *object_type;
    const char *object_id;
    const char *request_id;
    const char *detail;        /* short JSON or text without secrets; may be NULL */
    char prev_hash[65];
    char hash[65];
} kz_audit_event;

/* The result of walking the chain. */
typedef struct kz_audit_report {
    int64_t entries;
    int64_t first_bad;         /* seq of the first entry that fails, 0 when intact */
    char reason[160];
} kz_audit_report;

#endif
