/* Origin routing engine: IPv4 and IPv6 address -> (ASN, AS organization, country).
 *
 * A table is one immutable, position-independent byte image (the file format of
 * engine/geo_format.h): it is built once from range data (kz_geo_builder), written to
 * a file, and later memory-mapped and opened in place (kz_geo_table_open) after its
 * header, checksum and every offset in it have been validated, so that no lookup needs
 * a bounds check. Lookups allocate nothing and are safe from any number of threads.
 *
 * The engine does no I/O: callers hand it bytes (a mapping or a buffer) and say how to
 * release them. service/routing/geo.h opens files, builds from source files and reloads. */
#ifndef KZ_ENGINE_GEO_H
#define KZ_ENGINE_GEO_H

#include "model/geo.h"
#include "util/error.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kz_geo_table kz_geo_table;

/* What an address resolves to. asn 0, org "" and cc "" when the data does not cover it. */
typedef struct kz_geo_answer {
    uint32_t asn;
    const char *org;  /* NUL-terminated, inside the table; valid while the table is */
    char cc[3];       /* ISO 3166-1 alpha-2, NUL-terminated; "" when unknown */
} kz_geo_answer;

/* Record id 0 always means "not covered by the data". */
enum { KZ_GEO_NONE = 0 };

/* Opens the image p[0..n) in place. Validates magic, version, byte order, size,
 * checksum and the structure (every offset, count and record id), so a corrupt or
 * truncated image gives KZ_ECORRUPT (KZ_EVERSION for a newer format) with the reason
 * in err, never a crash later. On success the table borrows p; release(ctx, p, n) is
 * called by kz_geo_table_free (release may be NULL). On failure nothing is released:
 * the caller still owns p. p must be 8-byte aligned (mmap and malloc memory are). */
kz_rc kz_geo_table_open(const void *p, size_t n, void (*release)(void *ctx, const void *p, size_t n),
                        void *ctx, kz_geo_table **out, kz_err *err);

/* Releases the table (and through release, its bytes). NULL is a no-op. Not while
 * other threads use it: see kz_geo_slot for sharing. */
void kz_geo_table_free(kz_geo_table *t);

/* Facts about the table, for `kizuna geodata info` and the attribution footers. */
typedef struct kz_geo_info {
    uint32_t version;
    int64_t built;          /* unix seconds */
    uint32_t records;       /* distinct (asn, org, country) answers, with the empty one */
    uint32_t v4_ranges, v6_ranges;
    size_t bytes;           /* size of the image */
    size_t v4_bytes, v6_bytes, answer_bytes;  /* index + runs of each family; records + names */
    const char *sources;    /* attribution and source list, NUL-terminated, in the table */
} kz_geo_info;

void kz_geo_table_info(const kz_geo_table *t, kz_geo_info *out);

/* Single lookups: the record id of the address (KZ_GEO_NONE when not covered). ip4 is
 * in host order (1.2.3.4 = 0x01020304); ip6 is the 16 bytes in network order. */
uint32_t kz_geo_find4(const kz_geo_table *t, uint32_t ip4);
uint32_t kz_geo_find6(const kz_geo_table *t, const uint8_t ip6[16]);

/* Batch lookups: out[i] = kz_geo_find4(t, ips[i]) for i < n. Interleaves the lookups
 * of small groups and prefetches each level of the table for the whole group before
 * reading it, so the memory latencies of independent lookups overlap. */
void kz_geo_find4_batch(const kz_geo_table *t, const uint32_t *ips, uint32_t *out, size_t n);
void kz_geo_find6_batch(const kz_geo_table *t, const uint8_t (*ips)[16], uint32_t *out, size_t n);

/* Batch lookups straight to answers (the record fetches overlapped as well). */
void kz_geo_lookup4_batch(const kz_geo_table *t, const uint32_t *ips, kz_geo_answer *out, size_t n);

/* The answer of a record id returned by a find function of the same table. */
void kz_geo_record(const kz_geo_table *t, uint32_t id, kz_geo_answer *out);
uint32_t kz_geo_record_asn(const kz_geo_table *t, uint32_t id);

/* --- Building ----------------------------------------------------------------------
 * Ranges come in two layers, each from any number of files: the AS layer (asn and
 * organization) and the country layer. Within a layer, where ranges overlap, the one
 * that starts later wins from its start to its end (so a more specific range nested in
 * a larger one wins inside it); on equal starts the one added last wins. The layers
 * are then overlaid: every address gets the AS answer of the AS layer and the country
 * of the country layer. Adjacent ranges with equal answers are merged. */

typedef struct kz_geo_builder kz_geo_builder;

/* New empty builder (owned by the caller, freed with kz_geo_builder_free). NULL when
 * out of memory. */
kz_geo_builder *kz_geo_builder_new(void);
void kz_geo_builder_free(kz_geo_builder *b);

/* Adds one range to a layer. KZ_EINVAL for first > last or a value outside the
 * family; KZ_ENOMEM. */
kz_rc kz_geo_builder_add(kz_geo_builder *b, kz_geo_layer layer, const kz_geo_range *r, kz_err *err);

/* Compiles everything added into a table image. *out is allocated with kz_malloc
 * (8-byte aligned) and owned by the caller; sources (may be NULL) is stored in the
 * table as its attribution text; built is the time stamp to record. */
kz_rc kz_geo_builder_finish(kz_geo_builder *b, const char *sources, int64_t built, void **out,
                            size_t *out_len, kz_err *err);

/* --- Sharing and reloading ----------------------------------------------------------
 * A slot holds the current table for many reader threads and lets one writer swap in a
 * new one at any time. Readers never lock: kz_geo_slot_acquire returns the current
 * table and pins it until kz_geo_slot_release; hold it for a batch or a request, not
 * for ever, since a later swap waits until the table it retires is unpinned. */

typedef struct kz_geo_slot {
    kz_geo_table *table[2];
    atomic_uint pins[2];
    atomic_int cur;
    atomic_flag writing;
} kz_geo_slot;

/* An empty slot (acquire returns NULL until the first swap). */
void kz_geo_slot_init(kz_geo_slot *s);

/* Installs t (taking ownership) as the current table, then waits until no reader pins
 * the table it replaced and frees it. Writers are serialized against each other. */
void kz_geo_slot_swap(kz_geo_slot *s, kz_geo_table *t);

/* The current table (NULL when none), pinned; *pin is what kz_geo_slot_release needs. */
const kz_geo_table *kz_geo_slot_acquire(kz_geo_slot *s, int *pin);
void kz_geo_slot_release(kz_geo_slot *s, int pin);

/* Frees both tables. No reader may hold a pin. */
void kz_geo_slot_destroy(kz_geo_slot *s);

#endif
