/* After-action reports as JSON (exercise_report.h) and as a printable page; scenarios
 * as JSON through their field tables. */
#include "codec/exercises/exercise_report.h"

#include "codec/json/json_fields.h"
#include "util/clock.h"

#include <string.h>

static json_t *items(const kz_schema *s, const void *base, size_t size, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, kz_json_encode(s, (const char *)base + i * size))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *kz_scenario_json(const kz_scenario *s)
{
    json_t *o = kz_json_encode(&kz_scenario_schema, s);
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "objectives", items(&kz_scn_objective_schema, s->objectives,
                                                         sizeof *s->objectives, s->n_objectives));
    bad |= json_object_set_new(o, "roles", items(&kz_scn_role_schema, s->roles, sizeof *s->roles, s->n_roles));
    bad |= json_object_set_new(o, "injects", items(&kz_inject_schema, s->injects, sizeof *s->injects, s->n_injects));
    bad |= json_object_set_new(o, "expectations", items(&kz_expectation_schema, s->expectations,
                                                         sizeof *s->expectations, s->n_expectations));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *minutes(int64_t ms) { return ms < 0 ? json_null() : json_real((double)ms / 60000.0); }

static json_t *score_json(const kz_expect_score *s)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:I, s:o, s:o, s:o, s:b, s:s?, s:f, s:I}", "id",
                     s->e->id, "result", kz_enum_name(&kz_expect_result_enum, s->result), "title_ja", s->e->title_ja,
                     "title", s->e->title, "kind", kz_enum_name(&kz_expect_kind_enum, s->e->kind), "role", s->e->role,
                     "objective", s->e->objective, "deadline_minutes", (json_int_t)s->e->deadline_minutes,
                     "due_minutes", minutes(s->due_ex), "done_minutes", minutes(s->done_ex), "took_minutes",
                     minutes(s->took_ms), "marked", s->marked, "note", s->note, "points", s->points, "weight",
                     (json_int_t)(s->e->weight > 0 ? s->e->weight : 1));
}

static json_t *group_json(const kz_group_score *g)
{
    return json_pack("{s:s, s:s, s:s?, s:f, s:f, s:f, s:I, s:I, s:I, s:I}", "id", g->id, "title", g->title,
                     "title_ja", g->title_ja, "score", g->possible > 0 ? 100.0 * g->points / g->possible : 0.0,
                     "points", g->points, "possible", g->possible, "met", (json_int_t)g->met, "late",
                     (json_int_t)g->late, "missed", (json_int_t)g->missed, "pending", (json_int_t)g->pending);
}

static json_t *time_json(kz_time t)
{
    char text[32];
    return t ? json_string(kz_time_format(t, text, sizeof text)) : json_null();
}

static json_t *item_json(const kz_timeline_item *t)
{
    json_t *o = json_pack("{s:o, s:o, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "minutes", minutes(t->ex_ms), "at",
                          time_json(t->at), "kind", t->kind, "title", t->title, "action", t->action,
                          "organization", t->organization, "object_type", t->object_type, "object_id", t->object_id);
    if (o && t->inject) {
        json_object_set_new(o, "inject", json_integer(t->inject));
        json_object_set_new(o, "early", json_boolean(t->early));
    }
    return o;
}

static json_t *note_json(const kz_report_note *n)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s?, s:o}", "id", n->id, "kind", n->kind, "text", n->text,
                     "owner", n->owner, "due", time_json(n->due), "author", n->author, "created",
                     time_json(n->created));
}

typedef json_t *(*to_json)(const void *item);

static json_t *list_of(to_json fn, const void *base, size_t size, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, fn((const char *)base + i * size))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *score_item(const void *p) { return score_json(p); }
static json_t *group_item(const void *p) { return group_json(p); }
static json_t *timeline_item(const void *p) { return item_json(p); }
static json_t *note_item(const void *p) { return note_json(p); }

#define LIST_OF(fn, arr, n) list_of(fn, (arr), sizeof *(arr), (n))

json_t *kz_exercise_report_json(const kz_exercise_report *r)
{
    json_t *x = kz_json_encode(&kz_exercise_schema, r->x);
    json_t *o = json_pack("{s:o, s:s, s:s?, s:s, s:s?, s:f, s:o, s:o, s:o, s:o, s:o}", "exercise", x, "scenario",
                          r->scenario->title, "scenario_ja", r->scenario->title_ja, "banner", r->scenario->banner,
                          "banner_ja", r->scenario->banner_ja, "score", r->score, "expectations",
                          LIST_OF(score_item, r->scores, r->n_scores), "roles", LIST_OF(group_item, r->roles, r->n_roles),
                          "objectives", LIST_OF(group_item, r->objectives, r->n_objectives), "timeline",
                          LIST_OF(timeline_item, r->timeline, r->n_timeline), "notes", LIST_OF(note_item, r->notes, r->n_notes));
    return o;
}

/* ---- the page ---------------------------------------------------------------------------- */

