/* The notice's field table; its order is the outbox table's column order. */
#include "model/notice.h"

#include <stddef.h>

static const char *const status_values[] = {"pending", "sent", "failed", "expired", "skipped"};
const kz_enum kz_notice_status_enum = {"notice status", status_values, 5};

#define F(nm, ty, fl, mx, en) {#nm, ty, offsetof(kz_notice, nm), KZ_FF_READONLY | (fl), mx, en, NULL}

static const kz_field notice_fields[] = {
    F(id, KZ_FT_STR, 0, 36, NULL),
    F(created, KZ_FT_TIME, 0, 0, NULL),
    F(kind, KZ_FT_STR, 0, 64, NULL),
    F(request, KZ_FT_STR, 0, 36, NULL),
    F(check, KZ_FT_STR, 0, 36, NULL),
    F(contact, KZ_FT_STR, 0, 36, NULL),
    F(address, KZ_FT_STR, 0, 254, NULL),
    F(language, KZ_FT_STR, 0, 8, NULL),
    F(subject, KZ_FT_STR, 0, 1000, NULL),
    F(body, KZ_FT_TEXT, KZ_FF_WRITEONLY, 0, NULL),
    F(status, KZ_FT_ENUM, 0, 0, &kz_notice_status_enum),
    F(attempts, KZ_FT_INT, 0, 0, NULL),
    F(next_attempt, KZ_FT_TIME, 0, 0, NULL),
    F(last_error, KZ_FT_STR, 0, 400, NULL),
    F(sent_at, KZ_FT_TIME, 0, 0, NULL),
};
const kz_schema kz_notice_schema = {"notice", notice_fields, sizeof notice_fields / sizeof *notice_fields};
