/* Tables of public attribution statements: the row's field table (column order), the
 * statuses and moves, the confidence yardstick and the bases of a judgement, and the
 * texts an approval and a withdrawal notice sign. */
#include "model/statement.h"

#include "model/request.h"
#include "model/validate.h"
#include "util/arena.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#define F(st, nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(st, nm), fl, mx, en, ck}
#define RO KZ_FF_READONLY
#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_statement_status_enum, "statement status", "draft", "circulating", "approved", "scheduled",
        "published", "corrected", "withdrawn");
KZ_ENUM(kz_statement_move_enum, "statement move", "circulate", "approve", "schedule", "publish",
        "correct", "withdraw");
KZ_ENUM(kz_statement_basis_enum, "statement basis", "technical", "political", "legal");

static const kz_field statement_fields[] = {
    F(kz_statement, id, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_statement, created, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_statement, modified, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_statement, organization, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_statement, status, KZ_FT_ENUM, RO, 0, &kz_statement_status_enum, NULL),
    F(kz_statement, version, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_statement, content, KZ_FT_TEXT, RO, 0, NULL, NULL),
    F(kz_statement, content_hash, KZ_FT_STR, RO, 64, NULL, NULL),
    F(kz_statement, title, KZ_FT_STR, RO, 500, NULL, NULL),
    F(kz_statement, cosigners, KZ_FT_STRLIST, RO, KZ_STATEMENT_ISSUERS_MAX, NULL, NULL),
    F(kz_statement, publish_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_statement, supersedes, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_statement, superseded_by, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_statement, withdrawn_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_statement, withdraw_reason, KZ_FT_TEXT, RO, 0, NULL, NULL),
    F(kz_statement, withdraw_signature, KZ_FT_STR, RO, 128, NULL, NULL),
};
const kz_schema kz_statement_schema = {"statement", statement_fields,
                                       sizeof statement_fields / sizeof *statement_fields};

static const kz_field version_fields[] = {
    F(kz_statement_version, version, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_statement_version, content, KZ_FT_TEXT, RO, 0, NULL, NULL),
    F(kz_statement_version, content_hash, KZ_FT_STR, RO, 64, NULL, NULL),
    F(kz_statement_version, created, KZ_FT_TIME, RO, 0, NULL, NULL),
};
const kz_schema kz_statement_version_schema = {"statement version", version_fields,
                                               sizeof version_fields / sizeof *version_fields};

static const kz_field sig_fields[] = {
    F(kz_statement_sig, statement, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_statement_sig, organization, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_statement_sig, version, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_statement_sig, content_hash, KZ_FT_STR, RO, 64, NULL, NULL),
    F(kz_statement_sig, signed_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_statement_sig, actor, KZ_FT_STR, RO, 200, NULL, NULL),
    F(kz_statement_sig, signature, KZ_FT_STR, RO, 128, NULL, NULL),
};
const kz_schema kz_statement_sig_schema = {"statement signature", sig_fields, sizeof sig_fields / sizeof *sig_fields};

#define BIT(s) (1u << KZ_ST_##s)
#define TR(from, m, to, side, hint) {from, KZ_SM_##m, KZ_ST_##to, KZ_SIDE_##side, hint}

const kz_statement_transition kz_statement_transitions[] = {
    TR(BIT(DRAFT), CIRCULATE, CIRCULATING, DRAFTER, "only a draft is circulated"),
    TR(BIT(CIRCULATING), APPROVE, APPROVED, ISSUER, "only a circulating statement is approved: circulate it first"),
    TR(BIT(APPROVED), SCHEDULE, SCHEDULED, DRAFTER, "only a statement every issuer approved is scheduled"),
    TR(BIT(APPROVED) | BIT(SCHEDULED), PUBLISH, PUBLISHED, DRAFTER,
       "only an approved or scheduled statement is published"),
    TR(BIT(PUBLISHED), CORRECT, DRAFT, DRAFTER, "only a published statement is corrected"),
    TR(BIT(PUBLISHED), WITHDRAW, WITHDRAWN, DRAFTER, "only a published statement is withdrawn"),
};
const size_t kz_statement_n_transitions = sizeof kz_statement_transitions / sizeof *kz_statement_transitions;

static const kz_confidence_term yardstick[] = {
    {"remote chance", 0, 5},       {"highly unlikely", 10, 20}, {"unlikely", 25, 35},
    {"realistic possibility", 40, 50}, {"likely", 55, 75},      {"highly likely", 80, 90},
    {"almost certain", 95, 100},
};

const kz_confidence_term *kz_confidence_yardstick(size_t *n)
{
    *n = sizeof yardstick / sizeof *yardstick;
    return yardstick;
}

int kz_statement_shown(const kz_statement *s, kz_time now)
{
    if (s->status == KZ_ST_SCHEDULED && s->publish_at && s->publish_at <= now)
        return KZ_ST_PUBLISHED;
    return s->status;
}

kz_rc kz_valid_statement_norm(const char *v, const char *field, kz_err *err)
{
    kz_rc rc = kz_valid_norm(v, field, err);
    if (rc)
        return rc;
    if (strlen(v) != 1)
        return kz_fail(err, KZ_EINVAL, field, "'%.32s' is a legal basis, not one of the norms (a) to (k) of A/70/174", v);
    return KZ_OK;
}

char *kz_statement_sig_text(const kz_statement_sig *g, kz_arena *a)
{
    return kz_arena_printf(a, "kizuna-statement-1\n%s\n%" PRId64 "\n%s\n%s\n%s\n%" PRId64, g->statement,
                           g->version, g->content_hash, g->organization, g->actor ? g->actor : "",
                           (int64_t)g->signed_at);
}

char *kz_statement_withdraw_text(const char *id, const char *hash, kz_time at, const char *reason, kz_arena *a)
{
    return kz_arena_printf(a, "kizuna-statement-withdraw-1\n%s\n%s\n%" PRId64 "\n%s", id, hash, (int64_t)at,
                           reason);
}
