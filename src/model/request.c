/* The request tables: vocabularies, the field table, the per-kind templates, the norms
 * a request may invoke and the transition table of the workflow. */
#include "model/request.h"

#include "model/taxonomy.h"
#include "model/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_request_kind_enum, "request kind", "assistance", "mitigation", "preservation", "information");
KZ_ENUM(kz_urgency_enum, "urgency", "critical", "high", "normal", "low");
KZ_ENUM(kz_request_status_enum, "request status", "draft", "sent", "acknowledged", "in-progress",
        "answered", "closed", "declined", "withdrawn");
KZ_ENUM(kz_request_move_enum, "move", "send", "acknowledge", "start", "answer", "decline", "withdraw",
        "close");
KZ_ENUM(kz_request_side_enum, "side", "sender", "recipient", "none");
KZ_ENUM(kz_state_responsibility_enum, "state-responsibility assessment", "state-prohibited",
        "state-prohibited-but-inadequate", "state-ignored", "state-encouraged", "state-shaped",
        "state-coordinated", "state-ordered", "state-rogue-conducted", "state-executed",
        "state-integrated");
KZ_ENUM(kz_assistance_enum, "kind of assistance", "technical-analysis", "indicators",
        "takedown", "blocking", "investigation", "information", "expert-support");
KZ_ENUM(kz_mitigation_action_enum, "mitigation action", "stop", "block", "sinkhole",
        "notify-network-owner", "preserve-evidence");

/* ---- field checks ------------------------------------------------------------------ */

static kz_rc in_enum(const kz_enum *e, const char *v, const char *field, kz_err *err)
{
    if (kz_enum_parse(e, v) >= 0)
        return KZ_OK;
    char list[512];
    kz_enum_list(e, list, sizeof list);
    return kz_fail(err, KZ_EINVAL, field, "'%.64s' is not a %s; use %s", v, e->name, list);
}

#define ENUM_CHECK(fn, e)                                                                  \
    static kz_rc fn(const char *v, const char *field, kz_err *err) { return in_enum(&e, v, field, err); }
ENUM_CHECK(check_responsibility, kz_state_responsibility_enum)
ENUM_CHECK(check_assistance, kz_assistance_enum)
ENUM_CHECK(check_action, kz_mitigation_action_enum)

/* A source of malicious activity: an IPv4 or IPv6 address, a CIDR network, an AS
 * number ("AS64500") or a domain name. */
static kz_rc check_source(const char *v, const char *field, kz_err *err)
{
    unsigned char buf[16];
    char addr[64];
    const char *slash = strchr(v, '/');
    size_t alen = slash ? (size_t)(slash - v) : strlen(v);
    if (alen < sizeof addr) {
        memcpy(addr, v, alen);
        addr[alen] = '\0';
        int family = inet_pton(AF_INET, addr, buf) == 1 ? 4 : inet_pton(AF_INET6, addr, buf) == 1 ? 6 : 0;
        if (family && !slash)
            return KZ_OK;
        if (family && slash) {
            char *end;
            errno = 0;
            long len = strtol(slash + 1, &end, 10);
            if (!errno && *end == '\0' && end != slash + 1 && isdigit((unsigned char)slash[1]) &&
                len >= 0 && len <= (family == 4 ? 32 : 128))
                return KZ_OK;
            return kz_fail(err, KZ_EINVAL, field, "'%.64s' has a bad prefix length", v);
        }
    }
    if ((v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's') && isdigit((unsigned char)v[2])) {
        char *end;
        errno = 0;
        unsigned long asn = strtoul(v + 2, &end, 10);
        if (!errno && *end == '\0' && asn <= 4294967295UL)
            return KZ_OK;
    }
    if (!slash && kz_valid_hostname(v, field, NULL) == KZ_OK)
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field,
                   "'%.64s' is not an IP address, CIDR network, AS number (AS64500) or domain", v);
}

/* ---- the field table ----------------------------------------------------------------- */

#define F(nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(kz_request, nm), fl, mx, en, ck}
#define RO KZ_FF_READONLY

/* Content first (kz_request_content_schema is this prefix), then workflow state. The
 * order is the column order of the requests table: add new fields at the end of
 * their block and to the migration. */
