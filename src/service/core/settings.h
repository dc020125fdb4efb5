/* Node settings: one table of every tunable the node keeps in its database (name, type,
 * default, limits, help), read with a default when never set, changed by admins through
 * GET/PATCH /api/v1/settings. Values live in the meta table as "setting:<name>".
 * Process options (listen address, SMTP server) are not settings: they come from the
 * command line or KIZUNA_* variables. */
#ifndef KZ_SERVICE_SETTINGS_H
#define KZ_SERVICE_SETTINGS_H

#include "service/core/call.h"

#include <stdint.h>

typedef enum kz_setting_type {
    KZ_SET_INT,     /* integer in [min, max] */
    KZ_SET_ROLES,   /* comma-separated contact roles, each once, at least one */
} kz_setting_type;

typedef struct kz_setting {
    const char *name;         /* "requests.acknowledge_hours.critical" */
    kz_setting_type type;
    const char *def;          /* default, as text */
    int64_t min, max;         /* KZ_SET_INT */
    const char *unit;         /* "hours", "percent", ... or NULL */
    const char *help;
} kz_setting;

/* Every setting, in documentation order. */
const kz_setting *kz_settings_all(size_t *n);

/* The setting called name, or NULL. */
const kz_setting *kz_setting_find(const char *name);

/* Current value of an integer setting: the stored one, else the default (also when the
 * store cannot be read, so a duty never stops on a missing setting). name must be in
 * the table (an assert). */
int64_t kz_setting_int(kz_call *c, const char *name);

/* Current text of a setting, in c's arena (never NULL). */
const char *kz_setting_text(kz_call *c, const char *name);

/* KZ_OK when value is valid for s; KZ_EINVAL naming the setting otherwise. */
kz_rc kz_setting_check(const kz_setting *s, const char *value, kz_err *err);

typedef struct kz_setting_value {
    const kz_setting *setting;
    const char *value;        /* arena */
    bool is_default;
} kz_setting_value;

/* Every setting with its current value. Any member. items has kz_settings_all's count. */
kz_rc kz_svc_settings_list(kz_call *c, kz_setting_value **items, size_t *n);

/* Sets n settings at once (all or none), audited; value NULL restores the default.
 * Admins only. KZ_EINVAL naming the first unknown or invalid one. */
kz_rc kz_svc_settings_set(kz_call *c, const char *const *names, const char *const *values, size_t n);

#endif
