/* Resource structs written as JSON text without jansson (so that layers which must not
 * see jansson, like the exporters of service/, can write JSON too). Implemented in
 * codec_json_fields.c, next to the decoder and encoder that share the field tables. */
#ifndef KZ_CODEC_JSON_WRITE_H
#define KZ_CODEC_JSON_WRITE_H

#include "model/field.h"
#include "util/buf.h"

/* The same JSON as kz_json_encode, written straight into b as compact text: lists are
 * answered this way because building jansson trees for thousands of fields per request
 * costs more than the query itself. KZ_ENOMEM/KZ_ETOOBIG from the buffer. */
kz_rc kz_json_write(kz_buf *b, const kz_schema *s, const void *obj);

/* {"items": [objects...], "next": cursor or null} written into b. */
kz_rc kz_json_write_page(kz_buf *b, const kz_schema *s, const void *items, size_t n,
                         size_t item_size, const char *next);

#endif
