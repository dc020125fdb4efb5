/* Delivering the outbox: each due notice is claimed (its attempt counted and its next
 * try scheduled, committed) before the SMTP conversation and settled after it, so a
 * crash at any point leaves it to be retried, never forgotten. Failures back off
 * exponentially (mail.retry_seconds, doubling, at most six hours) up to
 * mail.max_attempts; a 5xx refusal is final; a notice older than mail.max_age_hours is
 * expired instead of sent late. */
#include "service/core/notify.h"
#include "service/core/outbox.h"

#include "service/directory/checks.h"
#include "service/core/settings.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

enum { BATCH = 32, MAX_BACKOFF_MS = 6 * 3600 * 1000 };

static kz_time backoff(int64_t retry_ms, int64_t attempt)
{
    kz_time d = retry_ms;
    for (int64_t i = 1; i < attempt && d < MAX_BACKOFF_MS; i++)
        d *= 2;
    return d < MAX_BACKOFF_MS ? d : MAX_BACKOFF_MS;
}

static kz_rc settle(kz_call *c, const kz_notice *n, int status, kz_time sent_at, const char *error)
{
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_notice_settle(c->db, n->id, status, sent_at, error, c->err);
    if (!rc && status != KZ_NS_PENDING) {
        /* A notice about a request is recorded against the request, so that the audit
         * listing shows it only to those who may see the request. */
        const char *detail = kz_arena_printf(c->arena, "%s %s", n->kind, n->id);
        rc = kz_audit(c, status == KZ_NS_SENT ? "notice.sent" : status == KZ_NS_EXPIRED ? "notice.expire" : "notice.fail",
                      n->request ? "request" : "notice", n->request ? n->request : n->id, detail);
    }
    return kz_tx_end(c, rc);
}

/* The body as it goes out: a check invitation gets its answer link now. */
static const char *final_body(kz_call *c, const kz_notice *n)
{
    const char *mark = strstr(n->body, "{answer_link}");
    if (!mark || !n->check || !n->contact)
        return n->body;
    const char *link = kz_check_answer_link(c, n->check, n->contact);
    return link ? kz_arena_printf(c->arena, "%.*s%s%s", (int)(mark - n->body), n->body, link,
                                  mark + strlen("{answer_link}"))
                : NULL;
}

/* One attempt at one notice. Returns 1 when sent, 0 otherwise, -1 on a store error. */
static int attempt(kz_call *c, const kz_notice *n, kz_time now, int64_t max_attempts, int64_t retry_ms)
{
    const kz_mail_config *cfg = &c->node->mail;
    int64_t number = n->attempts + 1;
    if (kz_tx_begin(c))
        return -1;
    kz_rc rc = kz_tx_end(c, kz_store_notice_claim(c->db, n->id, number, now + backoff(retry_ms, number), c->err));
    if (rc == KZ_ECONFLICT)
        return 0;
    if (rc)
        return -1;
    const char *domain = strchr(cfg->from, '@');
    kz_mail_message m = {
        .from = cfg->from,
        .from_name = "Kizuna",
        .to = n->address,
        .subject = n->subject,
        .body = final_body(c, n),
        .message_id = kz_arena_printf(c->arena, "notice-%s%s", n->id, domain ? domain : "@kizuna.invalid"),
        .language = n->language,
        .reference = n->request ? n->request : n->check,
        .date = now,
    };
    kz_buf text;
    kz_buf_init(&text, 4 << 20);
    kz_err e2;
    kz_mail_result res = KZ_MAIL_REJECTED;
    if (!m.body || !m.message_id)
        kz_fail(&e2, KZ_ENOMEM, NULL, "out of memory");
    else if (kz_mail_compose(&m, &text, &e2) == KZ_OK)
        res = kz_mail_send(cfg, cfg->from, n->address, text.p, text.len, &e2);
    kz_buf_free(&text);
    int status = res == KZ_MAIL_SENT ? KZ_NS_SENT
                 : res == KZ_MAIL_RETRY && number < max_attempts ? KZ_NS_PENDING : KZ_NS_FAILED;
    const char *error = res == KZ_MAIL_SENT ? NULL
                        : res == KZ_MAIL_RETRY && number >= max_attempts
                            ? kz_arena_printf(c->arena, "gave up after %lld attempts; last: %s", (long long)number, e2.msg)
                            : e2.msg;
    /* the log names the notice, never the address or the server's words about it */
    kz_log(status == KZ_NS_SENT ? KZ_LOG_INFO : KZ_LOG_WARN, "mail.attempt", KZ_S("notice", n->id),
           KZ_S("kind", n->kind), KZ_I("attempt", number),
           KZ_S("result", kz_enum_name(&kz_notice_status_enum, status)));
    if (settle(c, n, status, status == KZ_NS_SENT ? kz_now_ms() : 0, error))
        return -1;
    return status == KZ_NS_SENT;
}

long kz_svc_outbox_deliver(kz_call *c)
{
    if (!c->node->mail.url[0])
        return 0;
    kz_time now = kz_now_ms();
    int64_t max_attempts = kz_setting_int(c, "mail.max_attempts");
    int64_t retry_ms = kz_setting_int(c, "mail.retry_seconds") * 1000;
    int64_t max_age_ms = kz_setting_int(c, "mail.max_age_hours") * 3600 * 1000;
    kz_notice *due;
    size_t n;
    if (kz_store_notices_due(c->db, now, BATCH, c->arena, &due, &n, c->err))
        return -1;
    long sent = 0;
    for (size_t i = 0; i < n; i++) {
        int r;
        if (now - due[i].created > max_age_ms) {
            char why[96];
            snprintf(why, sizeof why, "not delivered within %lld hours", (long long)(max_age_ms / 3600000));
            r = settle(c, &due[i], KZ_NS_EXPIRED, 0, why) ? -1 : 0;
        } else {
            r = attempt(c, &due[i], now, max_attempts, retry_ms);
        }
        if (r < 0)
            return -1;
        sent += r;
    }
    return sent;
}
