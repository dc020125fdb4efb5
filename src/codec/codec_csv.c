/* CSV field splitting (RFC 4180, one physical line per record). */
#include "codec/csv.h"

#include <string.h>

kz_rc kz_csv_split(const char *line, size_t n, char sep, char *scratch, kz_csv_field *f, int max,
                   int *nf, kz_err *err)
{
    if (n && line[n - 1] == '\r')
        n--;
    int k = 0;
    size_t i = 0, s = 0;
    *nf = 0;
    for (;;) {
        if (k == max)
            return kz_fail(err, KZ_EINVAL, NULL, "column %zu: more than %d fields", i + 1, max);
        if (i < n && line[i] == '"') {
            size_t open = i++;
            char *out = scratch + s;
            size_t len = 0;
            for (;;) {
                if (i >= n)
                    return kz_fail(err, KZ_EINVAL, NULL,
                                   "column %zu: the quote opened here is not closed", open + 1);
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        out[len++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[len++] = line[i++];
            }
            if (i < n && line[i] != sep)
                return kz_fail(err, KZ_EINVAL, NULL,
                               "column %zu: text after the closing quote of a field", i + 1);
            f[k++] = (kz_csv_field){out, len};
            s += len;
        } else {
            const char *end = memchr(line + i, sep, n - i);
            size_t stop = end ? (size_t)(end - line) : n;
            f[k++] = (kz_csv_field){line + i, stop - i};
            i = stop;
        }
        if (i >= n)
            break;
        i++;  /* the separator */
        if (i == n) {  /* a trailing separator ends with an empty field */
            if (k == max)
                return kz_fail(err, KZ_EINVAL, NULL, "column %zu: more than %d fields", i, max);
            f[k++] = (kz_csv_field){line + i, 0};
            break;
        }
    }
    *nf = k;
    return KZ_OK;
}
