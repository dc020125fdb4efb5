/* The context of one use-case call: who is asking (the viewer), on which node, under
 * which request id, with which arena and error slot. The HTTP layer builds one per
 * request, the CLI one per command; every service function takes it first. */
#ifndef KZ_SERVICE_CALL_H
#define KZ_SERVICE_CALL_H

#include "model/enums.h"
#include "model/tlp.h"
#include "service/core/node.h"
#include "store/core/store.h"
#include "util/arena.h"
#include "util/error.h"

#include <stdbool.h>

typedef struct kz_call {
    kz_node *node;
    kz_db *db;                /* the calling thread's connection */
    kz_viewer who;
    const char *actor;        /* for the audit chain: key id, "cli" or "scheduler" */
    const char *request_id;
    kz_arena *arena;          /* everything returned to the caller lives here */
    kz_err *err;
    uint64_t generation;      /* kz_call_generation's reading; 0: not read yet */
} kz_call;

/* The store's generation (kz_store_generation) read once for the call, the first time
 * it is asked for (authentication asks first): an entry of a cache computed by the call
 * is kept under it, and an entry under it is as new as the data the call began with. */
uint64_t kz_call_generation(kz_call *c);

/* Fills c for the calling thread: db from node's store. KZ_ESTORE when no connection. */
kz_rc kz_call_init(kz_call *c, kz_node *node, kz_arena *a, kz_err *err);

/* A call made by the node itself (CLI or scheduler): admin rights, the node's own
 * organization, actor as given. */
kz_rc kz_call_init_system(kz_call *c, kz_node *node, const char *actor, kz_arena *a, kz_err *err);

/* Write transactions: begin takes the write lock; end commits when rc is KZ_OK and
 * rolls back otherwise, returning the final result. */
kz_rc kz_tx_begin(kz_call *c);
kz_rc kz_tx_end(kz_call *c, kz_rc rc);

/* At a boundary (the end of an HTTP request, of a scheduler duty): a transaction the
 * call left open is undone, every level of it, and logged as the bug it is (where names
 * the call), so that it can never hold the write lock or slip into the next call. */
void kz_call_settle(kz_call *c, const char *where);

/* Read transactions give list queries one consistent snapshot. */
kz_rc kz_rtx_begin(kz_call *c);
void kz_rtx_end(kz_call *c);

/* Authorization. KZ_EUNAUTH for anonymous callers, KZ_EFORBIDDEN for weaker roles. */
kz_rc kz_authz_role(kz_call *c, kz_key_role at_least);

/* May the caller manage objects of organization org? Admins: any; analysts: their own. */
kz_rc kz_authz_org(kz_call *c, const char *org, const char *field);

bool kz_is_admin(const kz_call *c);

/* Appends to the audit chain inside the current write transaction. detail may be NULL
 * and must not hold secrets or personal data. */
kz_rc kz_audit(kz_call *c, const char *action, const char *object_type, const char *object_id,
               const char *detail);

/* A change applied to a stored object inside the update's transaction (for PATCH:
 * decode the request body over *obj). */
typedef kz_rc (*kz_apply_fn)(void *obj, void *ctx, kz_err *err);

/* New id and timestamps for an object being created. */
char *kz_new_id(kz_call *c);

#endif
