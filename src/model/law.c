/* The norms table (reference data, shipped as text: UN A/70/174 para. 13, the short
 * titles ours), and the document vocabularies and field table of the policy library. */
#include "model/law.h"

#include "model/taxonomy.h"
#include "model/validate.h"

#include <stddef.h>
#include <string.h>

const char *const kz_norm_source = "A/70/174";
const char *const kz_norm_guidance = "A/76/135";
const char *const kz_norm_guidance_title =
    "Report of the Group of Governmental Experts on Advancing Responsible State Behaviour in "
    "Cyberspace in the Context of International Security (2021)";

static const kz_norm norms[] = {
    {"a", "Cooperate for stability and security", "安定と安全のための協力",
     "Consistent with the purposes of the United Nations, including to maintain international peace and security, States should cooperate in developing and applying measures to increase stability and security in the use of ICTs and to prevent ICT practices that are acknowledged to be harmful or that may pose threats to international peace and security;"},
    {"b", "Consider all relevant information in incidents", "インシデントにおける関連情報の考慮",
     "In case of ICT incidents, States should consider all relevant information, including the larger context of the event, the challenges of attribution in the ICT environment and the nature and extent of the consequences;"},
    {"c", "Do not allow territory to be used for wrongful acts", "領域の不正使用を許さない",
     "States should not knowingly allow their territory to be used for internationally wrongful acts using ICTs;"},
    {"d", "Cooperate against criminal and terrorist use", "犯罪・テロ利用への協力",
     "States should consider how best to cooperate to exchange information, assist each other, prosecute terrorist and criminal use of ICTs and implement other cooperative measures to address such threats. States may need to consider whether new measures need to be developed in this respect;"},
    {"e", "Respect human rights and privacy", "人権とプライバシーの尊重",
     "States, in ensuring the secure use of ICTs, should respect Human Rights Council resolutions 20/8 and 26/13 on the promotion, protection and enjoyment of human rights on the Internet, as well as General Assembly resolutions 68/167 and 69/166 on the right to privacy in the digital age, to guarantee full respect for human rights, including the right to freedom of expression;"},
    {"f", "Do not damage critical infrastructure", "重要インフラを損なわない",
     "A State should not conduct or knowingly support ICT activity contrary to its obligations under international law that intentionally damages critical infrastructure or otherwise impairs the use and operation of critical infrastructure to provide services to the public;"},
    {"g", "Protect critical infrastructure", "重要インフラの保護",
     "States should take appropriate measures to protect their critical infrastructure from ICT threats, taking into account General Assembly resolution 58/199 on the creation of a global culture of cybersecurity and the protection of critical information infrastructures, and other relevant resolutions;"},
    {"h", "Respond to requests for assistance and mitigation", "支援・緩和要請への対応",
     "States should respond to appropriate requests for assistance by another State whose critical infrastructure is subject to malicious ICT acts. States should also respond to appropriate requests to mitigate malicious ICT activity aimed at the critical infrastructure of another State emanating from their territory, taking into account due regard for sovereignty;"},
    {"i", "Ensure supply-chain integrity", "サプライチェーンの完全性",
     "States should take reasonable steps to ensure the integrity of the supply chain so that end users can have confidence in the security of ICT products. States should seek to prevent the proliferation of malicious ICT tools and techniques and the use of harmful hidden functions;"},
    {"j", "Report vulnerabilities responsibly", "脆弱性の責任ある報告",
     "States should encourage responsible reporting of ICT vulnerabilities and share associated information on available remedies to such vulnerabilities to limit and possibly eliminate potential threats to ICTs and ICT-dependent infrastructure;"},
    {"k", "Do not harm emergency response teams", "緊急対応チームを害さない",
     "States should not conduct or knowingly support activity to harm the information systems of the authorized emergency response teams (sometimes known as computer emergency response teams or cybersecurity incident response teams) of another State. A State should not use authorized emergency response teams to engage in malicious international activity."},
};

const kz_norm *kz_norms(size_t *n)
{
    *n = sizeof norms / sizeof *norms;
    return norms;
}

const kz_norm *kz_norm_find(const char *letter)
{
    for (size_t i = 0; letter && i < sizeof norms / sizeof *norms; i++)
        if (strcmp(norms[i].letter, letter) == 0)
            return &norms[i];
    return NULL;
}

