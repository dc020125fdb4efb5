/* Fuzz target: the bodies of node-to-node messages that a peer sends (docs/FEDERATION.md):
 * a batch of changes (every kind: sightings, requests with their record entries and
 * files, checks with their invitations and answers, statements with their
 * versions and approvals), a single change as a pending change
 * is kept, and the canonical text of a request's record entry (its attachments too),
 * which the receiving node reads back before appending it, and a poke. Any
 * crash or sanitizer report is a bug; so is a change that parses but does not parse
 * again, the same, after it is written back. */
#include "fuzz_target.h"
#include "codec/federation/federation.h"
#include "codec/requests/record.h"

#include <stdlib.h>
#include <string.h>

/* A parsed change, written back, parses to the same kind, id and op. */
static void change_round_trips(const kz_fed_change *c, kz_arena *a)
{
    if (c->refused)
        return;
    kz_buf b;
    kz_fed_change back;
    kz_err err;
    kz_buf_init(&b, KZ_FED_MESSAGE_MAX);
    if (kz_fed_change_write(c, &b, &err) == KZ_OK) {
        if (kz_fed_change_parse(b.p, b.len, a, &back, &err) || back.kind != c->kind || back.deleted != c->deleted ||
            strcmp(back.id, c->id) != 0 || back.refused)
            abort();
    }
    kz_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    kz_arena a;
    kz_arena_init(&a);
    kz_fed_batch b;
    kz_fed_change c;
    kz_record_entry_in e;
    kz_err err;
    if (kz_fed_batch_parse(p, size, &a, &b, &err) == KZ_OK)
        for (size_t i = 0; i < b.n; i++)
            change_round_trips(&b.items[i], &a);
    if (kz_fed_change_parse(p, size, &a, &c, &err) == KZ_OK)
        change_round_trips(&c, &a);
    kz_record_entry_read(p, size, &a, &e, &err);
    const char *node = NULL;
    int64_t head = 0;
    if (kz_fed_poke_parse(p, size, &a, &node, &head, &err) == KZ_OK && (!node || head < 0))
        abort();
    kz_arena_free(&a);
    return 0;
}
