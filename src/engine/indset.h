/* The compiled indicator set: what the telemetry matcher looks every observed value up
 * in. Built once (kz_indset_builder), then immutable, flat and shared read-only by all
 * worker threads; lookups allocate nothing and take no lock.
 *
 *   addresses   IPv4 and IPv6 addresses and CIDR prefixes in one sorted array of
 *               disjoint intervals per family (nested prefixes resolved to the longest
 *               at build time), a bitmap over the IPv4 /24s in front of it so that a
 *               miss costs one memory access, and an index on the top 16 bits
 *   strings     domains, URLs (exact, and prefix via their host), e-mail addresses and
 *               hashes in one open-addressing table of 32-bit tags and indicator
 *               numbers over a pool of the canonical values
 *   domains     looked up label by label from the right: one pass over the host name
 *               hashes every suffix, so "a.b.example.com" costs four probes
 *
 * Indicators with the same type and value (shared by several sources) form a run of
 * consecutive numbers; every lookup reports the whole run. */
#ifndef KZ_ENGINE_INDSET_H
#define KZ_ENGINE_INDSET_H

#include "codec/sharing/indicator_norm.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kz_indset kz_indset;
typedef struct kz_indset_builder kz_indset_builder;

/* One indicator as the set knows it. */
typedef struct kz_ind_info {
    kz_ind_type type;
    const char *value;   /* canonical text (URL prefixes end in '*'), NUL-terminated */
    size_t value_len;
    const char *id;      /* the source's id, or NULL; NUL-terminated */
} kz_ind_info;

/* A new, empty builder, or NULL when out of memory. */
kz_indset_builder *kz_indset_builder_new(void);

/* Adds a normalized indicator (kz_indicator_normalize's output). id may be NULL. The
 * builder copies what it needs. KZ_ENOMEM, or KZ_ETOOBIG past 2^31 indicators. */
kz_rc kz_indset_add(kz_indset_builder *b, kz_ind_type type, const kz_norm *n, const char *id,
                    kz_err *err);

/* Number of indicators added so far. */
size_t kz_indset_builder_count(const kz_indset_builder *b);

/* Compiles the set and frees the builder (also on failure). The set is freed with
 * kz_indset_free; until then it may be read by any number of threads. */
kz_rc kz_indset_compile(kz_indset_builder *b, kz_indset **out, kz_err *err);

void kz_indset_builder_free(kz_indset_builder *b);
void kz_indset_free(kz_indset *s);

size_t kz_indset_count(const kz_indset *s);

/* Indicators of one type. */
size_t kz_indset_count_type(const kz_indset *s, kz_ind_type t);

/* Bytes held by the compiled set (tables, pool, records): the memory per indicator
 * figure is this divided by kz_indset_count. */
size_t kz_indset_bytes(const kz_indset *s);

/* The type of indicator number i (0 <= i < count). */
kz_ind_type kz_indset_type(const kz_indset *s, uint32_t i);

/* Indicator number i (0 <= i < count). idbuf holds the id's text when it is stored in
 * binary (UUIDs); out->id may point into it. */
void kz_indset_get(const kz_indset *s, uint32_t i, kz_ind_info *out, char idbuf[48]);

/* A run of indicators with one value: numbers first .. first + n - 1. n == 0: none. */
typedef struct kz_run {
    uint32_t first, n;
} kz_run;

/* Longest-prefix match of an address (network byte order). */
kz_run kz_indset_ipv4(const kz_indset *s, const unsigned char a[4]);
kz_run kz_indset_ipv6(const kz_indset *s, const unsigned char a[16]);

/* Every domain indicator that is host itself or a parent of it (host as seen: any case,
 * an optional trailing dot; ASCII, see kz_domain_canon for the rest). Calls hit for each
 * run, from the shortest suffix to the longest; returns how many runs matched. When
 * on_url_host is not NULL it is set as kz_indset_url_host would answer, from the same
 * pass over the name. */
typedef void (*kz_run_cb)(void *ctx, kz_run run);
int kz_indset_domain(const kz_indset *s, const char *host, size_t n, kz_run_cb hit, void *ctx,
                     bool *on_url_host);

/* The same for a name known to have no capital letters (the matcher's common case: it
 * saves lowering every byte). */
int kz_indset_domain_lc(const kz_indset *s, const char *host, size_t n, kz_run_cb hit, void *ctx,
                        bool *on_url_host);

/* True when some URL indicator has this host (canonical, lowercase): the cheap test
 * done before a URL is canonicalized. */
bool kz_indset_url_host(const kz_indset *s, const char *host, size_t n);

/* URL indicators matching a canonical URL: the exact one and every prefix indicator
 * the URL starts with. Returns how many runs matched. */
int kz_indset_url(const kz_indset *s, const char *url, size_t n, size_t host_off, size_t host_len,
                  kz_run_cb hit, void *ctx);

/* Exact lookups of canonical text: e-mail ("local@domain" with the domain lowercase),
 * md5, sha1 and sha256 (lowercase hex; the type follows from the length). */
kz_run kz_indset_email(const kz_indset *s, const char *v, size_t n);
kz_run kz_indset_hash(const kz_indset *s, const char *hex, size_t n);

/* AS number indicators (the caller resolves an address to its AS with the routing
 * data and asks here). */
kz_run kz_indset_asn(const kz_indset *s, uint32_t asn);

/* ---- the compiled set as an image (a file) ----
 * A compiled set can be saved as one flat image and read back in place, without
 * loading or compiling anything: the matcher keeps it next to the indicators and maps
 * it while they are unchanged. key is what the image was made from (the caller's
 * fingerprint of the indicators and of the program); an image is read only under the
 * same key. */
enum { KZ_INDSET_KEY_WORDS = 6 };

/* The image of s into *out (the caller's, kz_free), *n bytes. KZ_ENOMEM. */
kz_rc kz_indset_image(const kz_indset *s, const uint64_t key[KZ_INDSET_KEY_WORDS], void **out, size_t *n,
                      kz_err *err);

/* A set read in place from the image p[0..n) (8-byte aligned, as mapped files and kz_malloc
 * memory are): the set points into p, which must stay unchanged until kz_indset_free,
 * which then calls release(ctx, p, n) when release is not NULL. KZ_EINVAL (and the caller
 * keeps p) when p is not an image, is of another key or another build's layout, fails its
 * checksum, or is inconsistent: every reference in it is checked, so that a damaged file
 * is refused and never read out of bounds. KZ_ENOMEM. */
kz_rc kz_indset_from_image(const void *p, size_t n, const uint64_t key[KZ_INDSET_KEY_WORDS],
                           void (*release)(void *ctx, const void *p, size_t n), void *ctx,
                           kz_indset **out, kz_err *err);

/* Recomputes the checksum of an image p[0..n) after its bytes were changed (the fuzz
 * target's way past the checksum, to reach the consistency checks). */
void kz_indset_image_seal(void *p, size_t n);

/* True when the set has indicators of this type (lets the caller skip whole kinds of
 * work, such as canonicalizing URLs when there is no URL indicator). */
bool kz_indset_has(const kz_indset *s, kz_ind_type t);

#endif
