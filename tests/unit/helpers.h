/* Shared by the unit tests that need a real node: a fresh SQLite file in a temporary
 * directory, a system call context, and small builders for directory objects. */
#ifndef KZ_TEST_HELPERS_H
#define KZ_TEST_HELPERS_H

#include "crypto/crypto.h"
#include "service/directory/orgs.h"
#include "service/directory/contacts.h"
#include "service/directory/keys.h"
#include "service/core/node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct kz_fixture {
    char dir[64];
    char path[96];
    char key[KZ_KEY_TEXT];
    kz_node *node;
    kz_arena arena;
    kz_err err;
    kz_call call;     /* the node itself: admin of the operator organization */
} kz_fixture;

static inline kz_fixture *kz_fixture_new(void)
{
    kz_fixture *f = calloc(1, sizeof *f);
    kz_crypto_init();
    snprintf(f->dir, sizeof f->dir, "/tmp/kz-unit-XXXXXX");
    if (!mkdtemp(f->dir))
        abort();
    snprintf(f->path, sizeof f->path, "%s/k.db", f->dir);
    kz_node_setup setup = {"Test operator", "JP"};
    if (kz_node_create(f->path, &setup, f->key, sizeof f->key, &f->err) ||
        kz_node_open(f->path, &f->node, &f->err)) {
        fprintf(stderr, "fixture: %s\n", f->err.msg);
        abort();
    }
    kz_arena_init(&f->arena);
    kz_call_init_system(&f->call, f->node, "test", &f->arena, &f->err);
    return f;
}

static inline void kz_fixture_free(kz_fixture *f)
{
    char cmd[128];
    kz_arena_free(&f->arena);
    kz_node_close(f->node);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
}

/* A call as another organization with the given role (a key is not needed below HTTP). */
static inline kz_call kz_fixture_as(kz_fixture *f, const char *org, kz_key_role role)
{
    kz_call c = f->call;
    c.who.key_id = "test-key";
    c.actor = "test-key";
    c.who.org = org;
    c.who.role = (int)role;
    return c;
}

static inline kz_org *kz_fixture_org(kz_fixture *f, const char *name, const char *state)
{
    kz_org *o = kz_arena_calloc(&f->arena, 1, sizeof *o);
    o->name = (char *)name;
    o->state = (char *)state;
    o->kind = KZ_ORG_NATIONAL_CSIRT;
    if (kz_svc_org_create(&f->call, o))
        abort();
    return o;
}

static inline kz_contact *kz_fixture_contact(kz_fixture *f, const char *org, const char *name, int role)
{
    kz_contact *c = kz_arena_calloc(&f->arena, 1, sizeof *c);
    c->organization = (char *)org;
    c->full_name = (char *)name;
    c->role = role;
    c->email = (char *)"poc@csirt.jp.example";
    if (kz_svc_contact_create(&f->call, c)) {
        fprintf(stderr, "contact: %s\n", f->err.msg);
        abort();
    }
    return c;
}

#endif
