/* The norms catalogue (svc_norms.c): the eleven norms of A/70/174 para. 13, and what
 * links to one of them on this node: the requests that invoke it, the incidents that
 * concern it and the documents of the policy library that address it, each shown only
 * where kz_tlp_visible allows, with counts per state over those visible rows only. Attribution
 * statements link to norms by letter the same way (model/law.h kz_valid_norm_letter). */
#ifndef KZ_SERVICE_LAW_NORMS_H
#define KZ_SERVICE_LAW_NORMS_H

#include "model/law.h"
#include "service/core/call.h"
#include "store/law/documents.h"

/* The norm with this letter; KZ_ENOTFOUND naming "letter" for any other. */
kz_rc kz_svc_norm_get(kz_call *c, const char *letter, const kz_norm **out);

typedef struct kz_norm_request {
    const char *id, *subject, *from_state, *to_state, *status;
    kz_time sent_at;
} kz_norm_request;

/* Requests invoking the norm in one state and year (of sending): how many the state
 * sent, received, and of those received answered. */
typedef struct kz_norm_request_count {
    char state[4];
    int year;
    int64_t sent, received, answered;
} kz_norm_request_count;

typedef struct kz_norm_document_count {
    const char *state;
    int64_t documents;
} kz_norm_document_count;

typedef struct kz_norm_incident {
    const char *id, *title, *status, *tlp, *reporter_state;
    kz_strlist states;                   /* affected states */
    kz_time occurred;
} kz_norm_incident;

/* Incidents concerning the norm in one state and year (of occurrence): how many an
 * organization of the state reported, and how many name the state as affected. */
typedef struct kz_norm_incident_count {
    char state[4];
    int year;
    int64_t reported, affected;
} kz_norm_incident_count;

typedef struct kz_norm_links {
    kz_norm_request *requests;           /* newest first, at most KZ_LIST_MAX */
    size_t n_requests;
    kz_document *documents;              /* latest versions, at most KZ_LIST_MAX */
    size_t n_documents;
    kz_norm_request_count *request_counts;   /* by state, then year */
    size_t n_request_counts;
    kz_norm_document_count *document_counts; /* by state */
    size_t n_document_counts;
    kz_norm_incident *incidents;         /* newest first, at most KZ_LIST_MAX */
    size_t n_incidents;
    kz_norm_incident_count *incident_counts; /* by state, then year */
    size_t n_incident_counts;
} kz_norm_links;

/* What links to the norm, as the caller may see it; everything in c->arena. */
kz_rc kz_svc_norm_links(kz_call *c, const kz_norm *norm, kz_norm_links *out);

#endif
