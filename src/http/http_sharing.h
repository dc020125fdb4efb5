/* Shared by the handlers of incidents and indicators (http_incidents.c,
 * http_indicators.c). */
#ifndef KZ_HTTP_SHARING_H
#define KZ_HTTP_SHARING_H

#include "store/sharing.h"

#include <jansson.h>

/* {"value": count, ...} in the order of c (largest first); rows without a value are
 * counted under "none". New reference, NULL on ENOMEM. */
json_t *kz_counts_json(const kz_counts *c);

#endif