static const kz_field request_fields[] = {
    F(id, KZ_FT_STR, RO, 36, NULL, NULL),
    F(created, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kind, KZ_FT_ENUM, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 0, &kz_request_kind_enum, NULL),
    F(from_organization, KZ_FT_STR, RO, 36, NULL, NULL),
    F(from_state, KZ_FT_STR, RO, 2, NULL, NULL),
    F(from_contact, KZ_FT_STR, 0, 36, NULL, kz_valid_uuid),
    F(to_organization, KZ_FT_STR, KZ_FF_REQUIRED, 36, NULL, kz_valid_uuid),
    F(to_state, KZ_FT_STR, RO, 2, NULL, NULL),
    F(to_contact, KZ_FT_STR, 0, 36, NULL, kz_valid_uuid),
    F(urgency, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_urgency_enum, NULL),
    F(tlp, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_tlp_enum, NULL),
    F(subject, KZ_FT_STR, KZ_FF_REQUIRED, 200, NULL, NULL),
    F(description, KZ_FT_TEXT, KZ_FF_REQUIRED, 20000, NULL, NULL),
    F(norm, KZ_FT_STR, 0, 32, NULL, kz_valid_norm),
    F(incidents, KZ_FT_STRLIST, KZ_FF_NOSTORE, 100, NULL, kz_valid_uuid),
    F(indicators, KZ_FT_STRLIST, KZ_FF_NOSTORE, 1000, NULL, kz_valid_uuid),
    F(sector, KZ_FT_STR, 0, 64, NULL, kz_valid_nis2_sector),
    F(incident_class, KZ_FT_STR, 0, 64, NULL, kz_valid_rsit_class),
    F(impact, KZ_FT_TEXT, 0, 4000, NULL, NULL),
    F(assistance_requested, KZ_FT_STRLIST, 0, 7, NULL, check_assistance),
    F(actions_taken, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(window_start, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(window_end, KZ_FT_TIME, 0, 0, NULL, NULL),
    F(activity, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(sources, KZ_FT_STRLIST, 0, 10000, NULL, check_source),
    F(evidence, KZ_FT_TEXT, 0, 20000, NULL, NULL),
    F(action_requested, KZ_FT_STRLIST, 0, 5, NULL, check_action),
    F(responsibility, KZ_FT_STR, 0, 64, NULL, check_responsibility),
    F(share_responsibility, KZ_FT_BOOL, 0, 0, NULL, NULL),
    F(authority, KZ_FT_STR, 0, 300, NULL, NULL),
    F(offence, KZ_FT_STR, 0, 300, NULL, NULL),
    F(facts, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(stored_data, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(data_relevance, KZ_FT_TEXT, 0, 4000, NULL, NULL),
    F(custodian, KZ_FT_TEXT, 0, 4000, NULL, NULL),
    F(necessity, KZ_FT_TEXT, 0, 4000, NULL, NULL),
    F(mla_intent, KZ_FT_BOOL, 0, 0, NULL, NULL),
    F(preservation_days, KZ_FT_INT, 0, KZ_PRESERVATION_MAX_DAYS, NULL, NULL),
    F(questions, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    /* workflow */
    F(modified, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(status, KZ_FT_ENUM, RO, 0, &kz_request_status_enum, NULL),
    F(sent_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(responded_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(acknowledged_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(answered_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(closed_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(ack_due, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(answer_due, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(preserve_until, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(escalation_level, KZ_FT_INT, RO, 0, NULL, NULL),
    F(escalation_role, KZ_FT_STR, RO, 32, NULL, NULL),
    F(entries, KZ_FT_INT, RO, 0, NULL, NULL),
    F(head_hash, KZ_FT_STR, RO, 64, NULL, NULL),
    F(exercise, KZ_FT_STR, RO, 36, NULL, NULL),
    F(overdue, KZ_FT_BOOL, RO | KZ_FF_NOSTORE, 0, NULL, NULL),
};
enum { N_FIELDS = sizeof request_fields / sizeof *request_fields, N_CONTENT = 39 };
_Static_assert(N_FIELDS <= 64, "a schema has at most 64 fields (kz_fieldset)");

const kz_schema kz_request_schema = {"request", request_fields, N_FIELDS};
const kz_schema kz_request_content_schema = {"request", request_fields, N_CONTENT};

bool kz_request_is_overdue(const kz_request *r, kz_time now)
{
    if (r->status == KZ_RS_SENT && r->ack_due && now > r->ack_due)
        return true;
    bool open = r->status == KZ_RS_SENT || r->status == KZ_RS_ACKNOWLEDGED || r->status == KZ_RS_IN_PROGRESS;
    return open && r->answer_due && now > r->answer_due;
}

/* ---- templates ----------------------------------------------------------------------- */

#define T(nm, req, vals, help) {#nm, req, vals, NULL, help}
#define TV(nm, req, vocab, help) {#nm, req, NULL, vocab, help}

static const kz_template_field common_fields[] = {
    T(kind, true, &kz_request_kind_enum, "assistance, mitigation, preservation or information"),
    T(to_organization, true, NULL, "the organization asked (an id from the directory)"),
    T(to_contact, false, NULL, "the point of contact addressed; without it the recipient's contacts are chosen by the escalation order"),
    T(from_contact, false, NULL, "the sender's point of contact for this request (a contact of the caller's organization)"),
    T(urgency, true, &kz_urgency_enum, "sets the acknowledgement and answer deadlines (node settings)"),
    T(tlp, true, &kz_tlp_enum, "TLP 2.0 label of the request and its thread"),
    T(subject, true, NULL, "one line"),
    T(description, true, NULL, "what happened and what is asked, in full"),
    T(norm, false, NULL, "the norm or legal basis invoked; defaults to the kind's basis"),
    T(incidents, false, NULL, "ids of shared incidents this request concerns"),
    T(indicators, false, NULL, "ids of shared indicators this request concerns"),
};

static const kz_template_field assistance_fields[] = {
    TV(sector, true, &kz_nis2_sectors, "the critical-infrastructure sector under attack (NIS2 sector list)"),
    TV(incident_class, true, &kz_rsit_classes, "incident classification (RSIT class)"),
    T(impact, true, NULL, "current impact: services stopped, people affected"),
    T(assistance_requested, true, &kz_assistance_enum, "what is asked, one or more"),
    T(actions_taken, false, NULL, "what has been done so far"),
    T(window_start, false, NULL, "start of the malicious activity (RFC 3339)"),
    T(window_end, false, NULL, "end of the malicious activity, if it has ended"),
};

static const kz_template_field mitigation_fields[] = {
    T(activity, true, NULL, "the observed malicious activity"),
    T(window_start, true, NULL, "when the activity was first observed (RFC 3339)"),
    T(window_end, false, NULL, "when it was last observed"),
    T(sources, true, NULL, "addresses, networks (CIDR), AS numbers (AS64500) and domains in the recipient's territory"),
    T(evidence, false, NULL, "logs and sightings that show the activity"),
    T(action_requested, true, &kz_mitigation_action_enum, "the action asked, one or more"),
    TV(sector, false, &kz_nis2_sectors, "the sector affected, if critical infrastructure is hit"),
    T(responsibility, false, &kz_state_responsibility_enum, "the sender's state-responsibility assessment; kept with the sender unless share_responsibility is true"),
    T(share_responsibility, false, NULL, "true to show the assessment to the recipient"),
};

static const kz_template_field preservation_fields[] = {
    T(authority, true, NULL, "Art. 29(2)(a): the authority seeking the preservation"),
    T(offence, true, NULL, "Art. 29(2)(b): the offence under investigation"),
    T(facts, true, NULL, "Art. 29(2)(b): a brief summary of the related facts"),
    T(stored_data, true, NULL, "Art. 29(2)(c): the stored computer data to be preserved"),
    T(data_relevance, true, NULL, "Art. 29(2)(c): its relationship to the offence"),
    T(custodian, true, NULL, "Art. 29(2)(d): available information identifying the custodian of the data or the location of the computer system"),
    T(necessity, true, NULL, "Art. 29(2)(e): the necessity of the preservation"),
    T(mla_intent, true, NULL, "Art. 29(2)(f): must be true: the requesting party intends to submit a request for mutual assistance for the search, seizure or disclosure of the data"),
    T(preservation_days, false, NULL, "days to preserve, at least 60 (Art. 29(7)); default 60"),
};

static const kz_template_field information_fields[] = {
    T(questions, true, NULL, "the information asked for"),
};

#define TEMPLATE(k, title, basis, norm, help, fields) {k, title, basis, norm, help, fields, sizeof fields / sizeof *fields}

const kz_request_template kz_request_common = TEMPLATE(
    -1, "Fields of every request", NULL, NULL,
    "Every kind takes these, plus its own fields.", common_fields);

const kz_request_template kz_request_templates[KZ_REQ_KIND_COUNT] = {
    [KZ_REQ_ASSISTANCE] = TEMPLATE(
        KZ_REQ_ASSISTANCE, "Request for assistance",
        "UN GGE 2015 norm (h): respond to appropriate requests for assistance by a state whose critical infrastructure is subject to malicious ICT acts",
        "h", "A state whose critical infrastructure is under attack asks another state for help.",
        assistance_fields),
    [KZ_REQ_MITIGATION] = TEMPLATE(
        KZ_REQ_MITIGATION, "Request to mitigate malicious activity",
        "UN GGE 2015 norms (c) and (h): do not knowingly allow your territory to be used for internationally wrongful acts using ICTs; respond to requests to mitigate such activity emanating from your territory",
        "c", "Asks the recipient state to act on malicious activity coming from its territory.",
        mitigation_fields),
    [KZ_REQ_PRESERVATION] = TEMPLATE(
        KZ_REQ_PRESERVATION, "Expedited preservation of stored computer data",
        "Budapest Convention Art. 29 (the 24/7 network of Art. 35)",
        "budapest-29",
        "Asks the recipient party to preserve stored data pending a mutual assistance request. All six elements of Art. 29(2) are required; preservation lasts at least 60 days; dual criminality is not required.",
        preservation_fields),
    [KZ_REQ_INFORMATION] = TEMPLATE(
        KZ_REQ_INFORMATION, "Request for information", "UN GGE 2015 norm (a) and (d): cooperation and exchange of information",
        NULL, "Asks the recipient for information.", information_fields),
};

const kz_template_field *kz_template_find(const kz_request_template *t, const char *name)
{
    for (size_t i = 0; i < t->n_fields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

/* Whether the content field f holds a value in r. */
static bool has_value(const kz_request *r, const kz_field *f)
{
    const void *p = KZ_FIELD_PTR(r, f);
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT: return *(char *const *)p != NULL;
    case KZ_FT_TIME: return *(const kz_time *)p != 0;
    case KZ_FT_STRLIST: return ((const kz_strlist *)p)->n > 0;
    case KZ_FT_INT: return *(const int64_t *)p != 0;
    case KZ_FT_BOOL: return *(const bool *)p;
    case KZ_FT_ENUM: return true;
    }
    return false;
}

kz_rc kz_request_check_template(kz_request *r, kz_err *err)
{
    if (r->kind < 0 || r->kind >= KZ_REQ_KIND_COUNT)
        return kz_fail(err, KZ_EINVAL, "kind", "kind is required");
    const kz_request_template *t = &kz_request_templates[r->kind];
    const char *kind = kz_enum_name(&kz_request_kind_enum, r->kind);
    for (size_t i = 0; i < kz_request_content_schema.count; i++) {
        const kz_field *f = &kz_request_content_schema.fields[i];
        if (f->flags & KZ_FF_READONLY)
            continue; /* set by the server */
        bool common = kz_template_find(&kz_request_common, f->name) != NULL;
        const kz_template_field *tf = kz_template_find(t, f->name);
        if (!common && !tf && has_value(r, f))
            return kz_fail(err, KZ_EINVAL, f->name, "%s does not apply to a%s %s request", f->name,
                           strchr("aeiou", kind[0]) ? "n" : "", kind);
        if (tf && tf->required && !has_value(r, f))
            return kz_fail(err, KZ_EINVAL, f->name, "%s is required for a%s %s request: %s", f->name,
                           strchr("aeiou", kind[0]) ? "n" : "", kind, tf->help);
    }
    if (r->window_start && r->window_end && r->window_end < r->window_start)
        return kz_fail(err, KZ_EINVAL, "window_end", "window_end is before window_start");
    if (r->share_responsibility && !r->responsibility)
        return kz_fail(err, KZ_EINVAL, "share_responsibility", "there is no responsibility assessment to share");
    if (r->kind == KZ_REQ_PRESERVATION) {
        if (!r->preservation_days)
            r->preservation_days = KZ_PRESERVATION_MIN_DAYS;
        if (r->preservation_days < KZ_PRESERVATION_MIN_DAYS)
            return kz_fail(err, KZ_EINVAL, "preservation_days",
                           "preservation lasts at least %d days (Budapest Convention Art. 29(7))",
                           KZ_PRESERVATION_MIN_DAYS);
    }
    if (!r->norm && t->default_norm)
        r->norm = (char *)t->default_norm;
    return KZ_OK;
}

/* ---- norms --------------------------------------------------------------------------- */

static const kz_norm_ref norms[] = {
    {"a", "Norm (a): cooperation", "Cooperate to increase stability and security and prevent harmful ICT practices"},
    {"b", "Norm (b): consider all information", "In case of incidents, consider all relevant information: the larger context, attribution challenges, nature and extent of consequences"},
    {"c", "Norm (c): territory", "Do not knowingly allow your territory to be used for internationally wrongful acts using ICTs"},
    {"d", "Norm (d): terrorist and criminal use", "Cooperate to exchange information, assist each other, and prosecute terrorist and criminal use of ICTs"},
    {"e", "Norm (e): human rights", "Respect human rights, including the right to privacy and freedom of expression"},
    {"f", "Norm (f): critical infrastructure", "Do not conduct or knowingly support ICT activity that intentionally damages critical infrastructure"},
    {"g", "Norm (g): protect critical infrastructure", "Protect your own critical infrastructure from ICT threats"},
    {"h", "Norm (h): respond to requests", "Respond to appropriate requests for assistance by a state whose critical infrastructure is subject to malicious ICT acts, and to requests to mitigate such activity emanating from your territory"},
    {"i", "Norm (i): supply chain", "Ensure the integrity of the supply chain; prevent the proliferation of malicious ICT tools and hidden functions"},
    {"j", "Norm (j): vulnerability reporting", "Encourage responsible reporting of ICT vulnerabilities and share remedies"},
    {"k", "Norm (k): CSIRTs", "Do not harm authorized emergency response teams (CSIRTs), nor use them for malicious activity"},
    {"budapest-29", "Budapest Convention Art. 29", "Expedited preservation of stored computer data"},
    {"budapest-30", "Budapest Convention Art. 30", "Expedited disclosure of preserved traffic data"},
    {"budapest-35", "Budapest Convention Art. 35", "The 24/7 network of points of contact"},
    {"cets224-10", "Second Additional Protocol (CETS 224) Art. 10", "Emergency mutual assistance where there is a significant and imminent risk to the life or safety of a person"},
};

const kz_norm_ref *kz_norm_refs(size_t *n)
{
    *n = sizeof norms / sizeof *norms;
    return norms;
}

kz_rc kz_valid_norm(const char *v, const char *field, kz_err *err)
{
    for (size_t i = 0; i < sizeof norms / sizeof *norms; i++)
        if (strcmp(norms[i].id, v) == 0)
            return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field,
                   "'%.32s' is not a known norm or legal basis (a to k, budapest-29, budapest-30, budapest-35, cets224-10)", v);
}

/* ---- the state machine --------------------------------------------------------------- */

#define TR(f, m, t, s, msg) {KZ_RS_##f, KZ_MV_##m, KZ_RS_##t, KZ_SIDE_##s, msg}

const kz_transition kz_transitions[] = {
    TR(DRAFT, SEND, SENT, SENDER, false),
    TR(DRAFT, WITHDRAW, WITHDRAWN, SENDER, false),
    TR(SENT, ACKNOWLEDGE, ACKNOWLEDGED, RECIPIENT, false),
    TR(SENT, DECLINE, DECLINED, RECIPIENT, true),
    TR(SENT, WITHDRAW, WITHDRAWN, SENDER, false),
    TR(ACKNOWLEDGED, START, IN_PROGRESS, RECIPIENT, false),
    TR(ACKNOWLEDGED, ANSWER, ANSWERED, RECIPIENT, true),
    TR(ACKNOWLEDGED, DECLINE, DECLINED, RECIPIENT, true),
    TR(ACKNOWLEDGED, WITHDRAW, WITHDRAWN, SENDER, false),
    TR(IN_PROGRESS, ANSWER, ANSWERED, RECIPIENT, true),
    TR(IN_PROGRESS, DECLINE, DECLINED, RECIPIENT, true),
    TR(IN_PROGRESS, WITHDRAW, WITHDRAWN, SENDER, false),
    TR(ANSWERED, CLOSE, CLOSED, SENDER, false),
};
const size_t kz_transition_count = sizeof kz_transitions / sizeof *kz_transitions;

const kz_transition *kz_transition_find(int from, int move)
{
    for (size_t i = 0; i < kz_transition_count; i++)
        if (kz_transitions[i].from == from && kz_transitions[i].move == move)
            return &kz_transitions[i];
    return NULL;
}

unsigned kz_moves_allowed(int from, int side)
{
    unsigned set = 0;
    for (size_t i = 0; i < kz_transition_count; i++)
        if (kz_transitions[i].from == from && kz_transitions[i].side == side)
            set |= 1u << kz_transitions[i].move;
    return set;
}

bool kz_request_status_final(int status)
{
    return status == KZ_RS_CLOSED || status == KZ_RS_DECLINED || status == KZ_RS_WITHDRAWN;
}
