/* CSV (RFC 4180: quoted fields with "" inside, split by codec/sharing/csv.h) and TSV:
 * the columns named by --fields (by header name or 1-based number), or every column by
 * the shape of its value; the timestamp and victim columns by name or number. */
#include "codec/telemetry/logfmt_internal.h"

#include "codec/sharing/csv.h"

#include <stdio.h>
#include <string.h>

int kz__parse_csv(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, bool first,
                  kz_record *rec)
{
    if (first && f->header)
        return 0;
    kz_csv_field fl[KZ_MAX_FIELDS];
    int k;
    if (!memchr(s, '"', n)) {  /* no quoted field: the delimited formats' splitter */
        const char *v[KZ_MAX_FIELDS + 1];
        size_t len[KZ_MAX_FIELDS + 1];
        k = kz__split(s, n && s[n - 1] == '\r' ? n - 1 : n, f->sep, false, v, len, KZ_MAX_FIELDS + 1);
        if (k > KZ_MAX_FIELDS)
            return -1;  /* as kz_csv_split: more fields than the record holds */
        for (int i = 0; i < k; i++)
            fl[i] = (kz_csv_field){v[i], len[i]};
    } else {
        char *scratch = kz__scratch(c, n);
        if (!scratch || kz_csv_split(s, n, f->sep, scratch, fl, KZ_MAX_FIELDS, &k, NULL) != KZ_OK)
            return -1;
    }
    for (int i = 0; i < k; i++) {
        int col = i + 1;
        const char *name;
        size_t name_len;
        if (i < f->ncols) {
            name = f->colnames[i];
            name_len = f->colname_len[i];
        } else {
            char *d = kz__scratch(c, 12);
            if (!d)
                break;
            name_len = (size_t)snprintf(d, 12, "%d", col);
            name = d;
        }
        if (col == f->ts_col) {
            rec->ts = fl[i].p;
            rec->ts_len = fl[i].n;
        }
        if (col == f->victim_col) {
            rec->victim = fl[i].p;
            rec->victim_len = fl[i].n;
            rec->victim_field = name;
            rec->victim_field_len = name_len;
        }
        int kind = kz__select(f, name, name_len, col);
        if (kind < 0 || fl[i].n == 0)
            continue;
        if (kind == KZ_OBS_TEXT)
            kz_text_extract(fl[i].p, fl[i].n, name, name_len, rec);
        else
            kz__add_field(rec, name, name_len, fl[i].p, fl[i].n, (kz_obs_kind)kind);
    }
    return 1;
}
