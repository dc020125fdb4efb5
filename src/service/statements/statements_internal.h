/* What the files of service/statements/ share: the drafting rules the federation side
 * applies too, and the change log entry that makes a statement travel. */
#ifndef KZ_SERVICE_STATEMENTS_INTERNAL_H
#define KZ_SERVICE_STATEMENTS_INTERNAL_H

#include "service/statements/statements.h"

/* Whether every issuer approved the statement's current version among sigs. */
bool kz__statement_all_signed(const kz_statement *st, const kz_statement_sig *sigs, size_t n);

/* The peer the statement came from (c's arena), NULL when it was drafted here. */
kz_rc kz__statement_origin(kz_call *c, const char *id, char **peer);

/* Puts the statement in this node's change log: the nodes of its co-signers (or, for a
 * copy, the drafter's node) pull it; kz_svc_statement_outgoing decides what each gets. */
kz_rc kz__statement_logged(kz_call *c, const char *id);

#endif
