/* STIX text kept as it came: squeezed of the blanks between tokens on the way in (every
 * number, string and key byte for byte as written), and on the way out given the sharing
 * Kizuna applies (the TLP marking, x_kizuna_recipients, x_kizuna_allow_clients) by
 * replacing those top-level properties only when they say something else. */
#include "codec/stix/stix.h"

#include "model/tlp.h"
#include "util/json_text.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

char *kz_stix_squeeze(kz_arena *a, const char *text, size_t len, size_t *out_len)
{
    char *out = kz_arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c == '"') {
            in_string = true;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* ---- top-level members of a compact object ------------------------------------------ */

typedef struct member {
    const char *start, *end;     /* the whole "key":value */
    const char *key;             /* after the opening quote */
    size_t key_len;
    const char *value;
    size_t value_len;
} member;

static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

static const char *skip_value(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            if (!(p = skip_string(p, end)))
                return NULL;
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            if (--depth == 0)
                return p + 1;
        } else if (c == ',' && depth == 0) {
            return p;
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

enum { MEMBERS_MAX = 512 };  /* an object with more top-level properties is served as it is */

/* The members of the object text (compact, as kz_stix_squeeze leaves it); false when it
 * is not such an object. */
static bool members(const char *text, size_t len, member *out, size_t *n)
{
    const char *p = text, *end = text + len;
    *n = 0;
    if (len < 2 || *p != '{' || end[-1] != '}')
        return false;
    p++;
    end--;
    while (p < end) {
        if (*n == MEMBERS_MAX || *p != '"')
            return false;
        member *m = &out[(*n)++];
        m->start = p;
        m->key = p + 1;
        const char *q = skip_string(p, end);
        if (!q || q >= end || *q != ':')
            return false;
        m->key_len = (size_t)(q - 1 - m->key);
        m->value = q + 1;
        const char *v = skip_value(m->value, end);
        if (!v || v == m->value)
            return false;
        m->value_len = (size_t)(v - m->value);
        m->end = v;
        p = v;
        if (p < end) {
            if (*p != ',')
                return false;
            p++;
        }
    }
    return true;
}

/* Whether a member's key is name, escapes in the key decoded ("x\u005f..." is "x_..."). */
static bool key_is(const member *m, const char *name)
{
    size_t kl = strlen(name);
    if (!memchr(m->key, '\\', m->key_len))
        return m->key_len == kl && memcmp(m->key, name, kl) == 0;
    json_t *k = json_loadb(m->key - 1, m->key_len + 2, JSON_DECODE_ANY, NULL);
    bool same = json_is_string(k) && json_string_length(k) == kl && memcmp(json_string_value(k), name, kl) == 0;
    json_decref(k);
    return same;
}

static const member *find(const member *m, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (key_is(&m[i], key))
            return &m[i];
    return NULL;
}

/* ---- the sharing properties ---------------------------------------------------------- */

static const char *const tlp1_ids[4] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", /* white */
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", /* green */
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", /* amber */
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", /* red */
};

unsigned kz_stix_marking_bit(const char *id)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(id, kz_stix_tlp_marking[i]) == 0)
            return 1u << i;
    for (int i = 0; i < 4; i++)
        if (strcmp(id, tlp1_ids[i]) == 0)
            return 1u << (5 + i);
    return 0;
}

kz_rc kz_stix_write_marking_bit(kz_buf *b, unsigned bit)
{
    static const char *const names[4] = {"white", "green", "amber", "red"};
    if (bit < 5)
        return kz_stix_write_marking(b, (int)bit);
    if (bit > 8)
        return KZ_EINVAL;
    /* the TLP 1.0 definitions as STIX 2.1 section 7.2.1.4 gives them */
    const char *name = names[bit - 5];
    char upper[8];
    size_t i = 0;
    for (; name[i] && i < sizeof upper - 1; i++)
        upper[i] = (char)(name[i] - 'a' + 'A');
    upper[i] = '\0';
    return kz_buf_printf(b,
                         "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                         "\"created\":\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\","
                         "\"name\":\"TLP:%s\",\"definition\":{\"tlp\":\"%s\"}}",
                         tlp1_ids[bit - 5], upper, name);
}

/* The parsed value of a member, or NULL. */
static json_t *parse(const member *m)
{
    return m ? json_loadb(m->value, m->value_len, JSON_DECODE_ANY, NULL) : NULL;
}

typedef struct sharing_now {
    int tlp;                     /* most restrictive TLP named, -1 none */
    unsigned bits;               /* kz_stix_marking_bit of each ref */
    bool recipients_same, allow_same;
} sharing_now;

