/* The notice templates and writing notices into the outbox. Templates are data: one
 * row per kind and language, with {name} placeholders filled from the caller's
 * variables; a placeholder nobody fills stays as it is ({answer_link} is filled only at
 * delivery, so that the one-time token is never stored). */
#include "service/core/notify.h"

#include "util/buf.h"
#include "util/tz.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct notice_template {
    const char *kind;
    const char *lang;
    const char *subject;
    const char *body;
} notice_template;

#define FOOTER_EN "\n-- \nKizuna, the points-of-contact network. This notice was sent automatically.\n"
#define FOOTER_JA "\n-- \nKizuna（連絡窓口ネットワーク）から自動送信されたお知らせです。\n"

static const notice_template templates[] = {
    {"request.new", "en", "[Kizuna] {tlp} {urgency} {kind} from {from_org} ({from_state}): {subject}",
     "{tlp}\n\n{from_org} ({from_state}) has sent {to_org} ({to_state}) a {kind}.\n\n"
     "Subject:         {subject}\nUrgency:         {urgency}\nBasis:           {norm}\n"
     "Acknowledge by:  {ack_due}\nAnswer by:       {answer_due}\n\n{description}\n\n{message}"
     "Please acknowledge as soon as you have received it, and say whether you can help:\n{link}\n\n"
     "Request {id}\n" FOOTER_EN},
    {"request.new", "ja", "【Kizuna】{tlp} {from_org}（{from_state}）からの{kind}（{urgency}）: {subject}",
     "{tlp}\n\n{from_org}（{from_state}）から{to_org}（{to_state}）へ{kind}が届きました。\n\n"
     "件名: {subject}\n緊急度: {urgency}\n根拠: {norm}\n受領確認の期限: {ack_due}\n回答の期限: {answer_due}\n\n"
     "{description}\n\n{message}受領後ただちに受領確認を行い、対応の可否をお知らせください:\n{link}\n\n"
     "要請ID {id}\n" FOOTER_JA},

    {"request.acknowledged", "en", "[Kizuna] {to_org} acknowledged your {kind}: {subject}",
     "{tlp}\n\n{to_org} ({to_state}) acknowledged your {kind} \"{subject}\" on {at}.\n"
     "The answer is due by {answer_due}.\n\n{message}{link}\n" FOOTER_EN},
    {"request.acknowledged", "ja", "【Kizuna】{to_org}が{kind}の受領を確認しました: {subject}",
     "{tlp}\n\n{to_org}（{to_state}）が{kind}「{subject}」の受領を{at}に確認しました。\n"
     "回答の期限は{answer_due}です。\n\n{message}{link}\n" FOOTER_JA},

    {"request.answered", "en", "[Kizuna] {to_org} answered your {kind}: {subject}",
     "{tlp}\n\n{to_org} ({to_state}) answered your {kind} \"{subject}\":\n\n{message}"
     "Close the request once it is settled:\n{link}\n" FOOTER_EN},
    {"request.answered", "ja", "【Kizuna】{to_org}が{kind}に回答しました: {subject}",
     "{tlp}\n\n{to_org}（{to_state}）が{kind}「{subject}」に回答しました:\n\n{message}"
     "解決したら要請を完了してください:\n{link}\n" FOOTER_JA},

    {"request.declined", "en", "[Kizuna] {to_org} declined your {kind}: {subject}",
     "{tlp}\n\n{to_org} ({to_state}) declined your {kind} \"{subject}\". The reason given:\n\n{message}{link}\n" FOOTER_EN},
    {"request.declined", "ja", "【Kizuna】{to_org}が{kind}を辞退しました: {subject}",
     "{tlp}\n\n{to_org}（{to_state}）が{kind}「{subject}」を辞退しました。理由:\n\n{message}{link}\n" FOOTER_JA},

    {"request.withdrawn", "en", "[Kizuna] {from_org} withdrew its {kind}: {subject}",
     "{tlp}\n\n{from_org} ({from_state}) withdrew its {kind} \"{subject}\". No further action is needed.\n\n{message}{link}\n" FOOTER_EN},
    {"request.withdrawn", "ja", "【Kizuna】{from_org}が{kind}を取り下げました: {subject}",
     "{tlp}\n\n{from_org}（{from_state}）が{kind}「{subject}」を取り下げました。これ以上の対応は不要です。\n\n{message}{link}\n" FOOTER_JA},

    {"request.message", "en", "[Kizuna] Message from {author} on {kind}: {subject}",
     "{tlp}\n\n{author} wrote on the {kind} \"{subject}\":\n\n{message}{link}\n" FOOTER_EN},
    {"request.message", "ja", "【Kizuna】{author}からのメッセージ（{kind}）: {subject}",
     "{tlp}\n\n{author}から{kind}「{subject}」にメッセージがあります:\n\n{message}{link}\n" FOOTER_JA},

    {"request.escalated", "en", "[Kizuna] {tlp} Not acknowledged: {urgency} {kind} from {from_org} ({from_state}): {subject}",
     "{tlp}\n\n{from_org} ({from_state}) sent {to_org} ({to_state}) a {kind} that was due to be "
     "acknowledged by {ack_due} and has not been. It is escalated to you as the {role} point of "
     "contact.\n\nSubject:    {subject}\nUrgency:    {urgency}\nAnswer by:  {answer_due}\n\n{description}\n\n"
     "Please make sure it is acknowledged:\n{link}\n\nRequest {id}\n" FOOTER_EN},
    {"request.escalated", "ja", "【Kizuna】{tlp} 受領未確認: {from_org}（{from_state}）からの{kind}（{urgency}）: {subject}",
     "{tlp}\n\n{from_org}（{from_state}）から{to_org}（{to_state}）への{kind}は、{ack_due}までに受領確認が"
     "ありませんでした。{role}の連絡窓口としてお知らせします。\n\n件名: {subject}\n緊急度: {urgency}\n"
     "回答の期限: {answer_due}\n\n{description}\n\n受領確認が行われるようお取り計らいください:\n{link}\n\n要請ID {id}\n" FOOTER_JA},

    {"request.overdue", "en", "[Kizuna] Not acknowledged in time: {subject}",
     "{tlp}\n\n{to_org} ({to_state}) has not acknowledged your {kind} \"{subject}\", due by {ack_due}.\n"
     "{note}\n\n{link}\n" FOOTER_EN},
    {"request.overdue", "ja", "【Kizuna】受領確認の期限切れ: {subject}",
     "{tlp}\n\n{to_org}（{to_state}）は{kind}「{subject}」の受領を期限（{ack_due}）までに確認していません。\n"
     "{note}\n\n{link}\n" FOOTER_JA},

    {"request.deadline", "en", "[Kizuna] Answer due {answer_due}: {subject}",
     "{tlp}\n\nThe answer to the {kind} \"{subject}\" from {from_org} ({from_state}) is due by {answer_due}.\n\n"
     "{link}\n" FOOTER_EN},
    {"request.deadline", "ja", "【Kizuna】回答期限が近づいています（{answer_due}）: {subject}",
     "{tlp}\n\n{from_org}（{from_state}）からの{kind}「{subject}」の回答期限は{answer_due}です。\n\n{link}\n" FOOTER_JA},

    {"request.preservation", "en", "[Kizuna] Preservation ends {preserve_until}: {subject}",
     "{tlp}\n\nThe preservation requested by {from_org} ({from_state}) from {to_org} ({to_state}) under "
     "Art. 29 of the Budapest Convention ends on {preserve_until}, unless a request for mutual "
     "assistance has been submitted or the preservation is extended.\n\nSubject: {subject}\n\n{link}\n" FOOTER_EN},
    {"request.preservation", "ja", "【Kizuna】保全期間の終了が近づいています（{preserve_until}）: {subject}",
     "{tlp}\n\n{from_org}（{from_state}）が{to_org}（{to_state}）に要請したブダペスト条約第29条に基づく保全は、"
     "捜査共助の要請が提出されるか延長されない限り、{preserve_until}に終了します。\n\n件名: {subject}\n\n{link}\n" FOOTER_JA},

    {"check.invitation", "en", "{banner}[Kizuna] Communication check from {org}: please confirm",
     "{banner_line}Dear {contact},\n\nThis is a communication check of the points-of-contact directory, sent by "
     "{org}. It tests that this address reaches you. Please confirm by opening the link below and "
     "pressing Confirm, before {deadline}:\n\n{answer_link}\n\nNo other action is needed.\n" FOOTER_EN},
    {"check.invitation", "ja", "{banner}【Kizuna】{org}からの連絡確認（ご返信ください）",
     "{banner_line}{contact} 様\n\n{org}から連絡窓口ディレクトリの連絡確認をお送りします。このアドレスに連絡が届くことを確認するものです。"
     "{deadline}までに、下のリンクを開いて「確認」を押してください:\n\n{answer_link}\n\nほかの対応は不要です。\n" FOOTER_JA},

    /* a mail inject of a table-top exercise: the banner opens the subject and the body */
    {"exercise.mail", "en", "{banner} {title}",
     "{banner}\n\n{title}\n\n{text}\n\n{tlp}\n\nThis message is part of the table-top exercise \"{exercise_title}\" "
     "({exercise}). It is not a real notice.\n{banner}\n" FOOTER_EN},
    {"exercise.mail", "ja", "{banner} {title}",
     "{banner}\n\n{title}\n\n{text}\n\n{tlp}\n\nこのメッセージは机上演習「{exercise_title}」（{exercise}）の一部です。"
     "実際のお知らせではありません。\n{banner}\n" FOOTER_JA},
};
enum { N_TEMPLATES = sizeof templates / sizeof *templates };

