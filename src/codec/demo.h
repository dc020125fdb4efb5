/* Reading the demo data file (demo/directory.json) into directory structs. */
#ifndef KZ_CODEC_DEMO_H
#define KZ_CODEC_DEMO_H

#include "model/directory.h"
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

typedef struct kz_demo_data {
    const char *node_org_name, *node_state;
    int64_t check_days_ago, check_deadline_hours;
    const char *schedule_role;
    int64_t schedule_every_days;
    kz_demo_org *orgs;
    size_t n_orgs;
} kz_demo_data;

/* Parses path; everything lands in a. KZ_EINVAL naming the organization/contact and
 * field on bad data, KZ_EIO when the file cannot be read. */
kz_rc kz_demo_load(const char *path, kz_arena *a, kz_demo_data *out, kz_err *err);

#endif
