/* An entry of the audit chain: who did what to which object, when, under which
 * request. Entries are hash-chained: hash = SHA-256(prev_hash, canonical fields). */
#ifndef KZ_MODEL_AUDIT_H
#define KZ_MODEL_AUDIT_H

#include "util/clock.h"

#include <stdbool.h>
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
    char sig[129];             /* hex ed25519 signature of kz_audit_signed_text; "" on
                                  entries written before the chain was signed */
} kz_audit_event;

/* What each entry's signature covers: "kizuna-audit-1:<seq>:<hash>" (the hash covers the
 * entry and, through prev_hash, every entry before it). Also what an exported head's
 * signature covers, so a third party can check a head with the public key alone. */
#define KZ_AUDIT_SIGNED_FMT "kizuna-audit-1:%lld:%s"

/* The head of the chain as a third party keeps it (kizuna audit head). */
typedef struct kz_audit_head {
    int64_t seq;               /* 0 for an empty chain */
    kz_time at;
    char hash[65];
    char sig[129];
    char public_key[65];       /* hex; the key the signature is checked with */
    char node[37];             /* the node organization's id */
} kz_audit_head;

/* The result of walking the chain. */
typedef struct kz_audit_report {
    int64_t entries;
    int64_t unsigned_before;   /* entries from before signing, covered by the first signed one */
    bool signatures;           /* signatures were checked against a key */
    bool head_checked;         /* an exported head was found in the chain */
    int64_t first_bad;         /* seq of the first entry that fails, 0 when intact */
    char reason[160];
} kz_audit_report;

#endif
