/* Unit tests of the node key file (crypto/keyfile.h) and of the signed audit chain: the
 * text round-trips and every malformed line is refused by name, the file is created
 * 0600 and refused when others may read it, each audit entry verifies with the node's
 * public key only, a head's signature checks with the key alone, and a node refuses a
 * key file that is not its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "crypto/keyfile.h"
#include "service/core/audit.h"
#include "service/federation/federation.h"

#include <sys/stat.h>

static void keyset_text_round_trips(void **state)
{
    (void)state;
    kz_crypto_init();
    kz_keyset k, back;
    kz_err err;
    kz_keyset_new(&k, "0b7f5e44-6d1c-4c59-9f0a-1d2e3f405162");
    assert_true(kz_sign_key_check(k.sign_sk));
    char text[KZ_KEYFILE_MAX];
    int n = kz_keyset_format(&k, text, sizeof text);
    assert_true(n > 0);
    assert_non_null(strstr(text, "kizuna-keys 1\n"));
    assert_int_equal(kz_keyset_parse(text, (size_t)n, &back, &err), KZ_OK);
    assert_memory_equal(&k, &back, sizeof k);
    assert_true(kz_keyset_format(&k, text, 100) < 0); /* does not fit: refused, not cut */
}

/* Parses text with line `from` replaced by `to`; the error message. */
static const char *parse_edited(const char *from, const char *to, kz_rc want)
{
    static kz_err err;
    kz_keyset k;
    char text[KZ_KEYFILE_MAX], edited[KZ_KEYFILE_MAX];
    kz_keyset_new(&k, "0b7f5e44-6d1c-4c59-9f0a-1d2e3f405162");
    int n = kz_keyset_format(&k, text, sizeof text);
    assert_true(n > 0);
    char *at = strstr(text, from);
    assert_non_null(at);
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    assert_int_equal(kz_keyset_parse(edited, strlen(edited), &k, &err), want);
    return err.msg;
}

static void malformed_key_files_are_refused_by_line(void **state)
{
    (void)state;
    kz_crypto_init();
    assert_non_null(strstr(parse_edited("kizuna-keys 1", "kizuna-keys 2", KZ_EINVAL), "not a Kizuna key file"));
    assert_non_null(strstr(parse_edited("answer-key ", "answer-key 00", KZ_EINVAL), "line 6: answer-key must be 64"));
    assert_non_null(strstr(parse_edited("victim-key ", "victim-kee ", KZ_EINVAL), "line 7: unknown entry"));
    assert_non_null(strstr(parse_edited("answer-key ", "sign-key ", KZ_EINVAL), "once"));
    assert_non_null(strstr(parse_edited("\nnode ", "\nnode x", KZ_EINVAL), "node"));
    assert_non_null(strstr(parse_edited("victim-key ", "# victim-key ", KZ_EINVAL), "lacks"));
    /* a signing key whose public half is not its seed's */
    kz_keyset k;
    char text[KZ_KEYFILE_MAX];
    kz_err err;
    kz_keyset_new(&k, "0b7f5e44-6d1c-4c59-9f0a-1d2e3f405162");
    k.sign_sk[40] ^= 1;
    int n = kz_keyset_format(&k, text, sizeof text);
    assert_int_equal(kz_keyset_parse(text, (size_t)n, &k, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "damaged"));
}

static void key_file_is_private_and_never_overwritten(void **state)
{
    (void)state;
    kz_crypto_init();
    char dir[] = "/tmp/kz-unit-keys-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/n.key", dir);
    kz_keyset k, back;
    kz_err err;
    assert_int_equal(kz_keyfile_read(path, &back, &err), KZ_ENOTFOUND);
    kz_keyset_new(&k, "0b7f5e44-6d1c-4c59-9f0a-1d2e3f405162");
    assert_int_equal(kz_keyfile_create(path, &k, &err), KZ_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(kz_keyfile_read(path, &back, &err), KZ_OK);
    assert_memory_equal(&k, &back, sizeof k);
    kz_keyset other;
    kz_keyset_new(&other, "0b7f5e44-6d1c-4c59-9f0a-1d2e3f405162");
    assert_int_equal(kz_keyfile_create(path, &other, &err), KZ_ECONFLICT);
    assert_int_equal(kz_keyfile_read(path, &back, &err), KZ_OK);
    assert_memory_equal(&k, &back, sizeof k); /* still the first keys */
    chmod(path, 0644);
    assert_int_equal(kz_keyfile_read(path, &back, &err), KZ_EFORBIDDEN);
    assert_non_null(strstr(err.msg, "chmod 600"));
    chmod(path, 0600);
    unlink(path);
    rmdir(dir);
}