static const notice_template *find(const char *kind, const char *lang)
{
    for (size_t i = 0; i < N_TEMPLATES; i++)
        if (strcmp(templates[i].kind, kind) == 0 && strcmp(templates[i].lang, lang) == 0)
            return &templates[i];
    return NULL;
}

const char *kz_notify_language(const char *kind, const kz_contact *contact)
{
    for (size_t i = 0; contact && i < contact->languages.n; i++)
        if (find(kind, contact->languages.v[i]))
            return find(kind, contact->languages.v[i])->lang;
    return "en";
}

char *kz_notify_time_for(kz_time t, const kz_contact *contact, char *out, size_t size)
{
    return kz_tz_format(t, contact ? contact->timezone : NULL, out, size);
}

char *kz_notify_count(kz_arena *a, uint64_t n, const char *one, const char *many)
{
    return kz_arena_printf(a, "%llu %s", (unsigned long long)n, n == 1 ? one : many);
}

char *kz_notify_time(kz_time t, char *out, size_t size)
{
    if (!t) {
        out[0] = '\0';
        return out;
    }
    time_t s = (time_t)(t / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
    return out;
}

/* tpl with every {name} of vars replaced by its value; other braces stay. */
static char *render(kz_arena *a, const char *tpl, const kz_notify_var *vars, size_t n)
{
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_rc rc = KZ_OK;
    for (const char *p = tpl; !rc && *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            rc = kz_buf_puts(&b, p);
            break;
        }
        rc = kz_buf_append(&b, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        size_t len = close ? (size_t)(close - open - 1) : 0;
        const kz_notify_var *v = NULL;
        for (size_t i = 0; close && i < n; i++)
            if (strlen(vars[i].name) == len && strncmp(vars[i].name, open + 1, len) == 0)
                v = &vars[i];
        if (!rc && v) {
            rc = kz_buf_puts(&b, v->value ? v->value : "");
            p = close + 1;
        } else if (!rc) {
            rc = kz_buf_append(&b, open, 1);
            p = open + 1;
        }
    }
    char *out = rc ? NULL : kz_arena_strdup(a, b.p ? b.p : "");
    kz_buf_free(&b);
    return out;
}

kz_rc kz_notify(kz_call *c, const char *kind, const kz_contact *contact, const char *request_id,
                const char *check_id, const kz_notify_var *vars, size_t n_vars)
{
    const char *lang = kz_notify_language(kind, contact);
    const notice_template *t = find(kind, lang);
    if (!t)
        return kz_fail(c->err, KZ_EINTERNAL, NULL, "no notice template %s", kind);
    kz_time now = kz_now_ms();
    kz_notice n = {
        .id = kz_new_id(c),
        .created = now,
        .kind = (char *)kind,
        .request = (char *)request_id,
        .check = (char *)check_id,
        .contact = contact ? contact->id : NULL,
        .address = contact ? contact->email : NULL,
        .language = (char *)lang,
        .subject = render(c->arena, t->subject, vars, n_vars),
        .body = render(c->arena, t->body, vars, n_vars),
        .status = KZ_NS_PENDING,
        .next_attempt = now,
    };
    if (!n.id || !n.subject || !n.body)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!n.address) {
        n.status = KZ_NS_SKIPPED;
        n.last_error = (char *)(contact ? "the contact has no e-mail address"
                                        : "no point of contact of the organization has an e-mail address");
    }
    for (char *p = n.subject; *p; p++)  /* a subject is one line, whatever the values held */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    /* no audit event of its own: the change that wrote it is audited, and its delivery
     * (notice.sent, notice.fail, notice.expire) is */
    return kz_store_notice_insert(c->db, &n, c->err);
}

kz_rc kz_notices_about(kz_call *c, const char *request_id, const char *check_id, kz_notice **items,
                       size_t *n)
{
    return kz_store_notices_about(c->db, request_id, check_id, c->arena, items, n, c->err);
}
