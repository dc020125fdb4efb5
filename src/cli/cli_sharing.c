/* Helpers of the sharing commands (cli_sharing.h). */
#include "cli/cli_sharing.h"

#include "codec/indicator_norm.h"
#include "model/validate.h"
#include "service/directory.h"
#include "service/node.h"
#include "util/alloc.h"
#include "util/progress.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kz_cli_session_open(const kz_args *a, kz_cli_session *s)
{
    memset(s, 0, sizeof *s);
    kz_arena_init(&s->arena);
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (kz_node_open(db, &s->node, &s->err))
        return kz_cli_error(a, "%s", s->err.msg);
    if (kz_call_init_system(&s->call, s->node, "cli", &s->arena, &s->err))
        return kz_cli_error(a, "%s", s->err.msg);
    const char *key = kz_arg(a, "key");
    if (key) {
        kz_call_init(&s->call, s->node, &s->arena, &s->err);
        if (kz_svc_authenticate(&s->call, key))
            return kz_cli_error(a, "--key: %s", s->err.msg);
    }
    return 0;
}

void kz_cli_session_close(kz_cli_session *s)
{
    kz_arena_free(&s->arena);
    kz_node_close(s->node);
    s->node = NULL;
}

int kz_cli_org_ids(const kz_args *a, const char *opt, kz_arena *ar, kz_strlist *out)
{
    const char *v = kz_arg(a, opt);
    memset(out, 0, sizeof *out);
    if (!v || !v[0])
        return 0;
    size_t max = 1;
    for (const char *p = v; *p; p++)
        max += *p == ',';
    out->v = kz_arena_calloc(ar, max, sizeof *out->v);
    if (!out->v)
        return kz_cli_error(a, "out of memory");
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        char *id = kz_arena_strndup(ar, p, n);
        kz_err e;
        if (!id || kz_check_uuid(id, opt, &e))
            return kz_cli_usage_error(a, "--%s: '%.*s' is not an organization id", opt, (int)n, p);
        out->v[out->n++] = id;
        p += n + (p[n] == ',');
    }
    return 0;
}

int kz_cli_sharing_filters(const kz_args *a, kz_indicator_filter *ind, kz_incident_filter *inc)
{
    kz_err e;
    const char *type = kz_arg(a, "type"), *tlp = kz_arg(a, "tlp"), *source = kz_arg(a, "source");
    const char *incident = kz_arg(a, "incident");
    if (type && kz_enum_parse(&kz_ind_type_enum, type) < 0)
        return kz_cli_usage_error(a, "--type must be one of ipv4, ipv6, cidr, domain, url, email, md5, sha1, sha256, asn");
    if (tlp && kz_enum_parse(&kz_tlp_enum, tlp) < 0)
        return kz_cli_usage_error(a, "--tlp must be clear, green, amber, amber+strict or red");
    if (source && kz_check_uuid(source, "source", &e))
        return kz_cli_usage_error(a, "--source must be an organization id");
    if (incident && kz_check_uuid(incident, "incident", &e))
        return kz_cli_usage_error(a, "--incident must be an incident id");
    ind->type = type;
    ind->tlp = inc->tlp = tlp;
    ind->source = source;
    ind->incident = incident;
    ind->q = inc->q = kz_arg(a, "q");
    const char *since = kz_arg(a, "since"), *until = kz_arg(a, "until");
    if (since && kz_time_parse(since, &ind->since))
        return kz_cli_usage_error(a, "--since must be an RFC 3339 time or a date (2026-01-31)");
    if (until && kz_time_parse(until, &ind->until))
        return kz_cli_usage_error(a, "--until must be an RFC 3339 time or a date (2026-01-31)");
    inc->since = ind->since;
    inc->until = ind->until;
    if (kz_arg(a, "active"))
        ind->active_at = kz_now_ms();
    return 0;
}

/* ---- progress: util/progress.h, and a way to print between two drawings ---------- */

kz_cli_progress *kz_cli_progress_new(const char *label, const char *noun)
{
    return (kz_cli_progress *)kz_progress_new(STDERR_FILENO, label, noun, -1);
}

void kz_cli_progress_update(kz_cli_progress *p, uint64_t done) { kz_progress_update((kz_progress *)p, done); }

void kz_cli_progress_clear(kz_cli_progress *p)
{
    if (p)  /* a terminal: the next drawing puts the line back */
        fputs("\r\033[K", stderr);
}

void kz_cli_progress_done(kz_cli_progress *p) { kz_progress_done((kz_progress *)p); }

/* ---- input ---------------------------------------------------------------------------- */

int kz_cli_input_open(const kz_args *a, const char *path, const char *label, kz_cli_input *in)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    in->total = -1;
    in->is_stdin = strcmp(path, "-") == 0;
    in->f = in->is_stdin ? stdin : fopen(path, "rb");
    if (!in->f)
        return kz_cli_error(a, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(in->f), &st) == 0 && S_ISREG(st.st_mode))
        in->total = st.st_size;
    in->progress = (kz_cli_progress *)kz_progress_new(STDERR_FILENO, label, NULL, in->total);
    return 0;
}

kz_rc kz_cli_input_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    kz_cli_input *in = ctx;
    *got = fread(buf, 1, cap, in->f);
    if (*got == 0 && ferror(in->f))
        return kz_fail(err, KZ_EIO, "", "cannot read %s: %s", in->path, strerror(errno));
    in->done += *got;
    kz_cli_progress_update(in->progress, in->done);
    return KZ_OK;
}

void kz_cli_input_close(kz_cli_input *in)
{
    if (in->f && !in->is_stdin)
        fclose(in->f);
    in->f = NULL;
    kz_cli_progress_done(in->progress);
    in->progress = NULL;
}
