/* Public attribution statements as JSON: the content object co-signers sign (decoded,
 * checked field by field, and written canonically: sorted keys, no whitespace), the
 * export file with every version and signature and its offline verification, and the
 * published forms (JSON Feed 1.1, Atom, a STIX 2.1 bundle). */
#ifndef KZ_CODEC_STATEMENT_H
#define KZ_CODEC_STATEMENT_H

#include "model/directory.h"
#include "model/statement.h"
#include "util/arena.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kz_statement_text {
    char *lang;                 /* ISO 639-1 */
    char *text;
} kz_statement_text;

/* An indicator of the technical annex, shared under its own label. */
typedef struct kz_statement_annex {
    int type;                   /* kz_ind_type */
    char *value;
    int tlp;                    /* kz_tlp */
    char *description;          /* may be NULL */
} kz_statement_annex;

/* An issuer's own text beside the shared one (each co-signer may keep its own). */
typedef struct kz_statement_issuer_text {
    char *organization;
    kz_statement_text *texts;   /* by language, sorted */
    size_t n_texts;
} kz_statement_issuer_text;

typedef struct kz_statement_content {
    char *title;
    kz_statement_text *texts;   /* by language, sorted */
    size_t n_texts;
    kz_strlist incidents;       /* incident ids */
    char *threat_actor;         /* may be NULL */
    char *confidence;           /* a phrase of the yardstick */
    kz_strlist basis;           /* technical, political, legal */
    kz_strlist norms;           /* letters a-k */
    kz_strlist measures;        /* the measures announced, one each */
    kz_strlist cosigners;       /* invited organization ids */
    kz_statement_annex *annex;
    size_t n_annex;
    kz_statement_issuer_text *issuer_texts; /* by organization, as given */
    size_t n_issuer_texts;
    struct {                    /* the scale: distinct victims and when they were seen */
        bool given;
        int64_t victims;
        char *first_seen, *last_seen;   /* "YYYY-MM-DD", may be NULL */
    } scale;
    char *canonical;            /* the object as signed */
} kz_statement_content;

/* Builds a statement's content: the object `patch` (JSON text) over `base` (canonical
 * text of the current version, or NULL on create; a key set to null removes it), then
 * checks every field, naming the first bad one ("text.ja", "annex[2].tlp"), and writes
 * the canonical text. Everything in a. KZ_EINVAL on bad input. */
kz_rc kz_statement_content_build(const char *base, const char *patch, size_t patch_len, kz_arena *a,
                                 kz_statement_content *out, kz_err *err);

/* A draft's content started from an incident (JSON text in a, NULL on ENOMEM): its
 * title, its description as the English text, its id, the norms and the annex given,
 * and the scale when victims were counted (victims > 0; days since 1970-01-01). */
typedef struct kz_statement_seed {
    const char *incident_id, *title, *description;
    const kz_strlist *norms;
    const kz_statement_annex *annex;
    size_t n_annex;
    int64_t victims, first_day, last_day;
} kz_statement_seed;
char *kz_statement_content_seed(const kz_statement_seed *s, kz_arena *a);

/* The text of one language (NULL when absent). */
const char *kz_statement_text_of(const kz_statement_content *c, const char *lang);

/* A statement as one viewer sees it: the status shown (a scheduled statement whose
 * time has come is published), its content with the annex cut to the indicators the
 * viewer may see, and its signatures (each marked current or void). In c's arena. */
typedef struct kz_statement_view {
    kz_statement st;
    kz_statement_content content;
    kz_statement_sig *sigs;
    size_t n_sigs;
    bool *sig_current;           /* per signature: it approves the current version */
    bool issuer;                 /* the viewer's organization issues it */
} kz_statement_view;

/* Texts keyed by language as a JSON object. NULL on ENOMEM. */
json_t *kz_statement_texts_json(const kz_statement_text *texts, size_t n);

/* The content as a JSON object (the annex as cut for the viewer). NULL on ENOMEM. */
json_t *kz_statement_content_json(const kz_statement_content *c);

/* ---- the export file ---------------------------------------------------------------- */

#define KZ_STATEMENT_FORMAT "kizuna-statement-export-1"

/* What an export carries beside the statement: each version's content and the issuers
 * with their names and states. */
