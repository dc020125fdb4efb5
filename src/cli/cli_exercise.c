/* kizuna exercise run: a table-top exercise from the command line. Creates a run of a
 * scenario on the node of --db (exercise-only organizations for the roles no --player
 * takes), starts it, lets its clock run at --speed while the injects are delivered,
 * finishes it and prints the after-action report (JSON with its score, or HTML). */
#include "cli/cli.h"

#include "codec/exercises/exercise_report.h"
#include "service/exercises/exercise_report.h"
#include "service/exercises/exercises.h"
#include "util/alloc.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

enum { STEP_MAX_MS = 1000 };

/* "ROLE=ORG" options into players (in ar). */
static int players_of(const kz_args *a, kz_arena *ar, kz_exercise_player **out, size_t *n)
{
    const char *const *given = kz_arg_all(a, "player", n);
    *out = kz_arena_calloc(ar, *n + 1, sizeof **out);
    if (!*out)
        return kz_cli_error(a, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        const char *eq = strchr(given[i], '=');
        if (!eq || eq == given[i] || !eq[1])
            return kz_cli_usage_error(a, "--player %s: give ROLE=ORGANIZATION_ID", given[i]);
        (*out)[i].role = kz_arena_strndup(ar, given[i], (size_t)(eq - given[i]));
        (*out)[i].organization = kz_arena_strdup(ar, eq + 1);
    }
    return 0;
}

/* The exercise time the run lasts: its last inject offset or deadline, or --until. */
static int64_t run_length(const kz_scenario *s, long long until)
{
    if (until > 0)
        return (int64_t)until * 60000;
    int64_t end = 0;
    for (size_t i = 0; i < s->n_injects; i++) {
        int64_t t = (s->injects[i].at_minutes + s->injects[i].delay_minutes) * 60000;
        end = t > end ? t : end;
    }
    for (size_t i = 0; i < s->n_expectations; i++) {
        int64_t t = s->expectations[i].deadline_minutes * 60000;
        end = t > end ? t : end;
    }
    return end + 60000;
}

static void pause_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs the clock to its end, delivering what comes due. */
static kz_rc play(kz_call *c, const char *id, int64_t length, int64_t speed, kz_exercise_view *v)
{
    kz_rc rc = kz_svc_exercise_control(c, id, KZ_XOP_START, speed, v);
    while (!rc) {
        if ((rc = kz_svc_exercise_get(c, id, v)) || v->x.clock_ms >= length)
            break;
        if (kz_svc_exercise_deliver_due(c) < 0)
            return c->err->rc ? c->err->rc : KZ_EINTERNAL;
        /* one exercise minute at a time (at most a second): injects arrive within it */
        int64_t left = length - v->x.clock_ms, step = left < 60000 ? left : 60000;
        int64_t wait = step / speed + 1;
        pause_ms(wait < STEP_MAX_MS ? wait : STEP_MAX_MS);
    }
    if (!rc && kz_svc_exercise_deliver_due(c) < 0)
        rc = c->err->rc ? c->err->rc : KZ_EINTERNAL;
    return rc ? rc : kz_svc_exercise_control(c, id, KZ_XOP_FINISH, 0, v);
}

static int print_report(const kz_args *a, kz_call *c, const char *id)
{
    kz_exercise_report rep;
    kz_rc rc = kz_svc_exercise_report(c, id, &rep, NULL);
    if (rc)
        return kz_cli_error(a, "%s", c->err->msg);
    const char *format = kz_arg(a, "format");
    kz_buf b;
    kz_buf_init(&b, (size_t)16 << 20);
    if (strcmp(format, "html") == 0) {
        rc = kz_exercise_report_html(&rep, kz_arg(a, "lang"), &b);
    } else {
        json_t *j = kz_exercise_report_json(&rep);
        char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        rc = text ? kz_buf_puts(&b, text) : KZ_ENOMEM;
        if (!rc)
            rc = kz_buf_puts(&b, "\n");
        kz_free_libc(text);
        json_decref(j);
    }
    int status = rc ? kz_cli_error(a, "cannot write the report") : kz_cli_write_out(a, kz_arg(a, "output"), b.p, b.len);
    kz_buf_free(&b);
    return status;
}

static int run_exercise(const kz_args *a)
{
    const char *format = kz_arg(a, "format"), *lang = kz_arg(a, "lang");
    if (strcmp(format, "json") && strcmp(format, "html"))
        return kz_cli_usage_error(a, "--format must be json or html");
    if (strcmp(lang, "en") && strcmp(lang, "ja"))
        return kz_cli_usage_error(a, "--lang must be en or ja");
    long long speed = kz_arg_num(a, "speed", 1, KZ_SPEED_MAX);
    long long until = kz_arg(a, "until") ? kz_arg_num(a, "until", 1, KZ_SCN_MAX_MINUTES) : 0;
    if (speed < 0 || until < 0)
        return 2;
    kz_node *node = NULL;
    kz_arena ar;
    kz_err err;
    kz_call c;
    kz_err_clear(&err);
    kz_arena_init(&ar);
    kz_exercise_player *players = NULL;
    size_t n = 0;
    int status = players_of(a, &ar, &players, &n);
    if (!status)
        status = kz_cli_call(a, &node, &ar, &err, &c);
    if (status) {
        kz_arena_free(&ar);
        return status;
    }
    kz_exercise x = {.scenario = a->rest[0], .speed = speed};
    kz_exercise_view v;
    kz_rc rc = kz_svc_exercise_create(&c, &x, players, n, &v);
    if (!rc)
        rc = play(&c, x.id, run_length(&v.scenario, until), speed, &v);
    if (rc)
        status = kz_cli_error(a, "%s%s%s", err.field[0] ? err.field : "", err.field[0] ? ": " : "", err.msg);
    else
        status = print_report(a, &c, x.id);
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

static const kz_opt run_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"speed", "N", "60", "exercise minutes per wall-clock minute (1 to 10000)"},
    {"player", "ROLE=ORG", NULL, "put an organization in a role of the scenario (repeat for more); the roles "
                                 "nobody takes get exercise-only organizations"},
    {"until", "MINUTES", NULL, "stop after this much exercise time (default: the last inject or deadline)"},
    {"format", "FORMAT", "json", "json (the report with its score) or html (the printable page)"},
    {"lang", "LANG", "en", "en or ja: the language the page shows first"},
    {"output", "FILE", NULL, "write the report here instead of stdout (replaced atomically)"},
    {"key", "SECRET", NULL, "act as this API key's organization instead of the node's own"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_exercise_run = {
    "exercise run", "SCENARIO --db FILE [--speed N] [--player ROLE=ORG]...",
    "run a table-top exercise and print its after-action report",
    "SCENARIO is an id that GET /api/v1/scenarios lists (the built-in library or a stored\n"
    "scenario). The run is created on the node of --db, facilitated by the node's own\n"
    "organization (or --key's), started, and its exercise clock runs at --speed while the\n"
    "scheduler's work is done here: each inject is delivered through the real workflow\n"
    "when its exercise time comes. Without --player every role gets an exercise-only\n"
    "organization, so a scenario can be rehearsed on any node; what the run makes is\n"
    "marked with it and seen by its players only. At the end the run is finished and the\n"
    "report printed: per expectation met, late or missed, per role and objective, the\n"
    "timeline, and \"score\" (0 to 100). A serving node's players act meanwhile through\n"
    "the API (docs/API.md, Exercises).",
    run_opts, run_exercise, 1, 1,
};
