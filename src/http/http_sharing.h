/* Shared by the handlers of incidents and indicators (http_incidents.c,
 * http_indicators.c). */
#ifndef KZ_HTTP_SHARING_H
#define KZ_HTTP_SHARING_H

#include "codec/stix/stix.h"
#include "service/sharing/export.h"
#include "store/sharing/sharing.h"
#include "util/buf.h"

#include <jansson.h>

/* {"value": count, ...} in the order of c (largest first); rows without a value are
 * counted under "unset". New reference, NULL on ENOMEM. */
json_t *kz_counts_json(const kz_counts *c);

/* The statistics of a resource: its filter, and what it is counted by, one
 * count(c, filter, d, out) per dimension d of names[0..n). */
struct kz_req;
struct kz_call;
typedef kz_rc (*kz_count_fn)(struct kz_call *c, const void *filter, int dim, kz_counts *out);
typedef struct kz_stats_desc {
    const struct kz_filter_desc *filter;
    const char *const *names;
    int n;
    kz_count_fn count;
} kz_stats_desc;
/* Reads d's filter from the query (no other parameter allowed), then replies
 * {"total": n, "by": {dim: counts, ...}}. */
kz_rc kz_reply_stats(struct kz_req *r, const kz_stats_desc *d);

/* The query parameters an export takes beside its filter: {"format", NULL}. */
extern const char *const kz_export_params[];

/* A JSON array of n structs of schema s laid out item_size bytes apart (for arrays
 * nested in a reply; whole pages go through kz_reply_page). New reference or NULL. */
json_t *kz_json_array_of(const kz_schema *s, const void *items, size_t n, size_t item_size);

/* The request body as a kz_byte_source, read from the start (s: the reading state,
 * owned by the caller, living as long as the source is used). */
typedef struct kz_body_src {
    const kz_buf *b;
    size_t at;
} kz_body_src;
kz_byte_source kz_body_source(kz_body_src *s, const kz_buf *b);

/* Runs the export format named by the query's "format" (csv, json, stix) over o's
 * filters into the reply, as an attachment named kizuna-<what>.<ext>. KZ_EINVAL naming
 * "format" for an unknown one. */
kz_rc kz_reply_export(struct kz_req *r, kz_export_opts *o, const char *what);

#endif
