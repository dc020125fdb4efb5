/* The settings table and its storage in meta. */
#include "service/core/settings.h"

#include "model/enums.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VALUE_MAX = 256 };

static const kz_setting settings[] = {
    {"requests.acknowledge_hours.critical", KZ_SET_INT, "2", 1, 8760, "hours",
     "a critical request must be acknowledged within this time after it is sent"},
    {"requests.acknowledge_hours.high", KZ_SET_INT, "8", 1, 8760, "hours",
     "acknowledgement deadline of a high-urgency request"},
    {"requests.acknowledge_hours.normal", KZ_SET_INT, "24", 1, 8760, "hours",
     "acknowledgement deadline of a normal request"},
    {"requests.acknowledge_hours.low", KZ_SET_INT, "72", 1, 8760, "hours",
     "acknowledgement deadline of a low-urgency request"},
    {"requests.answer_hours.critical", KZ_SET_INT, "24", 1, 87600, "hours",
     "a critical request must be answered within this time after it is sent"},
    {"requests.answer_hours.high", KZ_SET_INT, "72", 1, 87600, "hours",
     "answer deadline of a high-urgency request"},
    {"requests.answer_hours.normal", KZ_SET_INT, "168", 1, 87600, "hours",
     "answer deadline of a normal request"},
    {"requests.answer_hours.low", KZ_SET_INT, "720", 1, 87600, "hours",
     "answer deadline of a low-urgency request"},
    {"requests.escalation_order", KZ_SET_ROLES, "technical,csirt,diplomatic", 0, 0, NULL,
     "when a request is not acknowledged in time, the recipient state's points of contact "
     "are notified in this order of roles, one more each acknowledgement period"},
    {"requests.preservation_escalation_order", KZ_SET_ROLES,
     "law-enforcement-24x7,technical,diplomatic", 0, 0, NULL,
     "the escalation order of expedited preservation requests (the 24/7 network first)"},
    {"requests.answer_warning_percent", KZ_SET_INT, "80", 1, 99, "percent",
     "the recipient is warned once this share of the answer period has passed"},
    {"requests.preservation_warning_days", KZ_SET_INT, "7", 1, 59, "days",
     "both sides are warned this long before a preservation period ends"},
    {"requests.attachment_max_bytes", KZ_SET_INT, "262144", 1, 8388608, "bytes",
     "largest attachment accepted on a request (the HTTP body limit applies too)"},
    {"mail.max_attempts", KZ_SET_INT, "8", 1, 100, NULL,
     "a notice that still fails after this many attempts is marked failed"},
    {"mail.retry_seconds", KZ_SET_INT, "60", 1, 86400, "seconds",
     "wait before the first retry of a failed notice; doubles on every attempt, up to six hours"},
    {"mail.max_age_hours", KZ_SET_INT, "72", 1, 8760, "hours",
     "a notice not delivered this long after it was written is marked expired instead of sent"},
    {"sessions.idle_minutes", KZ_SET_INT, "60", 1, 10080, "minutes",
     "a web interface session ends when it has not been used for this long"},
    {"sessions.absolute_hours", KZ_SET_INT, "12", 1, 720, "hours",
     "a web interface session ends this long after sign-in, used or not"},
};
enum { N_SETTINGS = sizeof settings / sizeof *settings };

const kz_setting *kz_settings_all(size_t *n)
{
    *n = N_SETTINGS;
    return settings;
}

const kz_setting *kz_setting_find(const char *name)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

static void meta_key(const kz_setting *s, char *out, size_t size)
{
    snprintf(out, size, "setting:%s", s->name);
}