static void audit_entries_verify_with_the_node_key_only(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_fixture_org(f, "Signed CSIRT", "JP");
    kz_audit_report r;
    assert_int_equal(kz_svc_audit_verify(&f->call, &r), KZ_OK);
    assert_true(r.signatures);
    assert_int_equal(r.unsigned_before, 0);
    int64_t n = r.entries;
    assert_true(n >= 4);
    unsigned char other_pk[KZ_SIGN_PK_BYTES], other_sk[KZ_SIGN_SK_BYTES];
    kz_sign_keypair(other_pk, other_sk);
    assert_int_equal(kz_svc_audit_verify_with(&f->call, other_pk, NULL, &r), KZ_ECORRUPT);
    assert_int_equal(r.first_bad, 1);
    assert_non_null(strstr(r.reason, "signature"));

    kz_audit_head h;
    assert_int_equal(kz_svc_audit_head(&f->call, &h), KZ_OK);
    assert_int_equal(h.seq, n);
    assert_true(kz_audit_head_signature_ok(&h, f->node->sign_pk));
    assert_false(kz_audit_head_signature_ok(&h, other_pk));
    h.seq++; /* the signature covers the number too */
    assert_false(kz_audit_head_signature_ok(&h, f->node->sign_pk));
    h.seq--;
    assert_int_equal(kz_svc_audit_verify_with(&f->call, NULL, &h, &r), KZ_OK);
    assert_true(r.head_checked);
    h.hash[0] = h.hash[0] == 'a' ? 'b' : 'a';
    assert_int_equal(kz_svc_audit_verify_with(&f->call, NULL, &h, &r), KZ_ECORRUPT);
    kz_fixture_free(f);
}

