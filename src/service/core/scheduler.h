/* The server's background worker: every interval (or when woken) it runs the periodic
 * duties of the node — due check schedules now; escalations and mail later. One
 * scheduler per process. */
#ifndef KZ_SERVICE_SCHEDULER_H
#define KZ_SERVICE_SCHEDULER_H

#include "service/core/node.h"

/* A periodic duty: called with a system call context; returns the number of things it
 * did (for the log) or a negative value on failure (logged, retried next round). */
typedef struct kz_call kz_call;
typedef long (*kz_duty_fn)(kz_call *c);

kz_rc kz_scheduler_start(kz_node *node, unsigned interval_ms, kz_err *err);

/* Runs the duties now instead of at the next tick. Safe from any thread; a no-op when
 * no scheduler runs. */
void kz_scheduler_wake(void);

/* Finishes the current round and joins the thread. */
void kz_scheduler_stop(void);

/* Runs every duty once, synchronously (for tests and `kizuna` commands). */
void kz_scheduler_run_once(kz_node *node);

#endif
