/* kizuna route --db: one draft mitigation request (norm c) per responsible state,
 * addressed to that state's CSIRT or technical point of contact from the directory,
 * with the state's addresses and their event counts attached. The drafts go through
 * the requests workflow (kz_svc_request_create): they are checked, signed, audited and
 * wait in the sender's outbox for a person to review and send. */
#include "service/routing/route.h"

#include "codec/routing/ip.h"
#include "model/states.h"
#include "service/requests/requests.h"
#include "service/core/notify.h"
#include "service/core/settings.h"
#include "store/directory/directory.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SOURCES_MAX = 10000 };  /* the request's sources field holds at most this many */

/* One distinct address of a state, as text, with its events. */
typedef struct state_addr {
    const char *text;
    uint32_t asn;
    const char *org;
    uint64_t events;
} state_addr;

static int by_addr_events(const void *a, const void *b)
{
    const state_addr *x = a, *y = b;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* The distinct addresses of t routed to country cc, most events first, in c's arena. */
static kz_rc state_addresses(kz_call *c, kz_tally *t, const char *cc, state_addr **items, size_t *n)
{
    kz_tally_addr *v;
    kz_rc rc = kz_tally_addresses(t, cc, c->arena, &v, n);
    state_addr *out = rc ? NULL : kz_arena_calloc(c->arena, *n + 1, sizeof *out);
    if (!rc && !out)
        rc = KZ_ENOMEM;
    for (size_t i = 0; !rc && i < *n; i++) {
        char text[64];
        out[i] = (state_addr){kz_arena_strdup(c->arena, kz_ip_format(&v[i].ip, text, sizeof text)), v[i].asn,
                              v[i].org, v[i].events};
        if (!out[i].text)
            rc = KZ_ENOMEM;
    }
    if (rc)
        return rc;
    qsort(out, *n, sizeof *out, by_addr_events);
    *items = out;
    return KZ_OK;
}

/* The state's CSIRT contact, else its technical one. NULL (no error) when it has none. */
static kz_rc find_contact(kz_call *c, const char *cc, kz_contact **out)
{
    static const char *const roles[] = {"csirt", "technical"};
    *out = NULL;
    for (size_t i = 0; i < 2 && !*out; i++) {
        kz_contact *items = NULL;
        size_t n = 0;
        kz_err e;
        kz_rc rc = kz_store_contacts_by_role(c->db, cc, roles[i], NULL, NULL, 1, c->arena, &items, &n, &e);
        if (rc)
            return kz_fail(c->err, rc, NULL, "%s", e.msg);
        if (n)
            *out = &items[0];
    }
    return KZ_OK;
}

static void csv_field(kz_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        kz_buf_puts(b, s);
        return;
    }
    kz_buf_puts(b, "\"");
    for (; *s; s++)
        kz_buf_puts(b, *s == '"' ? "\"\"" : (char[2]){*s, '\0'});
    kz_buf_puts(b, "\"");
}

/* The attachment: address,asn,as_org,events for every address, most events first, cut
 * at max bytes. *rows receives how many addresses it holds. */
static kz_rc attachment(kz_call *c, const state_addr *v, size_t n, size_t max, kz_buf *b, size_t *rows)
{
    kz_buf_init(b, max);
    kz_rc rc = kz_buf_puts(b, "address,asn,as_org,events\n");
    *rows = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t before = b->len;
        char num[32];
        kz_buf line;
        kz_buf_init(&line, 4096);
        kz_buf_printf(&line, "%s,", v[i].text);
        if (v[i].asn)
            kz_buf_printf(&line, "%u", v[i].asn);
        kz_buf_puts(&line, ",");
        csv_field(&line, v[i].asn ? v[i].org : "");
        snprintf(num, sizeof num, ",%llu\n", (unsigned long long)v[i].events);
        rc = kz_buf_puts(&line, num);
        if (!rc)
            rc = kz_buf_append(b, line.p, line.len);
        kz_buf_free(&line);
        if (rc == KZ_ETOOBIG) {
            b->len = before;
            rc = KZ_OK;
            break;
        }
        ++*rows;
    }
    (void)c;
    return rc;
}

static const char *when(kz_call *c, kz_time t)
{
    char buf[32];
    return kz_arena_strdup(c->arena, kz_time_format(t, buf, sizeof buf));
}

