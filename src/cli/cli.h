/* The command line: a table of subcommands, each with its table of options. Every
 * option can also come from a KIZUNA_* environment variable; --help is generated from
 * the tables. Subcommands are thin: they parse, call service/ or engine/, print. */
#ifndef KZ_CLI_H
#define KZ_CLI_H

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct kz_enum;
typedef struct kz_opt {
    const char *name;    /* "db" for --db */
    const char *arg;     /* "FILE"; NULL for a switch */
    const char *def;     /* default value, or NULL */
    const char *help;    /* may be NULL when choices says it all */
    /* The values allowed, from the model's enum table (model/enums.h), or NULL: --help
     * lists them after help, kz_arg_enum parses the value and names them when it is
     * not one of them. */
    const struct kz_enum *choices;
} kz_opt;

enum { KZ_MAX_OPTS = 48, KZ_MAX_REPEATS = 16 }; /* serve has 30 */

typedef struct kz_args {
    const struct kz_cmd *cmd;
    const char *values[KZ_MAX_OPTS];  /* per option of cmd, after flags, env, defaults */
    const char *given[KZ_MAX_OPTS][KZ_MAX_REPEATS]; /* every value given by flag, in order */
    int n_given[KZ_MAX_OPTS];
    char **rest;                      /* positional arguments */
    int nrest;
} kz_args;

typedef struct kz_cmd {
    const char *name;        /* "serve", "audit verify" */
    const char *usage;       /* "[options] FILE..." */
    const char *summary;     /* one line */
    const char *details;     /* paragraph for --help, may be NULL */
    const kz_opt *opts;      /* ends with {0} */
    int (*run)(const kz_args *a);
    int min_rest, max_rest;  /* positional argument count; max -1 = any */
} kz_cmd;

/* The value of option name (NULL when unset; "1" for a given switch). */
const char *kz_arg(const kz_args *a, const char *name);

/* Writes n bytes to path through a temporary file and a rename, so that a reader never
 * sees half a file; "-" or NULL is stdout. 0, or the exit status after printing why. */
int kz_cli_write_out(const kz_args *a, const char *path, const char *data, size_t n);

/* Reads a whole file (or stdin for "-") up to 256 MiB; kz_free it. NULL with err. */
struct kz_err;
char *kz_cli_slurp(const char *path, size_t *len, struct kz_err *err);

/* Every value of an option given more than once on the command line (--public-key A
 * --public-key B), in order; *n is 0 when it was not given. */
const char *const *kz_arg_all(const kz_args *a, const char *name, size_t *n);

/* Parses an option as an unsigned number in [min, max]; prints an error and returns -1
 * when it is not one. */
long long kz_arg_num(const kz_args *a, const char *name, long long min, long long max);
/* --chunk: a number of records, or "auto" (KZ_IND_CHUNK_AUTO, chunks by time) into *out.
 * 0, or 2 after the usage error. */
int kz_arg_chunk(const kz_args *a, uint64_t *out);
/* --exercise: a table-top run's id into *out (NULL when not given). 0, or 2 after the
 * usage error. */
int kz_arg_exercise(const kz_args *a, const char **out);

/* The option's value as an index into its choices (kz_opt.choices); -2 when it has no
 * value; -1 after printing "--NAME must be a, b or c" when it is not one of them. */
int kz_arg_enum(const kz_args *a, const char *name);
/* Prints "--NAME must be a, b or c" from the option's choices; returns 2 (usage). */
int kz_cli_choices_error(const kz_args *a, const char *name);

