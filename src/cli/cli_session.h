/* The CLI's session helpers, shared by kizuna import stix and import misp: a session
 * (node, arena and call context), their sharing options, input from a file or stdin with
 * a progress line. */
#ifndef KZ_CLI_SESSION_H
#define KZ_CLI_SESSION_H

#include "cli/cli.h"
#include "service/core/call.h"
#include "store/sharing/sharing.h"

#include <stdio.h>

/* Acting as an API key's organization and role instead of the node itself. */
#define KZ_OPT_KEY {"key", "KEY", NULL, "act as this API key's organization and role (default: the node itself)"}

/* kz_cli_call (cli.h) with what it needs kept together. */
typedef struct kz_cli_session {
    kz_node *node;
    kz_arena arena;
    kz_err err;
    kz_call call;
} kz_cli_session;

/* 0, or the exit status after printing the error. Close it either way. */
int kz_cli_session_open(const kz_args *a, kz_cli_session *s);
void kz_cli_session_close(kz_cli_session *s);

/* The sharing options of an import — --tlp (default amber), --recipients, --source —
 * parsed and checked into *tlp, *recipients (strings in s->arena) and *source. Returns
 * 0, or the exit status after printing the usage error. */
int kz_cli_sharing_args(const kz_args *a, kz_cli_session *s, int *tlp, struct kz_strlist *recipients,
                        const char **source);

/* The export of a signed file (kizuna request export, kizuna statement export): ID a
 * UUID (noun names it in the message), --as an organization id, then the session,
 * acting as --as (one side or issuer of the object) when it is given. */
typedef struct kz_cli_export {
    const char *id, *as;
    kz_cli_session s;
} kz_cli_export;
/* 0, or the exit status after printing; kz_cli_export_finish either way. */
int kz_cli_export_open(const kz_args *a, const char *noun, kz_cli_export *x);
/* With the export use case's rc and its data: writes data to --output (else stdout) or
 * prints the error, adding hint when the object was not found without --as. Closes the
 * session; returns the exit status. status: what kz_cli_export_open returned. */
int kz_cli_export_finish(const kz_args *a, kz_cli_export *x, int status, kz_rc rc, const char *data, size_t n,
                         const char *hint);
/* The options both exports take: --output (what: the file written) and --as (whose:
 * whose side the caller takes). */
#define KZ_OPT_OUTPUT(what) {"output", "FILE", NULL, "write the " what " here instead of stdout (replaced atomically)"}
#define KZ_OPT_AS(whose) {"as", "ORG", NULL, "export as this organization (" whose "); default the node's own"}
/* A verify command's error for a FILE that is not what it checks: "kizuna CMD: FILE:
 * field: message" on stderr; returns 2. */
int kz_cli_file_error(const kz_args *a, const char *path, const kz_err *err);

/* The objects an import rejected, listed on stderr as "rejected WHAT[ WHERE]: field:
 * reason": the first KZ_CLI_REJECTS_SHOWN, none with --quiet, the import's progress
 * line (may be NULL) cleared first. */
enum { KZ_CLI_REJECTS_SHOWN = 1000 };
typedef struct kz_cli_rejects {
    bool quiet;
    uint64_t shown;  /* rejections seen (with --quiet: none counted) */
    struct kz_cli_progress *progress;
} kz_cli_rejects;
void kz_cli_reject(kz_cli_rejects *l, const char *what, const char *where, const kz_err *e);
/* After the import's summary: "(N more <noun> not listed)" when some were not shown. */
void kz_cli_rejects_done(const kz_cli_rejects *l, const char *noun);

/* A file or stdin ("-") read in blocks, with a progress line on a terminal. */
typedef struct kz_cli_input {
    FILE *f;
    bool is_stdin;
    const char *path;
    uint64_t done;
    int64_t total;
    struct kz_cli_progress *progress;
} kz_cli_input;

int kz_cli_input_open(const kz_args *a, const char *path, const char *label, kz_cli_input *in);
/* A kz_byte_source read function. */
kz_rc kz_cli_input_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err);
void kz_cli_input_close(kz_cli_input *in);

/* util/progress.h counting things (noun), and clear to print a line between two
 * drawings. Every function accepts NULL (what new gives off a terminal). */
typedef struct kz_cli_progress kz_cli_progress;
kz_cli_progress *kz_cli_progress_new(const char *label, const char *noun);
void kz_cli_progress_update(kz_cli_progress *p, uint64_t done);
void kz_cli_progress_clear(kz_cli_progress *p);   /* before printing something else */
void kz_cli_progress_done(kz_cli_progress *p);

#endif