typedef struct kz_statement_export {
    const kz_statement *st;
    const kz_statement_version *versions;
    size_t n_versions;
    const kz_statement_sig *sigs;
    size_t n_sigs;
    const kz_org *orgs;         /* the drafter and co-signers, for names and states */
    size_t n_orgs;
    const char *public_key_hex; /* the node key that signed */
    const char *fingerprint;
    kz_time exported;
    const unsigned char *secret_key; /* the node's ed25519 secret key: signs the seal */
} kz_statement_export;

/* The export file as JSON text (indented), in a. NULL on ENOMEM. Its "seal" holds the
 * node's signature over the canonical JSON (sorted keys, compact) of the whole file
 * without the seal, so that the summary beside the versions — the statement's status,
 * dates, supersession and withdrawal, the issuers' names and states, the node — is
 * signed too, and a signature taken out of the file is noticed. */
char *kz_statement_export_text(const kz_statement_export *x, kz_arena *a);

/* One signature as verification found it. */
typedef struct kz_statement_check {
    const char *organization, *name, *state, *actor, *content_hash;
    int64_t version;
    kz_time signed_at;
    bool valid;                 /* the signature verifies with a trusted key */
    bool current;               /* it approves the latest version */
    const char *problem;        /* why not valid, or NULL */
    const char *key_fingerprint; /* of the trusted key that verified it, or NULL */
} kz_statement_check;

typedef struct kz_statement_report {
    const char *id, *title, *status;
    int64_t version;
    kz_statement_check *checks;
    size_t n_checks;
    bool withdrawn, withdraw_valid;
    bool sealed;                 /* the seal verifies: nothing in the file was changed */
    const char *key_fingerprint; /* of the key checked against */
    bool key_given;              /* false: checked against the key the file names */
    bool ok;                     /* every version and signature intact */
    const char *problem;         /* the first failure, for the message */
} kz_statement_report;

/* Verifies an export file offline: every version's content against its hash, every
 * signature against the trusted keys (keys_hex, n_keys; none = the key the file
 * names, reported as such). KZ_EINVAL (field named) when it is not an export file;
 * KZ_ECORRUPT when it is one that fails (rep says where). Report strings in a. */
kz_rc kz_statement_verify(const char *text, size_t n, const char *const *keys_hex, size_t n_keys, kz_arena *a,
                          kz_statement_report *rep, kz_err *err);

/* ---- published forms ---------------------------------------------------------------- */

/* What the published forms say about issuers: names and states by organization id. */
typedef struct kz_statement_orgs {
    const kz_org *orgs;
    size_t n;
} kz_statement_orgs;

/* The feeds of the statements given (already the ones the caller may see, public ones
 * only, newest first). Items keep the statement's id for ever ("urn:uuid:<id>"); a
 * corrected statement says so and names its correction, a withdrawn one says so with
 * the reason. base: the node's public URL. Text in a; NULL on ENOMEM. */
char *kz_statement_json_feed(const kz_statement_view *v, size_t n, const kz_statement_orgs *orgs,
                             const char *base, kz_arena *a);
char *kz_statement_atom(const kz_statement_view *v, size_t n, const kz_statement_orgs *orgs, const char *base,
                        kz_time updated, kz_arena *a);

/* A statement as STIX 2.1 objects (a JSON array, compact): an identity per issuer, the
 * report (in the statement's first language: English when it has it), a
 * language-content with the other languages, an opinion per current co-signature
 * (strongly-agree, by that issuer) and the annex's indicators as the viewer was shown
 * them, each under its TLP marking. Ids are derived from the statement's, so they
 * never change. Text in a. */
char *kz_statement_stix_objects(const kz_statement_view *v, const kz_statement_orgs *orgs, kz_arena *a);

/* The same objects one by one, for a TAXII collection: id, type, modified and text. */
typedef struct kz_stix_item {
    char *id, *type;
    kz_time modified;
    char *text;
} kz_stix_item;
kz_rc kz_statement_stix_items(const kz_statement_view *v, const kz_statement_orgs *orgs, kz_arena *a,
                              kz_stix_item **out, size_t *n);

/* Is s in the JSON array of strings `list` (a TAXII match[] filter)? NULL = any. */
bool kz_json_list_has(const char *list, const char *s);

#endif
