/* Reading and verifying the audit chain. Admins only over the API; the CLI verifies
 * with the node's own rights. */
#ifndef KZ_SERVICE_AUDIT_H
#define KZ_SERVICE_AUDIT_H

#include "service/core/call.h"
#include "store/core/audit.h"

kz_rc kz_svc_audit_list(kz_call *c, const kz_page *pg, kz_audit_page *out);

/* KZ_OK when intact; KZ_ECORRUPT with report->first_bad otherwise. Checks hashes and
 * every signature against the node's own public key (from its key file). */
kz_rc kz_svc_audit_verify(kz_call *c, kz_audit_report *report);

/* The same against a public key pk given from outside (NULL: the node's own, which
 * needs the key file), and, with pinned, that the chain still holds that exported head
 * (whose signature must verify with the same key, else KZ_ECORRUPT with first_bad 0). */
kz_rc kz_svc_audit_verify_with(kz_call *c, const unsigned char *pk, const kz_audit_head *pinned,
                               kz_audit_report *report);

/* The newest entry of the chain as a head a third party can keep: seq, time, hash,
 * signature, and the node's id and public key. Admins only. */
kz_rc kz_svc_audit_head(kz_call *c, kz_audit_head *head);

#endif
