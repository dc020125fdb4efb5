/* Charts for reports, as standalone SVG: a line chart of one or more series over
 * labelled points (periods), with a zero-based y axis on round numbers, a legend and a
 * title. Text is XML-escaped; the output has no scripts and no external references. */
#ifndef KZ_CODEC_CHART_SVG_H
#define KZ_CODEC_CHART_SVG_H

#include "util/buf.h"

#include <stddef.h>

typedef struct kz_chart_series {
    const char *name;
    const double *y;     /* one value per x label; NAN where the series has none */
} kz_chart_series;

/* Appends the SVG document to out. KZ_EINVAL without labels; KZ_ETOOBIG/KZ_ENOMEM from
 * the buffer. */
kz_rc kz_chart_svg(kz_buf *out, const char *title, const char *const *x, size_t nx,
                   const kz_chart_series *s, size_t ns);

#endif
