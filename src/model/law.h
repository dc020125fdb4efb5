/* The rule of law on record: the eleven norms of responsible state behaviour (UN
 * A/70/174, paragraph 13) as reference data, and the documents of the policy library
 * (laws, strategies, positions, submissions) with their field table. Plain data; the
 * use cases are service/law/. */
#ifndef KZ_MODEL_LAW_H
#define KZ_MODEL_LAW_H

#include "model/field.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdint.h>

/* One norm: letter "a".."k", the full English text of A/70/174 para. 13, short titles
 * (ours) in English and Japanese. Static storage. */
typedef struct kz_norm {
    const char *letter;
    const char *title;
    const char *title_ja;
    const char *text;
} kz_norm;

/* Where the texts come from, and the 2021 GGE report whose guidance each norm refers to. */
extern const char *const kz_norm_source;     /* "A/70/174" */
extern const char *const kz_norm_guidance;   /* "A/76/135" */
extern const char *const kz_norm_guidance_title;

/* The eleven norms in letter order; *n = 11. */
const kz_norm *kz_norms(size_t *n);
/* The norm with this letter, or NULL. */
const kz_norm *kz_norm_find(const char *letter);
/* Validator: one of the letters a to k. */
kz_rc kz_valid_norm_letter(const char *v, const char *field, kz_err *err);

typedef enum kz_doc_type {
    KZ_DOC_STRATEGY, KZ_DOC_LAW, KZ_DOC_REGULATION, KZ_DOC_POLICY, KZ_DOC_POSITION,
    KZ_DOC_UN_SUBMISSION, KZ_DOC_CBM_REPORT, KZ_DOC_NATIONAL_SURVEY
} kz_doc_type;
extern const kz_enum kz_doc_type_enum;
typedef enum kz_doc_status {
    KZ_DOC_DRAFT, KZ_DOC_IN_PROGRESS, KZ_DOC_IN_FORCE, KZ_DOC_AMENDED, KZ_DOC_SUPERSEDED, KZ_DOC_REPEALED
} kz_doc_status;
extern const kz_enum kz_doc_status_enum;
extern const kz_enum kz_doc_translation_enum;  /* original, official, unofficial */
extern const kz_enum kz_doc_provenance_enum;   /* compiled, submitted */
extern const kz_enum kz_doc_topic_enum;        /* ITU GCI pillars and the OEWG survey's parts */

enum {
    KZ_DOC_FILE_MAX = 4 * 1024 * 1024,  /* bytes of a stored copy */
    KZ_DOC_TEXT_MAX = 1000000,          /* code points of the searchable full text */
    KZ_DOC_SHORT_WORDS = 3,             /* words under three characters in one search */
};

/* One version of a document. id is the document's and stays across versions; every
 * PATCH writes version + 1 as a new row, with its own hash. */
typedef struct kz_document {
    char *id;
    int64_t version;
    kz_time created, modified;   /* created: the first version; modified: this one */
    char *organization;          /* who put it in the library: the TLP source */
    char *state;                 /* ISO 3166-1 alpha-2, or an organization's code (EU, UN, ...) */
    char *issuing_body;
    int type;                    /* kz_doc_type */
    char *title;                 /* in the original language */
    char *title_en;
    char *summary;
    kz_strlist languages;        /* ISO 639-1 */
    int translation;             /* of the English title and text */
    int status;                  /* kz_doc_status */
    char *adopted, *in_force, *review_due;   /* YYYY-MM-DD */
    char *source_url;
    char *citation;              /* legal citation or UN symbol */
    kz_strlist topics, norms, cbms, sectors;
    kz_strlist amends, supersedes, implements;   /* document ids */
    int provenance;
    char *text;                  /* full text, for search */
    char *file_name, *file_type; /* the stored copy, when there is one */
    int64_t file_size;
    char *sha256;                /* of the stored copy */
    char *hash;                  /* of this version (its fields and sha256) */
    int tlp;
    kz_strlist recipients;
    bool allow_clients;
} kz_document;
extern const kz_schema kz_document_schema;

/* The national survey of implementation (UNIDIR, after OEWG report A/75/816): a
 * state's answers in four parts, international law, the norms (one answer per norm),
 * CBMs and capacity-building; no answer is mandatory. Kept with its organization only,
 * as versions (every save is a new one, so drafts stay), until published as a TLP:CLEAR
 * document of the library. */
typedef struct kz_survey {
    char *id;
    int64_t version;
    kz_time created, modified;
    char *organization;          /* the only one that sees it */
    char *state;
    char *period;                /* the year it covers, YYYY */
    char *international_law;
    char *norm_a, *norm_b, *norm_c, *norm_d, *norm_e, *norm_f, *norm_g, *norm_h, *norm_i, *norm_j, *norm_k;
    char *cbms;
    char *capacity_building;
    char *document;              /* the library document it was published as, once it was */
} kz_survey;
extern const kz_schema kz_survey_schema;
/* The answer about norm letter (a to k), NULL when none. */
const char *kz_survey_norm(const kz_survey *s, const char *letter);

/* Defaults before a create is decoded over it: TLP:CLEAR, in force, compiled. */
void kz_document_defaults(kz_document *o);

/* Validators: a calendar date YYYY-MM-DD; a state code or an organization's code. */
kz_rc kz_valid_date(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_year(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_doc_issuer(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_doc_topic(const char *v, const char *field, kz_err *err);

#endif
