/* Requests between states: assistance (norm h), mitigation of activity from the
 * recipient's territory (norm c), expedited preservation (Budapest Convention Art. 29)
 * and information. The request struct, its field table, the per-kind templates (which
 * fields each kind takes, which are required, and help text for forms) and the state
 * machine as a transition table. Everything a client or the docs need comes from these
 * tables. */
#ifndef KZ_MODEL_REQUEST_H
#define KZ_MODEL_REQUEST_H

#include "model/field.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kz_request_kind {
    KZ_REQ_ASSISTANCE, KZ_REQ_MITIGATION, KZ_REQ_PRESERVATION, KZ_REQ_INFORMATION,
    KZ_REQ_KIND_COUNT
} kz_request_kind;
extern const kz_enum kz_request_kind_enum;

/* Ordered from most to least urgent. */
typedef enum kz_urgency { KZ_URG_CRITICAL, KZ_URG_HIGH, KZ_URG_NORMAL, KZ_URG_LOW, KZ_URG_COUNT } kz_urgency;
extern const kz_enum kz_urgency_enum;

typedef enum kz_request_status {
    KZ_RS_DRAFT, KZ_RS_SENT, KZ_RS_ACKNOWLEDGED, KZ_RS_IN_PROGRESS, KZ_RS_ANSWERED,
    KZ_RS_CLOSED, KZ_RS_DECLINED, KZ_RS_WITHDRAWN, KZ_RS_COUNT
} kz_request_status;
extern const kz_enum kz_request_status_enum;

typedef enum kz_request_move {
    KZ_MV_SEND, KZ_MV_ACKNOWLEDGE, KZ_MV_START, KZ_MV_ANSWER, KZ_MV_DECLINE, KZ_MV_WITHDRAW,
    KZ_MV_CLOSE, KZ_MV_COUNT
} kz_request_move;
extern const kz_enum kz_request_move_enum;

/* Which party of a request a caller is. */
typedef enum kz_request_side { KZ_SIDE_SENDER, KZ_SIDE_RECIPIENT, KZ_SIDE_NONE } kz_request_side;
extern const kz_enum kz_request_side_enum;

/* Vocabularies of kind-specific fields. Sectors and incident classes are the shared
 * taxonomies of model/taxonomy.h (NIS2, RSIT). */
extern const kz_enum kz_state_responsibility_enum; /* state-responsibility predicates */
extern const kz_enum kz_assistance_enum;           /* what an assistance request asks for */
extern const kz_enum kz_mitigation_action_enum;    /* what a mitigation request asks for */

/* A request. Strings and lists live in the owner's arena. The first block is the
 * content written by the sender (what the signed record snapshots); the second is the
 * workflow state the server keeps. */
typedef struct kz_request {
    char *id;
    kz_time created;
    int kind;                   /* kz_request_kind */
    char *from_organization;    /* the caller's organization */
    char *from_state;
    char *from_contact;
    char *to_organization;
    char *to_state;
    char *to_contact;
    int urgency;                /* kz_urgency */
    int tlp;                    /* kz_tlp */
    char *subject;
    char *description;
    char *norm;                 /* id from kz_norm_refs, default per kind */
    kz_strlist incidents;       /* linked incident ids */
    kz_strlist indicators;      /* linked indicator ids */
    /* assistance (norm h) */
    char *sector;
    char *incident_class;
    char *impact;
    kz_strlist assistance_requested;
    char *actions_taken;
    kz_time window_start, window_end;
    /* mitigation (norm c) */
    char *activity;
    kz_strlist sources;
    char *evidence;
    kz_strlist action_requested;
    char *responsibility;       /* the sender's assessment; shown to the recipient only if shared */
    bool share_responsibility;
    /* expedited preservation (Budapest Convention Art. 29(2) a-f, 29(7)) */
    char *authority;
    char *offence;
    char *facts;
    char *stored_data;
    char *data_relevance;
    char *custodian;
    char *necessity;
    bool mla_intent;
    int64_t preservation_days;
    /* information */
    char *questions;

    /* workflow state, set by the server */
    kz_time modified;
    int status;                 /* kz_request_status */
    kz_time sent_at, responded_at, acknowledged_at, answered_at, closed_at;
    kz_time ack_due, answer_due, preserve_until;
    int64_t escalation_level;
    char *escalation_role;      /* role of the contact notified last */
    int64_t entries;            /* entries in the signed record */
    char *head_hash;            /* hash of the last entry */
    char *exercise;             /* the table-top exercise it belongs to, NULL for real work */
    bool overdue;               /* computed when read */
} kz_request;

