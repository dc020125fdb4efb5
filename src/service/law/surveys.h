/* The national survey of implementation (svc_surveys.c): a state fills it in over time
 * (no answer is mandatory; every save is a new version, so drafts are kept), prints it
 * (codec/law/document.h kz_survey_html), and publishes it as a TLP:CLEAR document of the
 * policy library (type national-survey, the printable page as its stored copy, the
 * answers as its searchable text, the answered norms as its norms). A survey is seen by
 * its own organization only (kz_tlp_visible, as AMBER+STRICT without recipients); a
 * survey of another organization is answered as one that does not exist. */
#ifndef KZ_SERVICE_LAW_SURVEYS_H
#define KZ_SERVICE_LAW_SURVEYS_H

#include "service/law/documents.h"

/* o->state defaults to the organization's state, o->period to the current year. */
kz_rc kz_svc_survey_create(kz_call *c, kz_survey *o);
kz_rc kz_svc_survey_get(kz_call *c, const char *id, int64_t version, kz_survey *out);
/* Applies a change to the latest version and writes it as the next version. */
kz_rc kz_svc_survey_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_survey *out);
/* Every version of a survey of the caller's organization, oldest first: the drafts. */
kz_rc kz_svc_survey_versions(kz_call *c, const char *id, const kz_page *pg, kz_survey_page *out);
/* The caller's organization's surveys, latest versions. */
kz_rc kz_svc_survey_list(kz_call *c, const kz_page *pg, kz_survey_page *out);
/* Publishes the latest version: a new document, or the next version of the one it was
 * published as before. *doc is that document version; the survey gets a version that
 * names it. */
kz_rc kz_svc_survey_publish(kz_call *c, const char *id, kz_document *doc);

#endif