/* The page's own words, in both languages. */
enum { W_EXPECTATIONS, W_EXPECTATION, W_ROLE, W_RESULT, W_TOOK, W_DEADLINE, W_POINTS, W_NOTE, W_SCORE,
       W_MET, W_LATE, W_MISSED, W_PENDING, W_TIMELINE, W_MINUTE, W_WHAT, W_ORG, W_NOTES, W_KIND, W_TEXT,
       W_OWNER, W_DUE, W_PER_ROLE, W_PER_OBJECTIVE, W_REPORT, W_INJECT, W_EARLY, W_OF_100, W_COUNT };
static const char *const words[W_COUNT][2] = {
    [W_EXPECTATIONS] = {"Expectations", "期待される行動"}, [W_EXPECTATION] = {"Expectation", "期待される行動"},
    [W_ROLE] = {"Role", "役割"}, [W_RESULT] = {"Result", "結果"}, [W_TOOK] = {"Took (min)", "所要（分）"},
    [W_DEADLINE] = {"Deadline (min)", "期限（分）"}, [W_POINTS] = {"Points", "得点"}, [W_NOTE] = {"Note", "注記"},
    [W_SCORE] = {"Score", "スコア"}, [W_MET] = {"Met", "達成"}, [W_LATE] = {"Late", "遅延"},
    [W_MISSED] = {"Missed", "未達"}, [W_PENDING] = {"Pending", "未確定"}, [W_TIMELINE] = {"Timeline", "時系列"},
    [W_MINUTE] = {"Minute", "分"}, [W_WHAT] = {"What", "内容"}, [W_ORG] = {"Organization", "組織"},
    [W_NOTES] = {"Observations and corrective actions", "所見と是正措置"}, [W_KIND] = {"Kind", "種別"},
    [W_TEXT] = {"Text", "内容"}, [W_OWNER] = {"Owner", "担当"}, [W_DUE] = {"Due", "期日"},
    [W_PER_ROLE] = {"Per role", "役割別"}, [W_PER_OBJECTIVE] = {"Per objective", "目標別"},
    [W_REPORT] = {"After-action report", "事後報告"}, [W_INJECT] = {"Inject", "インジェクト"},
    [W_EARLY] = {"early", "前倒し"}, [W_OF_100] = {"of 100", "/ 100"},
};

static bool is_ja(const char *lang) { return lang && strcmp(lang, "ja") == 0; }
static const char *w(const char *lang, int k) { return words[k][is_ja(lang)]; }

static const char *pick(const char *lang, const char *en, const char *ja)
{
    return lang && strcmp(lang, "ja") == 0 && ja ? ja : en;
}

static kz_rc cell(kz_buf *b, const char *s)
{
    kz_rc rc = kz_buf_puts(b, "<td>");
    if (!rc && s)
        rc = kz_buf_html(b, s);
    return rc ? rc : kz_buf_puts(b, "</td>");
}

static kz_rc cell_minutes(kz_buf *b, int64_t ms)
{
    return ms < 0 ? kz_buf_puts(b, "<td>-</td>") : kz_buf_printf(b, "<td>%.1f</td>", (double)ms / 60000.0);
}

static kz_rc scores_table(const kz_exercise_report *r, const char *lang, kz_buf *b)
{
    kz_rc rc = kz_buf_printf(b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                                "<th>%s</th><th>%s</th></tr>", w(lang, W_EXPECTATIONS), w(lang, W_EXPECTATION),
                             w(lang, W_ROLE), w(lang, W_RESULT), w(lang, W_TOOK), w(lang, W_DEADLINE),
                             w(lang, W_POINTS), w(lang, W_NOTE));
    for (size_t i = 0; !rc && i < r->n_scores; i++) {
        const kz_expect_score *s = &r->scores[i];
        rc = kz_buf_puts(b, "<tr>");
        if (!rc)
            rc = cell(b, pick(lang, s->e->title, s->e->title_ja));
        if (!rc)
            rc = cell(b, s->e->role);
        if (!rc)
            rc = kz_buf_printf(b, "<td class=\"%s\">%s</td>", kz_enum_name(&kz_expect_result_enum, s->result),
                               w(lang, s->result == KZ_RES_MET ? W_MET : s->result == KZ_RES_LATE ? W_LATE
                                       : s->result == KZ_RES_MISSED ? W_MISSED : W_PENDING));
        if (!rc)
            rc = cell_minutes(b, s->took_ms);
        if (!rc)
            rc = kz_buf_printf(b, "<td>%lld</td><td>%.1f</td>", (long long)s->e->deadline_minutes, s->points);
        if (!rc)
            rc = cell(b, s->note);
        if (!rc)
            rc = kz_buf_puts(b, "</tr>");
    }
    return rc ? rc : kz_buf_puts(b, "</table>");
}