kz_rc kz_valid_norm_letter(const char *v, const char *field, kz_err *err)
{
    if (kz_norm_find(v))
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field, "'%.16s' is not a norm of A/70/174 (a to k)", v);
}

#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_doc_type_enum, "document type", "strategy", "law", "regulation", "policy",
        "position-international-law", "un-submission", "cbm-report", "national-survey");
KZ_ENUM(kz_doc_status_enum, "document status", "draft", "in-progress", "in-force", "amended",
        "superseded", "repealed");
KZ_ENUM(kz_doc_translation_enum, "translation status", "original", "official", "unofficial");
KZ_ENUM(kz_doc_provenance_enum, "provenance", "compiled", "submitted");
/* The five pillars of the ITU Global Cybersecurity Index, then the four parts of the
 * UNIDIR national survey of implementation. */
KZ_ENUM(kz_doc_topic_enum, "topic", "legal", "technical", "organizational", "capacity-development",
        "cooperation", "international-law", "norms", "cbms", "capacity-building");

/* Intergovernmental organizations that issue documents, beside the states. */
static const char *const issuers[] = {"EU", "UN", "NATO", "OSCE", "ASEAN", "AU", "OAS", "COE", "G7", "ARF"};

kz_rc kz_valid_doc_issuer(const char *v, const char *field, kz_err *err)
{
    for (size_t i = 0; i < sizeof issuers / sizeof *issuers; i++)
        if (strcmp(v, issuers[i]) == 0)
            return KZ_OK;
    if (kz_valid_country(v, field, NULL) == KZ_OK)
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field,
                   "'%.16s' is neither an ISO 3166-1 alpha-2 code nor one of EU, UN, NATO, OSCE, ASEAN, AU, "
                   "OAS, COE, G7, ARF", v);
}

static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

kz_rc kz_valid_date(const char *v, const char *field, kz_err *err)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = -1, m = -1, d = -1;
    if (strlen(v) == 10 && v[4] == '-' && v[7] == '-') {
        y = digits(v, 4);
        m = digits(v + 5, 2);
        d = digits(v + 8, 2);
    }
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if (y < 1800 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return kz_fail(err, KZ_EINVAL, field, "'%.16s' is not a date YYYY-MM-DD", v);
    return KZ_OK;
}

kz_rc kz_valid_year(const char *v, const char *field, kz_err *err)
{
    int y = strlen(v) == 4 ? digits(v, 4) : -1;
    return y >= 1990 && y <= 2999 ? KZ_OK : kz_fail(err, KZ_EINVAL, field, "'%.16s' is not a year YYYY", v);
}

static kz_rc check_slug(const char *v, const char *field, kz_err *err)
{
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return kz_fail(err, KZ_EINVAL, field, "'%.32s' is not an identifier (a-z, 0-9, -)", v);
    return *v ? KZ_OK : kz_fail(err, KZ_EINVAL, field, "an identifier may not be empty");
}

kz_rc kz_valid_doc_topic(const char *v, const char *field, kz_err *err)
{
    if (kz_enum_parse(&kz_doc_topic_enum, v) >= 0)
        return KZ_OK;
    char list[256];
    kz_enum_list(&kz_doc_topic_enum, list, sizeof list);
    return kz_fail(err, KZ_EINVAL, field, "'%.32s' is not a topic; use %s", v, list);
}

#define F(nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(kz_document, nm), fl, mx, en, ck}
#define RO KZ_FF_READONLY