/* Prints "kizuna CMD: message" on stderr and returns the exit status 2 (usage) or 1. */
int kz_cli_usage_error(const kz_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kz_cli_error(const kz_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one way a command opens its node and makes its call: the node of --db
 * (KIZUNA_DB; a usage error when not given) with the key file of --key-file, acting as
 * the node itself, or, when the command has --key and it is given, as that key's
 * organization and role. The call's memory is ar, its errors go to err. Returns 0, or
 * the exit status after printing the error (*node is then closed and NULL). The caller
 * initialized ar, frees it and closes *node; kz_cli_session (cli_session.h) keeps the
 * four together. (cli_session.c) */
struct kz_node;
struct kz_arena;
struct kz_call;
struct kz_err;
int kz_cli_call(const kz_args *a, struct kz_node **node, struct kz_arena *ar, struct kz_err *err,
                struct kz_call *c);

/* Opens the node of database db with the key file of --key-file (KIZUNA_KEY_FILE; default
 * "<db>.key"): kz_node_open_keys with flags. The caller prints err and closes *node.
 * (cli_init.c) */
kz_rc kz_cli_open_node(const kz_args *a, const char *db, unsigned flags, struct kz_node **node,
                       struct kz_err *err);

/* Option opt as a comma-separated list of ids, in ar; 0 or the exit status. */
struct kz_strlist;
int kz_cli_id_list(const kz_args *a, const char *opt, struct kz_arena *ar, struct kz_strlist *out);

/* Subcommands (one file each). */
extern const kz_cmd kz_cmd_init, kz_cmd_serve, kz_cmd_version, kz_cmd_audit_verify, kz_cmd_audit_head,
    kz_cmd_routes, kz_cmd_demo, kz_cmd_geo, kz_cmd_geodata_build, kz_cmd_geodata_info,
    kz_cmd_request_export, kz_cmd_request_verify, kz_cmd_statement_export, kz_cmd_statement_verify,
    kz_cmd_route, kz_cmd_import_csv, kz_cmd_export,
    kz_cmd_match, kz_cmd_stats_victims;
/* STIX and MISP (cli_stix.c, cli_misp.c) */
extern const kz_cmd kz_cmd_import_stix, kz_cmd_import_misp;
/* The policy library (cli_library.c) */
extern const kz_cmd kz_cmd_library_export, kz_cmd_library_import;
/* Reads the library records of path (csv: 1 CSV, 0 JSON lines) and imports them all or
 * none as c; 0, or the exit status after printing "path:line: ...". rep says what
 * was written. Everything read lands in ar. */
struct kz_library_import_report;
int kz_cli_library_load(const kz_args *a, struct kz_call *c, const char *path, int csv, struct kz_arena *ar,
                        struct kz_library_import_report *rep);
/* Federation: the node's identity and its peers (cli_peer.c) */
extern const kz_cmd kz_cmd_node, kz_cmd_node_rotate_key, kz_cmd_node_revoke_key, kz_cmd_peer_add, kz_cmd_peer_list, kz_cmd_peer_pause, kz_cmd_peer_resume,
    kz_cmd_peer_remove, kz_cmd_peer_sync, kz_cmd_peer_compact, kz_cmd_peer_ca;
/* Users of the web interface (cli_user.c) */
extern const kz_cmd kz_cmd_user_add, kz_cmd_user_reset;
/* Operations (cli_key.c, cli_backup.c) */
extern const kz_cmd kz_cmd_key_create, kz_cmd_backup, kz_cmd_restore;
/* Table-top exercises (cli_exercise.c) */
extern const kz_cmd kz_cmd_exercise_run;

/* The routing database of --table (default: the project's data/geo.kzg, built from the
 * installed routing data on first use). Shared by geo and route. */
struct kz_geodb;
kz_rc kz_cli_geodb_open(const kz_args *a, struct kz_geodb **db, kz_err *err);

/* Prints the data's attribution after results: on stdout at a terminal, else stderr. */
void kz_cli_geo_footer(struct kz_geodb *db);

/* The end of an import that failed after committing the first `committed` of its
 * records (objects, events: unit) in chunks, or none of the `records` read: prints msg
 * and what landed; returns the exit status 1. (cli_import.c) */
int kz_cli_import_failed(const kz_args *a, const char *msg, const char *unit, uint64_t records, uint64_t committed);

/* The organization an --organization value names: an id, or an organization's exact
 * name; v itself when none matches (the use case then says so). (cli_user.c) */
const char *kz_cli_organization(struct kz_call *c, const char *v);

/* --config FILE / KIZUNA_CONFIG: fills values[k] (per option of a->cmd; strings in ar)
 * from the configuration file at path, checking every key against the options tables
 * of all commands. 0, or the exit status after "FILE:LINE:COLUMN: reason". (cli_config.c) */
struct kz_arena;
int kz_cli_config_load(const kz_args *a, const kz_cmd *const *all, int nall, const char *path, const char **values,
                       struct kz_arena *ar);

/* Option shared by every command that opens a database. */
#define KZ_OPT_DB {"db", "FILE", NULL, "the Kizuna database file"}
#define KZ_OPT_KEY_FILE {"key-file", "FILE", NULL, "the node's key file (its secrets, mode 0600); default DB.key beside the database"}
#define KZ_OPT_TABLE {"table", "FILE", NULL, "geo table (or a MaxMind .mmdb); default data/geo.kzg of the project"}
#define KZ_OPT_CHUNK {"chunk", "N", "auto", "commit every N records (objects), each chunk its own transaction, so that the server's API writes get through; auto: every half second; 0: one transaction, all or nothing"}
#define KZ_OPT_LOG {"log-level", "LEVEL", "info", "debug, info, warn or error (logs are JSON lines on stderr)"}

#endif
