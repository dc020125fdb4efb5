/* TLP 2.0: the one function that decides whether a viewer may see an object. Every
 * read path (API, TAXII, export, statistics, notifications, match output, UI) asks it,
 * directly or through the store's SQL function bound to it; nothing else decides. */
#ifndef KZ_SERVICE_POLICY_TLP_H
#define KZ_SERVICE_POLICY_TLP_H

#include "service/call.h"

#include <stdbool.h>
#include <stddef.h>

/* What the policy needs to know about an object. */
typedef struct kz_tlp_subject {
    int tlp;                           /* kz_tlp */
    const char *source_org;            /* the organization that shared it */
    const char *const *recipients;     /* organization ids the source named */
    size_t n_recipients;
} kz_tlp_subject;

/* CLEAR: anyone, even anonymous. GREEN: any authenticated member. AMBER, AMBER+STRICT
 * and RED: the source organization and the named recipient organizations only (so an
 * object without recipients stays with its source). Node admins get no exception:
 * a RED object is invisible to them unless their organization is named. */
bool kz_tlp_visible(const kz_viewer *v, const kz_tlp_subject *o);

#endif
