/* The points-of-contact directory: organizations, their contacts, API keys and
 * communication checks. Plain structs; strings are owned by whoever owns the struct
 * (in practice a request arena). */
#ifndef KZ_MODEL_DIRECTORY_H
#define KZ_MODEL_DIRECTORY_H

#include "model/field.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct kz_org {
    char *id;
    kz_time created, modified;
    char *name;
    char *state;        /* ISO 3166-1 alpha-2 */
    int kind;           /* kz_org_kind */
    char *website;
    char *description;
    bool client;        /* a client of the node's organization: may receive AMBER objects
                           whose source allows it (see service/core/tlp.h) */
} kz_org;
extern const kz_schema kz_org_schema;

typedef struct kz_contact {
    char *id;
    kz_time created, modified;
    char *organization;  /* kz_org id */
    char *state;         /* the organization's state, read-only */
    char *full_name;
    char *position;
    int role;            /* kz_contact_role */
    char *email;
    char *phone;
    kz_strlist languages;
    char *hours;
    char *timezone;
    char *public_key;
    kz_time verified_at;
} kz_contact;
extern const kz_schema kz_contact_schema;

typedef struct kz_apikey {
    char *id;
    kz_time created, modified;
    char *organization;
    int role;            /* kz_key_role */
    char *label;
    char *prefix;        /* first characters of the key, to recognise it in lists */
    kz_time last_used;
    kz_time revoked;     /* 0 while valid */
} kz_apikey;
extern const kz_schema kz_apikey_schema;

/* A communication check: a set of contacts asked to answer before a deadline. */
typedef struct kz_check {
    char *id;
    kz_time created, modified;
    char *organization;  /* who started it */
    char *schedule;      /* kz_check_schedule id when started by the scheduler */
    kz_time deadline;
    int64_t deadline_hours;   /* input: hours until the deadline (default 72) */
    char *state;         /* the filter used, when contacts were chosen by filter */
    char *role;
    kz_strlist contacts; /* input: explicit contact ids */
    int64_t every_days;  /* input: repeat the check every n days (0 = once) */
    char *exercise;      /* the table-top exercise that sent it, NULL for real work */
} kz_check;
extern const kz_schema kz_check_schema;

/* One contact's invitation within a check. */
typedef struct kz_check_target {
    char *contact;
    char *full_name;
    char *organization;
    char *state;
    int role;
    kz_time sent;
    kz_time answered;        /* 0 while unanswered */
    bool late;
    char *via;               /* "link", "api", or "peer" (answered at the contact's node) */
    char *answer_url;        /* only when the invitation can be shown to the caller */
    char *peer, *peer_name;  /* the peer that hosts the contact (it mails the invitation), or NULL */
} kz_check_target;

/* A recurring check run by the server. */
typedef struct kz_check_schedule {
    char *id;
    kz_time created, modified;
    char *organization;
    char *state;
    char *role;
    kz_strlist contacts;
    int64_t every_days;
    int64_t deadline_hours;
    kz_time next_run;
    kz_time last_run;
} kz_check_schedule;
extern const kz_schema kz_check_schedule_schema;

/* Per-state answer figures of GET /stats/checks. */
typedef struct kz_check_stat {
    char *state;
    int64_t contacts;        /* invitations sent */
    int64_t answered;
    int64_t late;
    double answer_rate;      /* answered / contacts */
    double median_seconds;   /* -1 when nobody answered */
    double p90_seconds;
} kz_check_stat;

#endif
