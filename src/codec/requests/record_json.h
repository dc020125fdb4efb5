/* The JSON side of requests and their record, for the HTTP layer and the exporter:
 * a request as its reader sees it, the content snapshot, stored entries as objects, and
 * the printable page of a record document. */
#ifndef KZ_CODEC_RECORD_JSON_H
#define KZ_CODEC_RECORD_JSON_H

#include "codec/requests/record.h"

#include <jansson.h>

/* Every field of r (overdue included), plus the names of the two organizations when
 * given. The caller has already removed what the reader may not see. New reference,
 * NULL on ENOMEM. */
json_t *kz_request_json(const kz_request *r, const char *from_org_name, const char *to_org_name);

/* The request's content as the record keeps it: the fields of its kind that hold a
 * value, without the sender's responsibility assessment unless it is shared. New
 * reference, NULL on ENOMEM. */
json_t *kz_request_content_json(const kz_request *r);

/* A stored entry as a JSON object: its canonical fields plus "hash" and "signature".
 * New reference, NULL on ENOMEM. An unreadable body (a damaged database) gives an
 * object with "unreadable": true, which verification then reports. */
json_t *kz_record_entry_json(const kz_request_entry *e);

/* A printable, self-contained HTML page of a record document (escaped; no scripts). */
kz_rc kz_record_html(const json_t *doc, kz_buf *out, kz_err *err);

#endif
