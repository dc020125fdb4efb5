/* The CLI's session, sharing-option, input and progress helpers (cli_session.h), and
 * kz_cli_call (cli.h), the one way every command opens its node and makes its call. */
#include "cli/cli_session.h"

#include "model/validate.h"
#include "service/core/node.h"
#include "service/directory/keys.h"
#include "util/alloc.h"
#include "util/progress.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kz_cli_sharing_args(const kz_args *a, kz_cli_session *s, int *tlp, struct kz_strlist *recipients,
                        const char **source)
{
    if ((*tlp = kz_arg_enum(a, "tlp")) < 0)
        return 2;
    int status = kz_cli_id_list(a, "recipients", &s->arena, recipients);
    if (status)
        return status;
    *source = kz_arg(a, "source");
    if (*source && kz_valid_uuid(*source, "source", &s->err))
        return kz_cli_usage_error(a, "--source must be an organization id");
    return 0;
}

int kz_cli_call(const kz_args *a, kz_node **node, kz_arena *ar, kz_err *err, kz_call *c)
{
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (kz_cli_open_node(a, db, 0, node, err))
        return kz_cli_error(a, "%s", err->msg);
    const char *key = kz_arg(a, "key");
    kz_rc rc = key ? kz_call_init(c, *node, ar, err) : kz_call_init_system(c, *node, "cli", ar, err);
    if (!rc && key && (rc = kz_svc_authenticate(c, key)) == KZ_OK)
        c->actor = c->who.key_id;
    if (rc) {
        kz_node_close(*node);
        *node = NULL;
        return kz_cli_error(a, "%s", err->msg);
    }
    return 0;
}

int kz_cli_session_open(const kz_args *a, kz_cli_session *s)
{
    memset(s, 0, sizeof *s);
    kz_arena_init(&s->arena);
    return kz_cli_call(a, &s->node, &s->arena, &s->err, &s->call);
}

void kz_cli_session_close(kz_cli_session *s)
{
    kz_arena_free(&s->arena);
    kz_node_close(s->node);
    s->node = NULL;
}

/* ---- the exports of signed files and their verification ---------------------------- */

int kz_cli_export_open(const kz_args *a, const char *noun, kz_cli_export *x)
{
    kz_err err;
    memset(x, 0, sizeof *x);
    x->id = a->rest[0];
    x->as = kz_arg(a, "as");
    kz_err_clear(&err);
    if (!kz_arg(a, "db"))
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (kz_valid_uuid(x->id, "ID", &err))
        return kz_cli_usage_error(a, "'%s' is not a %s id", x->id, noun);
    if (x->as && kz_valid_uuid(x->as, "as", &err))
        return kz_cli_usage_error(a, "--as must be an organization id");
    int status = kz_cli_session_open(a, &x->s);
    if (!status && x->as)
        x->s.call.who.org = x->as;
    return status;
}

int kz_cli_export_finish(const kz_args *a, kz_cli_export *x, int status, kz_rc rc, const char *data, size_t n,
                         const char *hint)
{
    if (!status)
        status = rc ? kz_cli_error(a, "%s%s", x->s.err.msg, rc == KZ_ENOTFOUND && !x->as ? hint : "")
                    : kz_cli_write_out(a, kz_arg(a, "output"), data, n);
    kz_cli_session_close(&x->s);
    return status;
}

int kz_cli_file_error(const kz_args *a, const char *path, const kz_err *err)
{
    fprintf(stderr, "kizuna %s: %s: %s%s%s\n", a->cmd->name, path, err->field[0] ? err->field : "",
            err->field[0] ? ": " : "", err->msg);
    return 2;
}

/* ---- the rejections of an import ----------------------------------------------------- */

void kz_cli_reject(kz_cli_rejects *l, const char *what, const char *where, const kz_err *e)
{
    if (l->quiet || l->shown++ >= KZ_CLI_REJECTS_SHOWN)
        return;
    kz_cli_progress_clear(l->progress);
    fprintf(stderr, "rejected %s%s%s: %s%s%s\n", what, where[0] ? " " : "", where, e->field[0] ? e->field : "",
            e->field[0] ? ": " : "", e->msg);
}

void kz_cli_rejects_done(const kz_cli_rejects *l, const char *noun)
{
    if (l->shown > KZ_CLI_REJECTS_SHOWN)
        fprintf(stderr, "(%llu more %s not listed)\n", (unsigned long long)(l->shown - KZ_CLI_REJECTS_SHOWN), noun);
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