/* The order is the column order of the documents table. */
static const kz_field document_fields[] = {
    F(id, KZ_FT_STR, RO, 36, NULL, NULL),
    F(version, KZ_FT_INT, RO, INT32_MAX, NULL, NULL),
    F(created, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(modified, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(organization, KZ_FT_STR, RO, 36, NULL, NULL),
    F(state, KZ_FT_STR, KZ_FF_REQUIRED, 8, NULL, kz_valid_doc_issuer),
    F(issuing_body, KZ_FT_STR, 0, 300, NULL, NULL),
    F(type, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_doc_type_enum, NULL),
    F(title, KZ_FT_STR, KZ_FF_REQUIRED, 500, NULL, NULL),
    F(title_en, KZ_FT_STR, 0, 500, NULL, NULL),
    F(summary, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(languages, KZ_FT_STRLIST, 0, 20, NULL, kz_valid_language),
    F(translation, KZ_FT_ENUM, 0, 0, &kz_doc_translation_enum, NULL),
    F(status, KZ_FT_ENUM, 0, 0, &kz_doc_status_enum, NULL),
    F(adopted, KZ_FT_STR, 0, 10, NULL, kz_valid_date),
    F(in_force, KZ_FT_STR, 0, 10, NULL, kz_valid_date),
    F(review_due, KZ_FT_STR, 0, 10, NULL, kz_valid_date),
    F(source_url, KZ_FT_STR, 0, 2000, NULL, kz_valid_web_url),
    F(citation, KZ_FT_STR, 0, 300, NULL, NULL),
    F(topics, KZ_FT_STRLIST, 0, 20, NULL, kz_valid_doc_topic),
    F(norms, KZ_FT_STRLIST, 0, 11, NULL, kz_valid_norm_letter),
    F(cbms, KZ_FT_STRLIST, 0, 50, NULL, check_slug),
    F(sectors, KZ_FT_STRLIST, 0, 30, NULL, kz_valid_nis2_sector),
    F(amends, KZ_FT_STRLIST, 0, 50, NULL, kz_valid_uuid),
    F(supersedes, KZ_FT_STRLIST, 0, 50, NULL, kz_valid_uuid),
    F(implements, KZ_FT_STRLIST, 0, 50, NULL, kz_valid_uuid),
    F(provenance, KZ_FT_ENUM, 0, 0, &kz_doc_provenance_enum, NULL),
    F(text, KZ_FT_TEXT, 0, KZ_DOC_TEXT_MAX, NULL, NULL),
    F(file_name, KZ_FT_STR, RO, 255, NULL, NULL),
    F(file_type, KZ_FT_STR, RO, 127, NULL, NULL),
    F(file_size, KZ_FT_INT, RO, KZ_DOC_FILE_MAX, NULL, NULL),
    F(sha256, KZ_FT_STR, RO, 64, NULL, NULL),
    F(hash, KZ_FT_STR, RO, 64, NULL, NULL),
    F(tlp, KZ_FT_ENUM, 0, 0, &kz_tlp_enum, NULL),
    F(recipients, KZ_FT_STRLIST, 0, 256, NULL, kz_valid_uuid),
    F(allow_clients, KZ_FT_BOOL, 0, 0, NULL, NULL),
};
const kz_schema kz_document_schema = {"document", document_fields, sizeof document_fields / sizeof *document_fields};

void kz_document_defaults(kz_document *o)
{
    o->tlp = KZ_TLP_CLEAR;
    o->status = KZ_DOC_IN_FORCE;
    o->translation = 0;
    o->provenance = 0;
}

#define S(nm, ty, fl, mx, ck) {#nm, ty, offsetof(kz_survey, nm), fl, mx, NULL, ck}
#define ANSWER(nm) S(nm, KZ_FT_TEXT, 0, 20000, NULL)

/* The order is the column order of the surveys table. */
static const kz_field survey_fields[] = {
    S(id, KZ_FT_STR, RO, 36, NULL),
    S(version, KZ_FT_INT, RO, INT32_MAX, NULL),
    S(created, KZ_FT_TIME, RO, 0, NULL),
    S(modified, KZ_FT_TIME, RO, 0, NULL),
    S(organization, KZ_FT_STR, RO, 36, NULL),
    S(state, KZ_FT_STR, 0, 8, kz_valid_doc_issuer),
    S(period, KZ_FT_STR, 0, 4, kz_valid_year),
    ANSWER(international_law),
    ANSWER(norm_a), ANSWER(norm_b), ANSWER(norm_c), ANSWER(norm_d), ANSWER(norm_e), ANSWER(norm_f),
    ANSWER(norm_g), ANSWER(norm_h), ANSWER(norm_i), ANSWER(norm_j), ANSWER(norm_k),
    ANSWER(cbms),
    ANSWER(capacity_building),
    S(document, KZ_FT_STR, RO, 36, NULL),
};
const kz_schema kz_survey_schema = {"survey", survey_fields, sizeof survey_fields / sizeof *survey_fields};

const char *kz_survey_norm(const kz_survey *s, const char *letter)
{
    char name[8] = "norm_";
    if (!kz_norm_find(letter))
        return NULL;
    name[5] = letter[0];
    name[6] = '\0';
    int f = kz_schema_find(&kz_survey_schema, name);
    return f < 0 ? NULL : *(char *const *)KZ_FIELD_PTR(s, &kz_survey_schema.fields[f]);
}