/* The request for one state. */
static kz_rc notify_state(kz_call *c, kz_tally *t, const kz_tally_country *k,
                          const kz_route_notify *o, const kz_contact *to, kz_route_notice *out)
{
    state_addr *addrs;
    size_t naddrs;
    kz_rc rc = state_addresses(c, t, k->cc, &addrs, &naddrs);
    if (rc)
        return kz_fail(c->err, rc, NULL, "out of memory");

    kz_request q;
    memset(&q, 0, sizeof q);
    q.kind = KZ_REQ_MITIGATION;
    q.to_organization = to->organization;
    q.to_contact = to->id;
    q.urgency = o->urgency;
    q.tlp = o->tlp;
    kz_arena *a = c->arena;
    q.subject = kz_arena_printf(a, "Malicious activity from networks in %s: %s from %s", k->name,
                                kz_notify_count(a, k->events, "event", "events"),
                                kz_notify_count(a, k->addresses, "address", "addresses"));
    if (q.subject && strlen(q.subject) > 200)
        q.subject[200] = '\0';
    q.activity = (char *)o->activity;
    q.window_start = k->first ? k->first : kz_now_ms();
    q.window_end = k->last > k->first ? k->last : 0;
    q.action_requested = o->actions;

    /* sources: the ASNs, then the addresses with the most events */
    size_t cap = k->nasns + naddrs;
    if (cap > SOURCES_MAX)
        cap = SOURCES_MAX;
    q.sources.v = kz_arena_calloc(c->arena, cap ? cap : 1, sizeof *q.sources.v);
    if (!q.sources.v)
        return kz_fail(c->err, KZ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < k->nasns && q.sources.n < cap; i++)
        if (k->asns[i].asn)
            q.sources.v[q.sources.n++] = kz_arena_printf(c->arena, "AS%u", k->asns[i].asn);
    size_t listed = 0;
    for (; listed < naddrs && q.sources.n < cap; listed++)
        q.sources.v[q.sources.n++] = (char *)addrs[listed].text;

    kz_buf csv;
    size_t rows;
    int64_t max = kz_setting_int(c, "requests.attachment_max_bytes");
    if ((rc = attachment(c, addrs, naddrs, (size_t)max, &csv, &rows))) {
        kz_buf_free(&csv);
        return kz_fail(c->err, rc, NULL, "out of memory");
    }

    kz_buf d;
    kz_buf_init(&d, 19000);
    kz_buf_printf(&d, "Our monitoring shows malicious activity coming from networks registered in %s", k->name);
    if (k->first)
        kz_buf_printf(&d, ", observed from %s to %s", when(c, k->first), when(c, k->last));
    kz_buf_printf(&d, ": %s from %s in %s.\n\nActivity: %s\n\n%s\n", kz_notify_count(a, k->events, "event", "events"),
                  kz_notify_count(a, k->addresses, "distinct address", "distinct addresses"),
                  kz_notify_count(a, k->nasns, "network", "networks"), o->activity,
                  k->nasns == 1 ? "The network:" : "The networks with the most events:");
    for (size_t i = 0; i < k->nasns && i < 10; i++)
        kz_buf_printf(&d, "- AS%u %s: %s from %s\n", k->asns[i].asn, k->asns[i].org,
                      kz_notify_count(a, k->asns[i].events, "event", "events"),
                      kz_notify_count(a, k->asns[i].addresses, "address", "addresses"));
    const char *listed_what = rows < naddrs ? kz_arena_printf(a, "%zu of the %s with their event counts (the busiest "
                                                                 "ones; the rest did not fit)", rows,
                                                              kz_notify_count(a, naddrs, "address", "addresses"))
                              : naddrs == 1 ? "the address with its event count"
                                            : kz_arena_printf(a, "all %zu addresses with their event counts", naddrs);
    kz_buf_printf(&d, "\nThe attached file lists %s. "
                      "We ask your help, under norm (c) of the UN framework of responsible state "
                      "behaviour, to have this activity stopped.\n\nRouting: %s.\n",
                  listed_what ? listed_what : "the addresses", o->attribution);
    q.description = kz_arena_strndup(c->arena, d.p ? d.p : "", d.len);
    kz_buf_free(&d);
    q.evidence = kz_arena_printf(c->arena, "Counted by kizuna route from %s; %s with event counts attached.",
                                 o->inputs, kz_notify_count(a, rows, "address", "addresses"));

    kz_attachment att = {
        .name = kz_arena_printf(c->arena, "events-%s.csv", k->cc),
        .media_type = (char *)"text/csv",
        .size = (int64_t)csv.len,
        .data = (const unsigned char *)csv.p,
    };
    kz_request_post post = {.message = NULL, .attachments = &att, .n_attachments = 1};
    if (!q.subject || !q.description || !q.evidence || !att.name)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, "out of memory");
    else
        rc = kz_svc_request_create(c, &q, &post);
    kz_buf_free(&csv);
    if (!rc)
        out->request_id = q.id;
    return rc;
}

kz_rc kz_svc_route_notify(kz_call *c, kz_tally *t, const kz_tally_summary *s, const kz_route_notify *o,
                          kz_route_notice **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc)
        return rc;
    kz_org own;
    kz_err e;
    if ((rc = kz_store_org_get(c->db, c->who.org, c->arena, &own, &e)))
        return kz_fail(c->err, rc, NULL, "%s", e.msg);
    kz_route_notice *v = kz_arena_calloc(c->arena, s->ncountries + 1, sizeof *v);
    if (!v)
        return kz_fail(c->err, KZ_ENOMEM, NULL, "out of memory");
    /* First find every addressee, so that a directory problem stops before any draft. */
    kz_contact **to = kz_arena_calloc(c->arena, s->ncountries + 1, sizeof *to);
    if (!to)
        return kz_fail(c->err, KZ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < s->ncountries && !rc; i++) {
        const kz_tally_country *k = &s->countries[i];
        kz_route_notice *x = &v[*n];
        if (!k->cc[0] || k->events < o->min_events)
            continue;
        memcpy(x->cc, k->cc, sizeof x->cc);
        x->state_name = k->name;
        x->events = k->events;
        x->addresses = k->addresses;
        (*n)++;
        if (own.state && strcmp(own.state, k->cc) == 0) {
            x->skipped = "the node's own state: handle it domestically";
            continue;
        }
        if ((rc = find_contact(c, k->cc, &to[i])))
            break;
        if (!to[i]) {
            x->skipped = "no CSIRT or technical point of contact for this state in the directory";
            continue;
        }
        x->contact_name = to[i]->full_name;
        x->contact_role = kz_enum_name(&kz_contact_role_enum, to[i]->role);
        x->organization = to[i]->organization;
    }
    for (size_t i = 0, j = 0; !rc && i < s->ncountries; i++) {
        const kz_tally_country *k = &s->countries[i];
        if (!k->cc[0] || k->events < o->min_events)
            continue;
        kz_route_notice *x = &v[j++];
        if (!x->skipped)
            rc = notify_state(c, t, k, o, to[i], x);
    }
    *out = v;
    return rc;
}