kz_rc kz_setting_check(const kz_setting *s, const char *value, kz_err *err)
{
    if (s->type == KZ_SET_INT) {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || *end || end == value || v < s->min || v > s->max)
            return kz_fail(err, KZ_EINVAL, s->name, "%s must be an integer from %" PRId64 " to %" PRId64,
                           s->name, s->min, s->max);
        return KZ_OK;
    }
    /* KZ_SET_ROLES */
    unsigned seen = 0;
    const char *p = value;
    if (!*p)
        return kz_fail(err, KZ_EINVAL, s->name, "%s needs at least one contact role", s->name);
    while (*p) {
        size_t n = strcspn(p, ",");
        char role[32];
        if (n == 0 || n >= sizeof role)
            return kz_fail(err, KZ_EINVAL, s->name, "%s must be contact roles separated by commas", s->name);
        memcpy(role, p, n);
        role[n] = '\0';
        int r = kz_enum_parse(&kz_contact_role_enum, role);
        if (r < 0) {
            char list[128];
            kz_enum_list(&kz_contact_role_enum, list, sizeof list);
            return kz_fail(err, KZ_EINVAL, s->name, "'%s' is not a contact role (%s)", role, list);
        }
        if (seen & (1u << r))
            return kz_fail(err, KZ_EINVAL, s->name, "%s lists %s twice", s->name, role);
        seen |= 1u << r;
        p += n;
        if (*p == ',' && !*++p)
            return kz_fail(err, KZ_EINVAL, s->name, "%s ends with a comma", s->name);
    }
    return KZ_OK;
}

/* The stored value into buf, or the default. A stored value that no longer passes its
 * check (the limits changed) also gives the default. */
static const char *current(kz_call *c, const kz_setting *s, char buf[VALUE_MAX], bool *is_default)
{
    char key[128];
    size_t len = 0;
    kz_err e2;
    meta_key(s, key, sizeof key);
    *is_default = true;
    if (kz_store_meta_get(c->db, key, buf, VALUE_MAX - 1, &len, &e2) != KZ_OK)
        return s->def;
    buf[len] = '\0';
    if (kz_setting_check(s, buf, &e2) != KZ_OK)
        return s->def;
    *is_default = strcmp(buf, s->def) == 0;
    return buf;
}

int64_t kz_setting_int(kz_call *c, const char *name)
{
    const kz_setting *s = kz_setting_find(name);
    assert(s && s->type == KZ_SET_INT);
    char buf[VALUE_MAX];
    bool dflt;
    return strtoll(current(c, s, buf, &dflt), NULL, 10);
}

const char *kz_setting_text(kz_call *c, const char *name)
{
    const kz_setting *s = kz_setting_find(name);
    assert(s);
    char buf[VALUE_MAX];
    bool dflt;
    const char *v = kz_arena_strdup(c->arena, current(c, s, buf, &dflt));
    return v ? v : s->def;
}

kz_rc kz_svc_settings_list(kz_call *c, kz_setting_value **items, size_t *n)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc)
        return rc;
    *items = kz_arena_calloc(c->arena, N_SETTINGS, sizeof **items);
    if (!*items)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        char buf[VALUE_MAX];
        kz_setting_value *v = &(*items)[i];
        v->setting = &settings[i];
        v->value = kz_arena_strdup(c->arena, current(c, &settings[i], buf, &v->is_default));
        if (!v->value)
            return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    }
    *n = N_SETTINGS;
    return KZ_OK;
}

kz_rc kz_svc_settings_set(kz_call *c, const char *const *names, const char *const *values, size_t n)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    for (size_t i = 0; !rc && i < n; i++) {
        const kz_setting *s = kz_setting_find(names[i]);
        if (!s)
            rc = kz_fail(c->err, KZ_EINVAL, names[i], "unknown setting '%.80s'", names[i]);
        else if (values[i] && strlen(values[i]) >= VALUE_MAX)
            rc = kz_fail(c->err, KZ_EINVAL, names[i], "%s is too long", names[i]);
        else if (values[i])
            rc = kz_setting_check(s, values[i], c->err);
    }
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++) {
        char key[128];
        meta_key(kz_setting_find(names[i]), key, sizeof key);
        rc = values[i] ? kz_store_meta_put(c->db, key, values[i], strlen(values[i]), c->err)
                       : kz_store_meta_delete(c->db, key, c->err);
        if (!rc) {
            char *detail = kz_arena_printf(c->arena, "%s", values[i] ? values[i] : "(default)");
            rc = kz_audit(c, "setting.change", "setting", names[i], detail);
        }
    }
    return kz_tx_end(c, rc);
}