static void a_node_opened_without_keys_cannot_write(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_node *pub = NULL;
    kz_err err;
    char moved[128], key[128];
    snprintf(key, sizeof key, "%s.key", f->path);
    snprintf(moved, sizeof moved, "%s/elsewhere.key", f->dir);
    assert_int_equal(rename(key, moved), 0);
    assert_int_equal(kz_node_open(f->path, &pub, &err), KZ_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no key file"));
    assert_int_equal(kz_node_open_keys(f->path, NULL, KZ_NODE_PUBLIC_ONLY, &pub, &err), KZ_OK);
    assert_false(pub->has_keys);
    assert_memory_equal(pub->sign_pk, f->node->sign_pk, KZ_SIGN_PK_BYTES);
    kz_arena a;
    kz_arena_init(&a);
    kz_call c;
    kz_call_init_system(&c, pub, "test", &a, &err);
    kz_org o = {.name = (char *)"Unsigned", .state = (char *)"FR", .kind = KZ_ORG_NATIONAL_CSIRT};
    assert_int_not_equal(kz_svc_org_create(&c, &o), KZ_OK); /* its audit entry cannot be signed */
    kz_audit_report r;
    assert_int_equal(kz_svc_audit_verify(&c, &r), KZ_EINVAL); /* no key to trust */
    assert_int_equal(kz_svc_audit_verify_with(&c, f->node->sign_pk, NULL, &r), KZ_OK);
    kz_arena_free(&a);
    kz_node_close(pub);
    /* the key file named elsewhere opens it; another node's key file is refused */
    assert_int_equal(kz_node_open_keys(f->path, moved, 0, &pub, &err), KZ_OK);
    assert_true(pub->has_keys);
    kz_node_close(pub);
    kz_fixture *g = kz_fixture_new();
    snprintf(key, sizeof key, "%s.key", g->path);
    assert_int_equal(kz_node_open_keys(f->path, key, 0, &pub, &err), KZ_ECONFLICT);
    assert_non_null(strstr(err.msg, "belongs to node"));
    kz_fixture_free(g);
    kz_fixture_free(f);
}

/* A rotation: the key file holds the new key and the old one as prev-sign-key, the node
 * opens again with both, the audit chain verifies with either key (the rotation entry,
 * signed by the old key, hands over), another process still holding the old key can no
 * longer write, and a rotation whose commit never happened leaves the old key. */
static void the_node_key_rotates_and_the_chain_follows(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    unsigned char old_pk[KZ_SIGN_PK_BYTES];
    memcpy(old_pk, f->node->sign_pk, sizeof old_pk);
    kz_node *other = NULL; /* a second process on the same database, opened before */
    kz_err err;
    assert_int_equal(kz_node_open(f->path, &other, &err), KZ_OK);
    kz_key_report rep;
    assert_int_equal(kz_svc_node_rotate_key(&f->call, -1, &rep), KZ_EINVAL);
    assert_string_equal(f->err.field, "overlap_seconds");
    assert_memory_equal(f->node->sign_pk, old_pk, sizeof old_pk); /* refused: nothing changed */
    assert_int_equal(kz_svc_node_rotate_key(&f->call, 3600, &rep), KZ_OK);
    assert_memory_not_equal(f->node->sign_pk, old_pk, sizeof old_pk);
    assert_true(f->node->has_prev);
    assert_memory_equal(f->node->prev_pk, old_pk, sizeof old_pk);
    kz_keyset k;
    char key[128];
    snprintf(key, sizeof key, "%s.key", f->path);
    assert_int_equal(kz_keyfile_read(key, &k, &err), KZ_OK);
    assert_true(k.has_prev);
    unsigned char pk[KZ_SIGN_PK_BYTES];
    kz_sign_public_key(k.prev_sk, pk);
    assert_memory_equal(pk, old_pk, sizeof pk);
    kz_audit_report r;
    assert_int_equal(kz_svc_audit_verify_with(&f->call, old_pk, NULL, &r), KZ_OK);
    assert_int_equal(kz_svc_audit_verify_with(&f->call, f->node->sign_pk, NULL, &r), KZ_OK);
    unsigned char stranger[KZ_SIGN_PK_BYTES], sk[KZ_SIGN_SK_BYTES];
    kz_sign_keypair(stranger, sk);
    assert_int_equal(kz_svc_audit_verify_with(&f->call, stranger, NULL, &r), KZ_ECORRUPT);
    assert_non_null(strstr(r.reason, "not one this chain was signed with"));
    /* the other process signs with the old key: it refuses to write */
    kz_arena a;
    kz_arena_init(&a);
    kz_call c;
    kz_call_init_system(&c, other, "test", &a, &err);
    kz_org o = {.name = (char *)"After the rotation", .state = (char *)"FR", .kind = KZ_ORG_NATIONAL_CSIRT};
    assert_int_equal(kz_svc_org_create(&c, &o), KZ_ECONFLICT);
    assert_non_null(strstr(err.msg, "restart"));
    kz_arena_free(&a);
    kz_node_close(other);
    /* reopened: the new key signs, the old one is kept for the notices */
    assert_int_equal(kz_node_open(f->path, &other, &err), KZ_OK);
    assert_memory_equal(other->sign_pk, f->node->sign_pk, KZ_SIGN_PK_BYTES);
    assert_true(other->has_prev);
    kz_node_close(other);
    /* a rotation that wrote its key file but did not commit: the database names the key
     * that is prev-sign-key there, and the node keeps it */
    kz_keyset crashed = k;
    kz_sign_keypair(pk, crashed.sign_sk);
    memcpy(crashed.prev_sk, k.sign_sk, sizeof crashed.prev_sk);
    assert_int_equal(kz_keyfile_replace(key, &crashed, &err), KZ_OK);
    assert_int_equal(kz_node_open(f->path, &other, &err), KZ_OK);
    assert_memory_equal(other->sign_pk, f->node->sign_pk, KZ_SIGN_PK_BYTES);
    assert_false(other->has_prev);
    kz_node_close(other);
    kz_wipe(&k, sizeof k);
    kz_wipe(&crashed, sizeof crashed);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keyset_text_round_trips),
        cmocka_unit_test(malformed_key_files_are_refused_by_line),
        cmocka_unit_test(key_file_is_private_and_never_overwritten),
        cmocka_unit_test(audit_entries_verify_with_the_node_key_only),
        cmocka_unit_test(a_node_opened_without_keys_cannot_write),
        cmocka_unit_test(the_node_key_rotates_and_the_chain_follows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
