/* Unit tests of the signed record of a request between two nodes (codec/requests/record.h): the
 * entries of each side are signed by the key of that side's node, the send entry names
 * the recipient node's key, and verification needs both keys, refusing an entry signed
 * by the node of the other side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/requests/record.h"
#include "crypto/crypto.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

enum { N = 3 };

typedef struct two_nodes {
    /* keys 0 and 1: the nodes of jp and cz; key 2: cz's node's key after a rotation */
    unsigned char pk[3][KZ_SIGN_PK_BYTES], sk[3][KZ_SIGN_SK_BYTES];
    char hex[3][2 * KZ_SIGN_PK_BYTES + 1];
    kz_arena a;
    kz_request r;
    kz_request_entry e[N];
    char hashes[N][KZ_HASH_HEX], sigs[N][2 * KZ_SIGNATURE_BYTES + 1];
} two_nodes;

/* Entry i by org, signed with node key k. */
static void entry(two_nodes *t, size_t i, const char *org, const char *action, int from, int to, int k)
{
    kz_record_entry_in in = {.request = t->r.id, .seq = (int64_t)i + 1, .at = 1767225600000 + (kz_time)i,
                             .organization = org, .actor = "k", .action = action, .from = from, .to = to,
                             .content = i == 0 ? &t->r : NULL, .prev = i ? t->hashes[i - 1] : KZ_RECORD_GENESIS,
                             .to_node = to == KZ_RS_SENT ? t->hex[1] : NULL};
    char *text = kz_record_entry_text(&in, &t->a);
    unsigned char sig[KZ_SIGNATURE_BYTES];
    assert_non_null(text);
    kz_sha256_hex(text, strlen(text), t->hashes[i]);
    kz_sign(t->sk[k], text, strlen(text), sig);
    kz_hex_encode(sig, sizeof sig, t->sigs[i]);
    t->e[i] = (kz_request_entry){(int64_t)i + 1, in.at, (char *)org, (char *)action, text, t->hashes[i], t->sigs[i]};
}

/* A request from org "jp" (node 0) to org "cz" (node 1), created, sent and acknowledged,
 * exported by node `by` sealing with key seal_key (the acknowledgement signed with node
 * key ack_key). */
static void record_sealed(two_nodes *t, int by, int seal_key, int ack_key, kz_buf *out)
{
    memset(t, 0, sizeof *t);
    kz_arena_init(&t->a);
    for (int k = 0; k < 3; k++) {
        kz_sign_keypair(t->pk[k], t->sk[k]);
        kz_hex_encode(t->pk[k], KZ_SIGN_PK_BYTES, t->hex[k]);
    }
    t->r = (kz_request){.id = (char *)"11111111-1111-4111-8111-111111111111", .kind = KZ_REQ_INFORMATION,
                        .from_organization = (char *)"jp", .from_state = (char *)"JP", .to_organization = (char *)"cz",
                        .to_state = (char *)"CZ", .urgency = KZ_URG_HIGH, .subject = (char *)"S",
                        .description = (char *)"D", .questions = (char *)"Q?"};
    entry(t, 0, "jp", "create", -1, KZ_RS_DRAFT, 0);
    entry(t, 1, "jp", "send", KZ_RS_DRAFT, KZ_RS_SENT, 0);
    entry(t, 2, "cz", "acknowledge", KZ_RS_SENT, KZ_RS_ACKNOWLEDGED, ack_key);
    t->r.status = KZ_RS_ACKNOWLEDGED;
    t->r.sent_at = t->e[1].at;
    t->r.acknowledged_at = t->r.responded_at = t->e[2].at;
    t->r.entries = N;
    t->r.head_hash = t->hashes[N - 1];
    kz_record_source src = {.node_org = by ? "cz-node" : "jp-node", .public_key = t->pk[seal_key],
                            .secret_key = t->sk[seal_key],
                            .request = &t->r, .entries = t->e, .n_entries = N, .exported_for = by ? "cz" : "jp",
                            .exported_at = 1767225700000, .peer_public_key = t->hex[1 - by]};
    kz_buf_init(out, 1 << 20);
    assert_int_equal(kz_record_export(&src, KZ_RECORD_JSON, out, &(kz_err){0}), KZ_OK);
}

static void record(two_nodes *t, int by, int ack_key, kz_buf *out) { record_sealed(t, by, by, ack_key, out); }

/* cz's node rotated its key between the send (which names its old key) and the
 * acknowledgement (signed by its new key): both of its keys verify the record, from
 * either node's export; its old key alone, or the new alone, do not. */
