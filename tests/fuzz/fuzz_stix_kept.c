/* Fuzz target: serving kept STIX text (codec_stix_kept.c). The first byte chooses the
 * sharing to apply (TLP label, recipients, allow_clients); the rest is squeezed of blanks
 * as the importer does and written with that sharing. When the input is a JSON object
 * (without duplicate keys), the squeezed text must mean the same, the written object must
 * be valid JSON saying exactly that sharing and otherwise the same as the input, and
 * writing it again must change nothing; the marking refs listed must be the input's.
 * Any crash, leak, sanitizer report or
 * disagreement is a bug. */
#include "fuzz_target.h"
#include "codec/stix/stix.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *recipient_ids[] = {"0b8a0b8a-0000-4000-8000-000000000001", "0b8a0b8a-0000-4000-8000-000000000002"};

static const char *const sharing_keys[] = {"object_marking_refs", "x_kizuna_recipients", "x_kizuna_allow_clients"};

/* The object without its sharing properties. */
static json_t *without_sharing(json_t *o)
{
    json_t *c = json_deep_copy(o);
    for (size_t i = 0; c && i < sizeof sharing_keys / sizeof *sharing_keys; i++)
        json_object_del(c, sharing_keys[i]);
    return c;
}

static void check(json_t *in, const char *out, int tlp, const kz_strlist *rec, bool allow)
{
    json_t *o = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o))
        abort();
    json_t *a = without_sharing(in), *b = without_sharing(o);
    if (!json_equal(a, b))
        abort();
    json_t *refs = json_object_get(o, "object_marking_refs");
    int most = -1;
    size_t i;
    json_t *v;
    json_array_foreach(refs, i, v) {
        int t = json_is_string(v) ? kz_stix_tlp_of_marking(json_string_value(v)) : -1;
        most = t > most ? t : most;
    }
    if (most != tlp || json_is_true(json_object_get(o, "x_kizuna_allow_clients")) != allow ||
        json_array_size(json_object_get(o, "x_kizuna_recipients")) != rec->n)
        abort();
    json_decref(a);
    json_decref(b);
    json_decref(o);
}

/* Each id kz_stix_each_marking_ref hands out is the next string of the input's refs. */
typedef struct refs_walk {
    json_t *refs;
    size_t at;
} refs_walk;

static void next_ref(void *ctx, const char *id)
{
    refs_walk *w = ctx;
    json_t *v;
    while ((v = json_array_get(w->refs, w->at++)) && !json_is_string(v))
        ;
    if (!v || strcmp(json_string_value(v), id) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    int tlp = data[0] % 5;
    bool allow = data[0] & 8;
    kz_strlist rec = {recipient_ids, (size_t)(data[0] >> 4) % 3};
    kz_arena a;
    kz_arena_init(&a);
    size_t n;
    char *text = kz_stix_squeeze(&a, (const char *)data + 1, size - 1, &n);
    if (!text)
        abort();
    json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(in)) {  /* squeezing keeps the meaning */
        json_t *sq = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
        if (!json_equal(in, sq))
            abort();
        json_decref(sq);
    }
    if (json_is_object(in) && strlen(text) == n) {  /* the marking refs as written */
        refs_walk w = {json_object_get(in, "object_marking_refs"), 0};
        if (json_is_array(w.refs))
            kz_stix_each_marking_ref(text, next_ref, &w);
    }
    if (strlen(text) == n) {  /* a NUL in the input ends what the writer sees */
        kz_buf b, again;
        kz_buf_init(&b, 1 << 20);
        kz_buf_init(&again, 1 << 20);
        unsigned bits;
        if (kz_stix_write_kept(&b, text, tlp, &rec, allow, &bits) == KZ_OK && json_is_object(in) && b.len) {
            char *out = kz_arena_strndup(&a, b.p, b.len);
            check(in, out, tlp, &rec, allow);
            if (kz_stix_write_kept(&again, out, tlp, &rec, allow, NULL) != KZ_OK || again.len != b.len ||
                memcmp(again.p, b.p, b.len) != 0)
                abort();
        }
        kz_buf_free(&b);
        kz_buf_free(&again);
    }
    json_decref(in);
    kz_arena_free(&a);
    return 0;
}
