/* Line charts as SVG (see chart_svg.h): plot area with gridlines on round values, one
 * polyline with markers per series (the Okabe-Ito colours, which stay apart for readers
 * with colour-vision deficiencies), labels thinned so they never overlap. */
#include "codec/core/chart_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { W = 860, H = 440, LEFT = 80, RIGHT = 200, TOP = 50, BOTTOM = 70 };

static const char *const colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#F0E442", "#000000"};

static kz_rc text(kz_buf *b, const char *s)
{
    kz_rc rc = KZ_OK;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '&': rc = kz_buf_puts(b, "&amp;"); break;
        case '<': rc = kz_buf_puts(b, "&lt;"); break;
        case '>': rc = kz_buf_puts(b, "&gt;"); break;
        case '"': rc = kz_buf_puts(b, "&quot;"); break;
        case '\'': rc = kz_buf_puts(b, "&apos;"); break;
        default:
            if ((unsigned char)*s < 0x20)
                continue;  /* not allowed in XML 1.0 */
            rc = kz_buf_append(b, s, 1);
        }
    }
    return rc;
}

/* The smallest 1, 2 or 5 times a power of ten that is at least v. */
static double nice(double v)
{
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    double m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* 2970000 -> "2.97M", 1500 -> "1.5k", 40 -> "40" */
static void short_num(double v, char *out, size_t n)
{
    const char *unit = "";
    if (fabs(v) >= 1e9)
        v /= 1e9, unit = "G";
    else if (fabs(v) >= 1e6)
        v /= 1e6, unit = "M";
    else if (fabs(v) >= 1e3)
        v /= 1e3, unit = "k";
    snprintf(out, n, "%.3g%s", v, unit);
}

kz_rc kz_chart_svg(kz_buf *out, const char *title, const char *const *x, size_t nx,
                   const kz_chart_series *s, size_t ns)
{
    if (nx == 0)
        return KZ_EINVAL;
    double max = 0;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < nx; i++)
            if (!isnan(s[k].y[i]) && s[k].y[i] > max)
                max = s[k].y[i];
    /* about five gridlines on round steps; counts never get steps below 1 */
    double ystep = nice(max / 5);
    if (ystep < 1)
        ystep = 1;
    int ticks = max > 0 ? (int)ceil(max / ystep) : 1;
    double top = ystep * ticks;
    double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
    double step = nx > 1 ? pw / (double)(nx - 1) : 0;
    kz_rc rc = kz_buf_printf(out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
        " font-family=\"sans-serif\" font-size=\"12\">\n"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
        "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">", W, H, W, H, LEFT);
    rc = rc ? rc : text(out, title);
    rc = rc ? rc : kz_buf_puts(out, "</text>\n");
    /* gridlines and y labels */
    for (int g = 0; g <= ticks && !rc; g++) {
        double v = ystep * g, y = TOP + ph - ph * g / ticks;
        char lab[32];
        short_num(v, lab, sizeof lab);
        rc = kz_buf_printf(out,
                           "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>"
                           "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                           LEFT, y, LEFT + pw, y, LEFT - 8, y + 4, lab);
    }
    /* x labels: at most about 12, evenly spaced */
    size_t every = nx > 12 ? (nx + 11) / 12 : 1;
    for (size_t i = 0; i < nx && !rc; i += every) {
        double xx = LEFT + (nx > 1 ? step * (double)i : pw / 2);
        rc = kz_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", xx, TOP + (int)ph + 20);
        rc = rc ? rc : text(out, x[i]);
        rc = rc ? rc : kz_buf_puts(out, "</text>\n");
    }
    rc = rc ? rc : kz_buf_printf(out,
                                 "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n",
                                 LEFT, TOP + ph, LEFT + pw, TOP + ph);
    for (size_t k = 0; k < ns && !rc; k++) {
        const char *col = colours[k % (sizeof colours / sizeof *colours)];
        rc = kz_buf_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (size_t i = 0; i < nx && !rc; i++) {
            if (isnan(s[k].y[i]))
                continue;
            double xx = LEFT + (nx > 1 ? step * (double)i : pw / 2);
            double yy = TOP + ph - ph * s[k].y[i] / top;
            rc = kz_buf_printf(out, "%.1f,%.1f ", xx, yy);
        }
        rc = rc ? rc : kz_buf_puts(out, "\"/>\n");
        for (size_t i = 0; i < nx && !rc; i++) {
            if (isnan(s[k].y[i]))
                continue;
            double xx = LEFT + (nx > 1 ? step * (double)i : pw / 2);
            double yy = TOP + ph - ph * s[k].y[i] / top;
            char lab[32];
            short_num(s[k].y[i], lab, sizeof lab);
            rc = kz_buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>", xx, yy,
                               col);
            rc = rc ? rc : text(out, s[k].name);
            rc = rc ? rc : kz_buf_printf(out, " %s: %s</title></circle>\n", x[i], lab);
        }
        /* legend */
        double ly = TOP + 10 + 22.0 * (double)k;
        rc = rc ? rc : kz_buf_printf(out,
                                     "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                                     "<text x=\"%d\" y=\"%.1f\">",
                                     W - RIGHT + 20, ly, col, W - RIGHT + 40, ly + 6);
        rc = rc ? rc : text(out, s[k].name);
        rc = rc ? rc : kz_buf_puts(out, "</text>\n");
    }
    return rc ? rc : kz_buf_puts(out, "</svg>\n");
}
