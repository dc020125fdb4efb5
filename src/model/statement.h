/* Public attribution statements: the nouns. A statement's content (title, text per
 * language, judgement, annex...) is one canonical JSON object (codec/statements/statement.h) whose
 * SHA-256 co-signers sign; the row keeps the workflow the server runs around it. The
 * vocabularies (the confidence yardstick, the bases) and the moves are tables. */
#ifndef KZ_MODEL_STATEMENT_H
#define KZ_MODEL_STATEMENT_H

#include "model/field.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum kz_statement_status {
    KZ_ST_DRAFT, KZ_ST_CIRCULATING, KZ_ST_APPROVED, KZ_ST_SCHEDULED, KZ_ST_PUBLISHED,
    KZ_ST_CORRECTED, KZ_ST_WITHDRAWN,
} kz_statement_status;
extern const kz_enum kz_statement_status_enum;

typedef enum kz_statement_move {
    KZ_SM_CIRCULATE, KZ_SM_APPROVE, KZ_SM_SCHEDULE, KZ_SM_PUBLISH, KZ_SM_CORRECT, KZ_SM_WITHDRAW,
} kz_statement_move;
extern const kz_enum kz_statement_move_enum;

/* Who may make a move: the drafting organization, or any issuing one (drafter or
 * invited co-signer). */
typedef enum kz_statement_side { KZ_SIDE_DRAFTER, KZ_SIDE_ISSUER } kz_statement_side;

typedef struct kz_statement_transition {
    unsigned from;              /* bit set of kz_statement_status */
    kz_statement_move move;
    kz_statement_status to;     /* approve: to when every issuer has signed */
    kz_statement_side side;
    const char *hint;           /* why a move from another status is refused */
} kz_statement_transition;
extern const kz_statement_transition kz_statement_transitions[];
extern const size_t kz_statement_n_transitions;

/* The probability yardstick for the judgement's wording (the UK PHIA yardstick), with
 * the range each phrase stands for. */
typedef struct kz_confidence_term {
    const char *phrase;
    int low, high;              /* percent */
} kz_confidence_term;
const kz_confidence_term *kz_confidence_yardstick(size_t *n);

extern const kz_enum kz_statement_basis_enum;  /* technical, political, legal */

enum {
    KZ_STATEMENT_ISSUERS_MAX = 64,    /* co-signers invited */
    KZ_STATEMENT_ANNEX_MAX = 1000,    /* indicators in the technical annex */
    KZ_STATEMENT_TEXT_MAX = 100000,   /* code points of one language's text */
    KZ_STATEMENT_LANGS_MAX = 32,
    KZ_STATEMENT_EXPORT_MAX = 16 << 20, /* bytes of an export file */
};

typedef struct kz_statement {
    char *id;
    kz_time created, modified;
    char *organization;         /* the drafting organization */
    int status;                 /* kz_statement_status as stored (see kz_statement_shown) */
    int64_t version;            /* 1 on create, +1 on every change of the content */
    char *content;              /* canonical JSON text (codec/statements/statement.h) */
    char *content_hash;         /* SHA-256 hex of content */
    char *title;                /* content's title, for lists */
    kz_strlist cosigners;       /* invited organizations (also in content) */
    kz_time publish_at;         /* scheduled: the end of the embargo; published: when */
    char *supersedes;           /* the statement this one corrects */
    char *superseded_by;        /* the correction that replaced this one */
    kz_time withdrawn_at;
    char *withdraw_reason;
    char *withdraw_signature;   /* the node's ed25519 signature of the notice, hex */
} kz_statement;
extern const kz_schema kz_statement_schema;

/* One version of a statement's content, kept for ever. */
typedef struct kz_statement_version {
    int64_t version;
    char *content;              /* canonical text */
    char *content_hash;
    kz_time created;
} kz_statement_version;
extern const kz_schema kz_statement_version_schema;

/* One approval: an issuing organization signed one version's content hash. */
typedef struct kz_statement_sig {
    char *statement;
    char *organization;
    int64_t version;
    char *content_hash;
    kz_time signed_at;
    char *actor;                /* the approving user (or key) */
    char *signature;            /* ed25519 by the node key, hex */
} kz_statement_sig;
extern const kz_schema kz_statement_sig_schema;

/* The status a viewer is shown at time now: a scheduled statement whose time has come
 * is published. Pure. */
int kz_statement_shown(const kz_statement *s, kz_time now);

/* A norm a statement says was breached: one of the eleven letters of A/70/174 (a-k),
 * through the norm validator requests use. */
kz_rc kz_valid_statement_norm(const char *v, const char *field, kz_err *err);

/* The text a co-signer signs: "kizuna-statement-1\n<statement>\n<version>\n<hash>\n
 * <organization>\n<actor>\n<signed_at ms>", into out (arena). And the withdrawal notice:
 * "kizuna-statement-withdraw-1\n<statement>\n<hash>\n<at ms>\n<reason>". */
struct kz_arena;
char *kz_statement_sig_text(const kz_statement_sig *g, struct kz_arena *a);
char *kz_statement_withdraw_text(const char *id, const char *hash, kz_time at, const char *reason,
                                 struct kz_arena *a);

#endif