static void a_record_across_a_key_rotation_verifies_with_both_keys_of_that_side(void **state)
{
    (void)state;
    for (int by = 0; by < 2; by++) {
        two_nodes t;
        kz_buf out;
        kz_record_report rep;
        kz_err err;
        record_sealed(&t, by, by ? 2 : 0, 2, &out);
        char both[2 * (2 * KZ_SIGN_PK_BYTES + 1)];
        snprintf(both, sizeof both, "%s,%s", t.hex[1], t.hex[2]);
        const char *jp = t.hex[0], *cz = both;
        const char *const *own = by ? &cz : &jp, *const *peer = by ? &jp : &cz;
        assert_int_equal(kz_record_verify_sides(out.p, out.len, own, 1, peer, 1, &rep, &err), KZ_OK);
        assert_int_equal(rep.entries, N);
        assert_string_equal(rep.public_key, by ? t.hex[2] : t.hex[0]);
        /* the option repeated means the same as the comma list */
        const char *parts[] = {t.hex[1], t.hex[2]};
        if (by)
            assert_int_equal(kz_record_verify_sides(out.p, out.len, parts, 2, &jp, 1, &rep, &err), KZ_OK);
        /* one of cz's keys only: the acknowledgement (old key given) or the send naming a
         * key not given (new key given) fails */
        const char *old = t.hex[1], *new_key = t.hex[2];
        if (!by) {
            assert_int_equal(kz_record_verify_sides(out.p, out.len, &jp, 1, &old, 1, &rep, &err), KZ_ECORRUPT);
            assert_int_equal(rep.first_bad, 3);
            assert_int_equal(kz_record_verify_sides(out.p, out.len, &jp, 1, &new_key, 1, &rep, &err), KZ_ECORRUPT);
            assert_int_equal(rep.first_bad, 2);
        }
        /* cz's two keys given as two different nodes: the acknowledgement is not the
         * recipient node's */
        const char *split[] = {t.hex[1], t.hex[2]};
        if (!by) {
            assert_int_equal(kz_record_verify_sides(out.p, out.len, &jp, 1, split, 2, &rep, &err), KZ_ECORRUPT);
            assert_int_equal(rep.first_bad, 3);
        }
        /* a malformed list names the option */
        const char *bad = "abc,def";
        assert_int_equal(kz_record_verify_sides(out.p, out.len, &jp, 1, &bad, 1, &rep, &err), KZ_EINVAL);
        assert_string_equal(err.field, "peer_key");
        kz_buf_free(&out);
        kz_arena_free(&t.a);
    }
}

static void either_nodes_export_verifies_with_both_keys(void **state)
{
    (void)state;
    for (int by = 0; by < 2; by++) {
        two_nodes t;
        kz_buf out;
        kz_record_report rep;
        kz_err err;
        record(&t, by, 1, &out);
        const char *other = t.hex[1 - by];
        assert_int_equal(kz_record_verify_keys(out.p, out.len, t.hex[by], &other, 1, &rep, &err), KZ_OK);
        assert_int_equal(rep.entries, N);
        assert_true(rep.key_given);
        assert_string_equal(rep.public_key, t.hex[by]);
        assert_string_equal(rep.peer_public_key, other);
        /* the exporting node's key alone: the sender's node's key is unknown (entry 1), or
         * the send names a recipient node whose key was not given (entry 2) */
        assert_int_equal(kz_record_verify_keys(out.p, out.len, t.hex[by], NULL, 0, &rep, &err), KZ_ECORRUPT);
        assert_int_equal(rep.first_bad, by ? 1 : 2);
        /* no key given: the keys the file names, not authenticated */
        assert_int_equal(kz_record_verify_keys(out.p, out.len, NULL, NULL, 0, &rep, &err), KZ_OK);
        assert_false(rep.key_given);
        /* the keys swapped: the seal is not the given node's */
        const char *mine = t.hex[by];
        assert_int_equal(kz_record_verify_keys(out.p, out.len, other, &mine, 1, &rep, &err), KZ_ECORRUPT);
        kz_buf_free(&out);
        kz_arena_free(&t.a);
    }
}

static void a_move_of_one_side_signed_by_the_other_sides_node_is_caught(void **state)
{
    (void)state;
    two_nodes t;
    kz_buf out;
    kz_record_report rep;
    kz_err err;
    record(&t, 0, 0, &out); /* the sender's node signed the recipient's acknowledgement */
    const char *other = t.hex[1];
    assert_int_equal(kz_record_verify_keys(out.p, out.len, t.hex[0], &other, 1, &rep, &err), KZ_ECORRUPT);
    assert_int_equal(rep.first_bad, 3);
    assert_non_null(strstr(rep.reason, "recipient's node"));
    kz_buf_free(&out);
    kz_arena_free(&t.a);
}

static void an_entry_is_read_back_from_its_text(void **state)
{
    (void)state;
    two_nodes t;
    kz_buf out;
    record(&t, 0, 1, &out);
    kz_record_entry_in in;
    kz_err err;
    assert_int_equal(kz_record_entry_read(t.e[1].body, strlen(t.e[1].body), &t.a, &in, &err), KZ_OK);
    assert_string_equal(in.action, "send");
    assert_int_equal(in.from, KZ_RS_DRAFT);
    assert_int_equal(in.to, KZ_RS_SENT);
    assert_int_equal(in.at, t.e[1].at);
    assert_string_equal(in.to_node, t.hex[1]);
    assert_string_equal(in.prev, t.hashes[0]);
    assert_int_equal(kz_record_entry_read("[1]", 3, &t.a, &in, &err), KZ_EINVAL);
    const char *bad = "{\"seq\":1,\"request\":\"x\",\"action\":\"send\",\"prev\":\"p\",\"to\":\"nowhere\"}";
    assert_int_equal(kz_record_entry_read(bad, strlen(bad), &t.a, &in, &err), KZ_EINVAL);
    assert_string_equal(err.field, "to");
    kz_buf_free(&out);
    kz_arena_free(&t.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(either_nodes_export_verifies_with_both_keys),
        cmocka_unit_test(a_record_across_a_key_rotation_verifies_with_both_keys_of_that_side),
        cmocka_unit_test(a_move_of_one_side_signed_by_the_other_sides_node_is_caught),
        cmocka_unit_test(an_entry_is_read_back_from_its_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