/* Whether r is past a deadline at now: sent and not acknowledged by ack_due, or not
 * answered by answer_due. The store's overdue filter says the same in SQL. */
bool kz_request_is_overdue(const kz_request *r, kz_time now);

enum { KZ_ATTACHMENTS_MAX = 8 };  /* attachments of one message or move */

/* An attachment of a request's message or move, kept with its SHA-256. */
typedef struct kz_attachment {
    char *id;
    char *name;
    char *media_type;
    int64_t size;
    char *sha256;               /* lowercase hex */
    int64_t entry;              /* seq of the record entry it came with */
    const unsigned char *data;  /* the content: input, or read for a download; NULL in lists */
} kz_attachment;

/* One entry of a request's signed record as stored: body is the canonical JSON text
 * (codec/requests/record.h) whose SHA-256 is hash and whose ed25519 signature by the node is
 * signature (hex). */
typedef struct kz_request_entry {
    int64_t seq;                /* 1, 2, ... within the request */
    kz_time at;
    char *actor_org;
    char *action;               /* "create", "edit", a move, "message", "escalate", ... */
    char *body;
    char *hash;
    char *signature;
} kz_request_entry;

/* Every field, in column order. */
extern const kz_schema kz_request_schema;
/* The content fields only: what a client may write and the record snapshots. */
extern const kz_schema kz_request_content_schema;

enum {
    KZ_PRESERVATION_MIN_DAYS = 60,   /* Budapest Convention Art. 29(7) */
    KZ_PRESERVATION_MAX_DAYS = 3650,
};

/* One field of a kind's form. */
struct kz_vocab;

typedef struct kz_template_field {
    const char *name;           /* a field of kz_request_schema */
    bool required;
    const kz_enum *values;      /* closed vocabulary of a string or list field, or NULL */
    const struct kz_vocab *vocab; /* or a taxonomy (model/taxonomy.h), or NULL */
    const char *help;
} kz_template_field;

typedef struct kz_request_template {
    int kind;
    const char *title;
    const char *basis;          /* the instrument the kind rests on */
    const char *default_norm;
    const char *help;
    const kz_template_field *fields;
    size_t n_fields;
} kz_request_template;

/* Fields every kind takes, then the kind-specific templates indexed by kind. */
extern const kz_request_template kz_request_common;
extern const kz_request_template kz_request_templates[KZ_REQ_KIND_COUNT];

/* The template field called name in t, or NULL. */
const kz_template_field *kz_template_find(const kz_request_template *t, const char *name);

/* Checks a request against its kind's template: a field of another kind must hold no
 * value, every required field of the kind must hold one, and the cross-field rules hold
 * (the time window's order, Art. 29's 60 days and the mutual-assistance intent, a
 * shared assessment that exists). Fills defaults (norm, preservation_days). KZ_EINVAL
 * naming the field. */
kz_rc kz_request_check_template(kz_request *r, kz_err *err);

/* Norms and legal bases a request may invoke (UN GGE 2015 norms a-k, Budapest
 * Convention articles, Second Additional Protocol Art. 10). */
typedef struct kz_norm_ref {
    const char *id;
    const char *title;
    const char *summary;
} kz_norm_ref;
const kz_norm_ref *kz_norm_refs(size_t *n);
kz_rc kz_valid_norm(const char *v, const char *field, kz_err *err);

/* The state machine: one row per allowed move. */
typedef struct kz_transition {
    int from;                   /* kz_request_status */
    int move;                   /* kz_request_move */
    int to;
    int side;                   /* who may make it: kz_request_side */
    bool needs_message;         /* a reason or answer must accompany the move */
} kz_transition;
extern const kz_transition kz_transitions[];
extern const size_t kz_transition_count;

/* The row for (from, move), or NULL when the move does not exist in that state. */
const kz_transition *kz_transition_find(int from, int move);

/* Moves `side` may make from status `from`, as a bit set over kz_request_move. */
unsigned kz_moves_allowed(int from, int side);

/* True for closed, declined and withdrawn. */
bool kz_request_status_final(int status);

#endif