static kz_rc groups_table(const char *title, const kz_group_score *g, size_t n, const char *lang, kz_buf *b)
{
    kz_rc rc = kz_buf_printf(b, "<h2>%s</h2><table><tr><th></th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                                "<th>%s</th></tr>", title, w(lang, W_SCORE), w(lang, W_MET), w(lang, W_LATE),
                             w(lang, W_MISSED), w(lang, W_PENDING));
    for (size_t i = 0; !rc && i < n; i++) {
        rc = kz_buf_puts(b, "<tr>");
        if (!rc)
            rc = cell(b, pick(lang, g[i].title, g[i].title_ja));
        if (!rc)
            rc = kz_buf_printf(b, "<td>%.0f%%</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>",
                               g[i].possible > 0 ? 100.0 * g[i].points / g[i].possible : 0.0, g[i].met, g[i].late,
                               g[i].missed, g[i].pending);
    }
    return rc ? rc : kz_buf_puts(b, "</table>");
}

static kz_rc timeline_table(const kz_exercise_report *r, const char *lang, kz_buf *b)
{
    kz_rc rc = kz_buf_printf(b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th><th>%s</th></tr>", w(lang, W_TIMELINE),
                             w(lang, W_MINUTE), w(lang, W_WHAT), w(lang, W_ORG));
    for (size_t i = 0; !rc && i < r->n_timeline; i++) {
        const kz_timeline_item *t = &r->timeline[i];
        rc = kz_buf_puts(b, "<tr>");
        if (!rc)
            rc = cell_minutes(b, t->ex_ms);
        if (!rc && t->inject)
            rc = kz_buf_printf(b, "<td>%s %lld%s%s%s: ", w(lang, W_INJECT), (long long)t->inject,
                               t->early ? " (" : "", t->early ? w(lang, W_EARLY) : "", t->early ? ")" : "");
        else if (!rc)
            rc = kz_buf_puts(b, "<td>");
        if (!rc)
            rc = kz_buf_html(b, t->inject ? pick(lang, t->title, t->title_ja) : t->action);
        if (!rc)
            rc = kz_buf_puts(b, "</td>");
        if (!rc)
            rc = cell(b, t->organization);
        if (!rc)
            rc = kz_buf_puts(b, "</tr>");
    }
    return rc ? rc : kz_buf_puts(b, "</table>");
}

static kz_rc notes_list(const kz_exercise_report *r, const char *lang, kz_buf *b)
{
    kz_rc rc = kz_buf_printf(b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>",
                             w(lang, W_NOTES), w(lang, W_KIND), w(lang, W_TEXT), w(lang, W_OWNER), w(lang, W_DUE));
    for (size_t i = 0; !rc && i < r->n_notes; i++) {
        char due[32] = "";
        if (r->notes[i].due)
            kz_time_format(r->notes[i].due, due, sizeof due);
        rc = kz_buf_puts(b, "<tr>");
        if (!rc)
            rc = cell(b, r->notes[i].kind);
        if (!rc)
            rc = cell(b, r->notes[i].text);
        if (!rc)
            rc = cell(b, r->notes[i].owner);
        if (!rc)
            rc = cell(b, due);
        if (!rc)
            rc = kz_buf_puts(b, "</tr>");
    }
    return rc ? rc : kz_buf_puts(b, "</table>");
}

kz_rc kz_exercise_report_html(const kz_exercise_report *r, const char *lang, kz_buf *b)
{
    const char *banner = pick(lang, r->scenario->banner, r->scenario->banner_ja);
    kz_rc rc = kz_buf_printf(b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
                             lang && strcmp(lang, "ja") == 0 ? "ja" : "en");
    if (!rc)
        rc = kz_buf_html(b, pick(lang, r->scenario->title, r->scenario->title_ja));
    if (!rc)
        rc = kz_buf_puts(b, "</title><style>body{font-family:sans-serif;margin:2em}"
                            "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;"
                            "padding:.3em .6em;text-align:left}.banner{background:#b00;color:#fff;padding:.5em;"
                            "font-weight:bold}.met{color:#060}.late{color:#a60}.missed{color:#b00}</style></head>"
                            "<body><p class=\"banner\">");
    if (!rc)
        rc = kz_buf_html(b, banner);
    if (!rc)
        rc = kz_buf_printf(b, "</p><h1>%s: ", w(lang, W_REPORT));
    if (!rc)
        rc = kz_buf_html(b, pick(lang, r->scenario->title, r->scenario->title_ja));
    if (!rc)
        rc = kz_buf_printf(b, "</h1><p>%s, %s. %s: <strong>%.0f</strong> %s</p>", r->x->id,
                           kz_enum_name(&kz_exercise_status_enum, r->x->status), w(lang, W_SCORE), r->score,
                           w(lang, W_OF_100));
    if (!rc)
        rc = scores_table(r, lang, b);
    if (!rc)
        rc = groups_table(w(lang, W_PER_ROLE), r->roles, r->n_roles, lang, b);
    if (!rc)
        rc = groups_table(w(lang, W_PER_OBJECTIVE), r->objectives, r->n_objectives, lang, b);
    if (!rc)
        rc = timeline_table(r, lang, b);
    if (!rc)
        rc = notes_list(r, lang, b);
    if (!rc)
        rc = kz_buf_puts(b, "<p class=\"banner\">");
    if (!rc)
        rc = kz_buf_html(b, banner);
    return rc ? rc : kz_buf_puts(b, "</p></body></html>");
}
