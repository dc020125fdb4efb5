/* The SQL side of TLP: kz_visible(viewer, tlp, source, recipients, allow_clients[, exercise]), a
 * deterministic-per-statement function that hands the row to the policy function the
 * service layer installed (kz_store_set_visibility). The decision is never made here. */
#include "store/core/store_internal.h"

#include "model/enums.h"

#include <stdatomic.h>
#include <string.h>

static const char viewer_type[] = "kz_viewer";
static _Atomic(kz_store_visible_fn) policy;

enum { MAX_RECIPIENTS = 256, RECIPIENT_TEXT = 16 * 1024 };

void kz_store_set_visibility(kz_store_visible_fn fn) { atomic_store(&policy, fn); }

int kz__bind_viewer(sqlite3_stmt *s, int i, const kz_viewer *v)
{
    return sqlite3_bind_pointer(s, i, (void *)v, viewer_type, NULL);
}

static int tlp_of(sqlite3_value *v)
{
    const char *t = (const char *)sqlite3_value_text(v);
    return t ? kz_enum_parse(&kz_tlp_enum, t) : -1;
}

static void sql_visible(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    kz_store_visible_fn fn = atomic_load(&policy);
    const kz_viewer *v = sqlite3_value_pointer(argv[0], viewer_type);
    if (!fn || !v) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    kz_tlp_subject o = {
        .tlp = tlp_of(argv[1]),
        .source_org = (const char *)sqlite3_value_text(argv[2]),
        .allow_clients = sqlite3_value_int(argv[4]) != 0,
        .exercise = argc > 5 ? (const char *)sqlite3_value_text(argv[5]) : NULL,
    };
    /* recipients arrive newline-joined; split a copy on the stack */
    const char *list = (const char *)sqlite3_value_text(argv[3]);
    int len = sqlite3_value_bytes(argv[3]);
    char copy[RECIPIENT_TEXT];
    const char *rec[MAX_RECIPIENTS];
    if (list && len > 0) {
        if ((size_t)len >= sizeof copy) {
            sqlite3_result_int(ctx, 0); /* longer than any list the model accepts: fail closed */
            return;
        }
        memcpy(copy, list, (size_t)len);
        copy[len] = '\0';
        for (char *p = copy; p && o.n_recipients < MAX_RECIPIENTS;) {
            rec[o.n_recipients++] = p;
            if ((p = strchr(p, '\n')))
                *p++ = '\0';
        }
        o.recipients = rec;
    }
    sqlite3_result_int(ctx, fn(v, &o));
}

/* kz_visible(viewer, tlp, source, recipients, allow_clients[, exercise]): the sixth
 * argument is the exercise column of tables whose rows a run can make (issue 16). */
int kz__register_functions(sqlite3 *h)
{
    int rc = sqlite3_create_function_v2(h, "kz_visible", 5, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                        sql_visible, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(h, "kz_visible", 6, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                        sql_visible, NULL, NULL, NULL);
    return rc;
}
