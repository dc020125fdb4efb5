/* Reading the demo data file (demo/directory.json) into directory structs. */
#ifndef KZ_CODEC_DEMO_H
#define KZ_CODEC_DEMO_H

#include "model/directory.h"
#include "model/request.h"
#include "util/arena.h"

typedef struct kz_demo_contact {
    kz_contact contact;
    int64_t answer_after_minutes;   /* -1: does not answer the demo check */
} kz_demo_contact;

typedef struct kz_demo_org {
    kz_org org;
    kz_demo_contact *contacts;
    size_t n_contacts;
} kz_demo_org;

enum { KZ_DEMO_MOVES_MAX = 4 };

/* A request between two organizations of the demo directory, sent hours_ago and moved
 * along `moves` (kz_request_move, each made by the side it belongs to), so that "My
 * work" has something waiting. */
typedef struct kz_demo_request {
    const char *from, *to;          /* organization names of the demo directory */
    kz_request request;             /* to_organization is filled in by the loader */
    const char *message;            /* sent with the request; may be NULL */
    int moves[KZ_DEMO_MOVES_MAX];
    size_t n_moves;
    int64_t hours_ago;
} kz_demo_request;

typedef struct kz_demo_data {
    const char *node_org_name, *node_state;
    int64_t check_days_ago, check_deadline_hours;
    const char *schedule_role;
    int64_t schedule_every_days;
    kz_demo_org *orgs;
    size_t n_orgs;
    kz_demo_request *requests;
    size_t n_requests;
} kz_demo_data;

/* Parses path; everything lands in a. KZ_EINVAL naming the organization/contact and
 * field on bad data, KZ_EIO when the file cannot be read. */
kz_rc kz_demo_load(const char *path, kz_arena *a, kz_demo_data *out, kz_err *err);

/* The id the demo organization called name was created with, or NULL. */
const char *kz_demo_org_id(const kz_demo_data *d, const char *name);

/* The demo's statement (demo/statement.json): the drafting organization's id and the
 * content as JSON text, its co-signers' names turned into the ids d's organizations were
 * created with. KZ_EINVAL naming an organization that d does not have; KZ_EIO when the
 * file cannot be read. In a. */
kz_rc kz_demo_statement_load(const char *path, const kz_demo_data *d, kz_arena *a, const char **drafter,
                             char **content, kz_err *err);

#endif
