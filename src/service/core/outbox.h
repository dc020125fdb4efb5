/* Delivering the persistent outbox of mail notices over SMTP (svc_outbox.c); the
 * notices are written by notify.h. */
#ifndef KZ_SERVICE_OUTBOX_H
#define KZ_SERVICE_OUTBOX_H

#include "service/core/call.h"

/* The scheduler's duty: sends due notices when mail is configured (c->node->mail).
 * Returns how many were accepted by the SMTP server, or -1. */
long kz_svc_outbox_deliver(kz_call *c);

#endif