static bool same_recipients(json_t *arr, const kz_strlist *want)
{
    if (!want->n)
        return !arr;
    if (!json_is_array(arr) || json_array_size(arr) != want->n)
        return false;
    for (size_t i = 0; i < want->n; i++) {
        bool found = false;
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v) {
            const char *s = json_string_value(v);
            found |= s && strncmp(s, "identity--", 10) == 0 && strcmp(s + 10, want->v[i]) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

static void note_ref(sharing_now *now, const char *id)
{
    int t = kz_stix_tlp_of_marking(id);
    if (t > now->tlp)
        now->tlp = t;
    now->bits |= kz_stix_marking_bit(id);
}

/* The marking refs of a compact array of plain strings, read in place; false when the
 * array is anything else (escapes, other values), for jansson to read. */
static bool refs_in_place(const member *m, sharing_now *now)
{
    const char *p = m->value, *end = m->value + m->value_len;
    if (p >= end || *p++ != '[' || end[-1] != ']')
        return false;
    end--;
    while (p < end) {
        if (*p != '"')
            return false;
        const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
        char id[KZ_STIX_ID_MAX + 1];
        size_t len = q ? (size_t)(q - p - 1) : 0;
        if (!q || len > KZ_STIX_ID_MAX || memchr(p + 1, '\\', len))
            return false;
        memcpy(id, p + 1, len);
        id[len] = '\0';
        note_ref(now, id);
        p = q + 1;
        if (p < end && *p++ != ',')
            return false;
    }
    return true;
}

static void read_sharing(const member *m, size_t n, const kz_strlist *recipients, bool allow, sharing_now *now)
{
    const member *mr = find(m, n, "object_marking_refs");
    now->tlp = -1;
    now->bits = 0;
    if (mr && !refs_in_place(mr, now)) {
        now->tlp = -1;
        now->bits = 0;
        json_t *refs = parse(mr);
        size_t i;
        json_t *v;
        json_array_foreach(refs, i, v) {
            if (json_is_string(v))
                note_ref(now, json_string_value(v));
        }
        json_decref(refs);
    }
    const member *mrec = find(m, n, "x_kizuna_recipients");
    json_t *rec = mrec ? parse(mrec) : NULL;
    now->recipients_same = mrec || recipients->n ? same_recipients(rec, recipients) : true;
    json_decref(rec);
    const member *ac = find(m, n, "x_kizuna_allow_clients");
    bool said = ac && ac->value_len == 4 && memcmp(ac->value, "true", 4) == 0;
    now->allow_same = said == allow && (allow || !ac);
}

/* object_marking_refs: the refs that are not TLP, as they were, then the TLP one. */
static kz_rc put_markings(kz_buf *b, const member *m, size_t n, int tlp, unsigned *bits)
{
    json_t *refs = parse(find(m, n, "object_marking_refs"));
    kz_rc rc = kz_buf_puts(b, "\"object_marking_refs\":[");
    size_t i;
    json_t *v;
    bool first = true;
    json_array_foreach(refs, i, v) {
        const char *id = json_string_value(v);
        if (rc || !id || kz_stix_tlp_of_marking(id) >= 0)
            continue;
        if (!first)
            rc = kz_buf_puts(b, ",");
        if (!rc)
            rc = kz_json_text_str(b, id);
        first = false;
    }
    json_decref(refs);
    if (!rc)
        rc = kz_buf_printf(b, "%s\"%s\"]", first ? "" : ",", kz_stix_tlp_marking[tlp]);
    *bits = 1u << tlp;
    return rc;
}

void kz_stix_each_marking_ref(const char *json, void (*fn)(void *ctx, const char *id), void *ctx)
{
    size_t n;
    member found[MEMBERS_MAX];
    if (!members(json, strlen(json), found, &n))
        return;
    json_t *refs = parse(find(found, n, "object_marking_refs"));
    size_t i;
    json_t *v;
    json_array_foreach(refs, i, v) {
        const char *id = json_string_value(v);
        if (id)
            fn(ctx, id);
    }
    json_decref(refs);
}

static void most_restrictive(void *ctx, const char *id)
{
    int *tlp = ctx, t = kz_stix_tlp_of_marking(id);
    if (t > *tlp)
        *tlp = t;
}

int kz_stix_text_tlp(const char *json)
{
    int tlp = -1;
    kz_stix_each_marking_ref(json, most_restrictive, &tlp);
    return tlp;
}

kz_rc kz_stix_write_kept(kz_buf *b, const char *json, int tlp, const kz_strlist *recipients, bool allow_clients,
                         unsigned *markings)
{
    size_t len = strlen(json), n;
    unsigned bits = 0;
    member found[MEMBERS_MAX];
    if (tlp < KZ_TLP_CLEAR || tlp > KZ_TLP_RED || !members(json, len, found, &n)) {
        if (markings)
            *markings = 0;
        return kz_buf_puts(b, json);  /* not an object this can read: as it is */
    }
    sharing_now now;
    read_sharing(found, n, recipients, allow_clients, &now);
    bits = now.bits;
    if (now.tlp == tlp && now.recipients_same && now.allow_same) {
        if (markings)
            *markings = bits;
        return kz_buf_puts(b, json);
    }
    static const char *const replaced[] = {"object_marking_refs", "x_kizuna_recipients", "x_kizuna_allow_clients"};
    kz_rc rc = kz_buf_puts(b, "{");
    bool first = true;
    for (size_t i = 0; !rc && i < n; i++) {
        bool skip = false;
        for (size_t k = 0; k < sizeof replaced / sizeof *replaced; k++)
            skip |= key_is(&found[i], replaced[k]);
        if (skip)
            continue;
        if (!first)
            rc = kz_buf_puts(b, ",");
        if (!rc)
            rc = kz_buf_append(b, found[i].start, (size_t)(found[i].end - found[i].start));
        first = false;
    }
    if (!rc && !first)
        rc = kz_buf_puts(b, ",");
    if (!rc)
        rc = put_markings(b, found, n, tlp, &bits);
    for (size_t i = 0; !rc && i < recipients->n; i++)
        rc = kz_buf_printf(b, "%s\"identity--%s\"", i ? "," : ",\"x_kizuna_recipients\":[", recipients->v[i]);
    if (!rc && recipients->n)
        rc = kz_buf_puts(b, "]");
    if (!rc && allow_clients)
        rc = kz_buf_puts(b, ",\"x_kizuna_allow_clients\":true");
    if (!rc)
        rc = kz_buf_puts(b, "}");
    if (markings)
        *markings = bits;
    return rc;
}
