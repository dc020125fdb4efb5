/* The response cache: a fixed table of slots, each holding one key and a refcounted
 * body. A slot is replaced when its key maps there again with a newer generation. */
#include "http/cache.h"

#include "util/alloc.h"

#include <pthread.h>
#include <string.h>

enum { SLOTS = 256, MAX_BODY = 1 << 20, MAX_KEY = 512 };

static struct {
    pthread_mutex_t lock;
    bool disabled;
    struct {
        char key[MAX_KEY];
        uint64_t generation;
        kz_cached_body *body;
    } slot[SLOTS];
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

void kz_cache_enable(bool on) { cache.disabled = !on; }

/* Appends n bytes, and keeps the text terminated; a key that does not fit turns bad.
 * (By hand rather than by vsnprintf: the key is made on every directory GET.) */
static void key_append(kz_cache_key *k, const char *s, size_t n)
{
    if (k->bad || n >= sizeof k->text - k->len) {
        k->bad = true;
        return;
    }
    memcpy(k->text + k->len, s, n);
    k->len += n;
    k->text[k->len] = '\0';
}

/* Appends "N:s", N the length of s in decimal. */
static void key_counted(kz_cache_key *k, const char *s)
{
    size_t n = strlen(s);
    char digits[24];
    char *d = digits + sizeof digits;
    for (size_t v = n; d == digits + sizeof digits || v; v /= 10)
        *--d = (char)('0' + v % 10);
    key_append(k, d, (size_t)(digits + sizeof digits - d));
    key_append(k, ":", 1);
    key_append(k, s, n);
}

void kz_cache_key_init(kz_cache_key *k, const char *path)
{
    k->len = 0;
    k->bad = false;
    k->text[0] = '\0';
    key_append(k, path, strlen(path));
}

void kz_cache_key_arg(kz_cache_key *k, const char *name, const char *value)
{
    key_append(k, "&", 1);
    key_counted(k, name);
    key_append(k, "=", 1);
    key_counted(k, value ? value : "");
}

const char *kz_cache_key_text(const kz_cache_key *k) { return k->bad ? NULL : k->text; }

static unsigned slot_of(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % SLOTS;
}

void kz_cache_release(void *p)
{
    kz_cached_body *b = p;
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        kz_free(b);
}

kz_cached_body *kz_cache_get(const char *key, uint64_t generation)
{
    if (cache.disabled || strlen(key) >= MAX_KEY)
        return NULL;
    unsigned i = slot_of(key);
    kz_cached_body *b = NULL;
    pthread_mutex_lock(&cache.lock);
    if (cache.slot[i].body && cache.slot[i].generation == generation && strcmp(cache.slot[i].key, key) == 0) {
        b = cache.slot[i].body;
        atomic_fetch_add(&b->refs, 1);
    }
    pthread_mutex_unlock(&cache.lock);
    return b;
}

void kz_cache_put(const char *key, uint64_t generation, const char *data, size_t len)
{
    if (cache.disabled || len > MAX_BODY || strlen(key) >= MAX_KEY)
        return;
    kz_cached_body *b = kz_malloc(sizeof *b + len);
    if (!b)
        return;
    atomic_init(&b->refs, 1); /* the cache's own reference */
    b->len = len;
    memcpy(b->data, data, len);
    unsigned i = slot_of(key);
    kz_cached_body *old = NULL;
    pthread_mutex_lock(&cache.lock);
    if (!cache.slot[i].body || cache.slot[i].generation <= generation) {
        old = cache.slot[i].body;
        memcpy(cache.slot[i].key, key, strlen(key) + 1);
        cache.slot[i].generation = generation;
        cache.slot[i].body = b;
        b = NULL;
    }
    pthread_mutex_unlock(&cache.lock);
    kz_cache_release(old);
    kz_cache_release(b);
}
