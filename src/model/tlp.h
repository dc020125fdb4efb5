/* The two nouns of the TLP 2.0 decision: who is looking (a viewer) and what the policy
 * needs to know about the object looked at (a subject). They live in model/ so that
 * the store can carry them to its SQL function kz_visible without knowing the policy,
 * which is service/core/tlp.h's alone. */
#ifndef KZ_MODEL_TLP_H
#define KZ_MODEL_TLP_H

#include <stdbool.h>
#include <stddef.h>

/* Who is calling. key_id NULL = anonymous (no or unknown credentials). */
typedef struct kz_viewer {
    const char *key_id;
    const char *org;        /* the key's organization */
    int role;               /* kz_key_role, or -1 when anonymous */
    const char *client_of;  /* the node's organization when org is one of its clients
                               (organizations.client), else NULL */
    const char *const *exercises; /* ids of the exercises org plays in (issue 16) */
    size_t n_exercises;
} kz_viewer;

/* What the policy needs to know about an object. */
typedef struct kz_tlp_subject {
    int tlp;                           /* kz_tlp */
    const char *source_org;            /* the organization that shared it */
    const char *const *recipients;     /* organization ids the source named */
    size_t n_recipients;
    bool allow_clients;                /* AMBER only: the source lets recipients pass it
                                          on to their clients on this node */
    const char *exercise;              /* the exercise it was made in, NULL for real work */
} kz_tlp_subject;

#endif
