/* MaxMind DB backend through libmaxminddb. Field names tried, in order: the GeoLite2-ASN
 * ones (autonomous_system_number, autonomous_system_organization), country_code (the
 * ip-location-db files) and country.iso_code (GeoLite2-Country/City). */
#include "codec/routing/geo_mmdb.h"

#include "util/alloc.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <string.h>

struct kz_mmdb {
    MMDB_s db;
    char attribution[512];
};

kz_rc kz_mmdb_open(const char *path, kz_mmdb **out, kz_err *err)
{
    *out = NULL;
    kz_mmdb *m = kz_calloc(1, sizeof *m);
    if (!m)
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &m->db);
    if (rc != MMDB_SUCCESS) {
        kz_free(m);
        kz_rc krc = rc == MMDB_FILE_OPEN_ERROR ? KZ_EIO : KZ_ECORRUPT;
        return kz_fail(err, krc, NULL, "%s: not a Kizuna geo table, and libmaxminddb says: %s",
                       path, MMDB_strerror(rc));
    }
    const char *desc = "";
    for (size_t i = 0; i < m->db.metadata.description.count; i++)
        if (strcmp(m->db.metadata.description.descriptions[i]->language, "en") == 0)
            desc = m->db.metadata.description.descriptions[i]->description;
    snprintf(m->attribution, sizeof m->attribution, "MaxMind DB %s%s%s (see its licence)",
             m->db.metadata.database_type, *desc ? ": " : "", desc);
    *out = m;
    return KZ_OK;
}

void kz_mmdb_close(kz_mmdb *m)
{
    if (!m)
        return;
    MMDB_close(&m->db);
    kz_free(m);
}

const char *kz_mmdb_attribution(const kz_mmdb *m) { return m->attribution; }

static bool get(MMDB_entry_s *e, MMDB_entry_data_s *d, uint32_t type, const char *const *path)
{
    return MMDB_aget_value(e, d, path) == MMDB_SUCCESS && d->has_data && d->type == type;
}

void kz_mmdb_lookup(const kz_mmdb *m, const kz_ip *ip, kz_geo_hit *out)
{
    memset(out, 0, sizeof *out);
    out->org = "";
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    const struct sockaddr *sa;
    if (ip->family == 4) {
        sin.sin_addr.s_addr = htonl(ip->v4);
        sa = (const struct sockaddr *)&sin;
    } else {
        memcpy(&sin6.sin6_addr, ip->v6, 16);
        sa = (const struct sockaddr *)&sin6;
    }
    int mmerr;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&m->db, sa, &mmerr);
    if (mmerr != MMDB_SUCCESS || !res.found_entry)
        return;
    MMDB_entry_data_s d;
    static const char *const p_asn[] = {"autonomous_system_number", NULL};
    static const char *const p_org[] = {"autonomous_system_organization", NULL};
    static const char *const p_cc[] = {"country_code", NULL};
    static const char *const p_iso[] = {"country", "iso_code", NULL};
    if (get(&res.entry, &d, MMDB_DATA_TYPE_UINT32, p_asn))
        out->asn = d.uint32;
    else if (get(&res.entry, &d, MMDB_DATA_TYPE_UINT16, p_asn))
        out->asn = d.uint16;
    if (get(&res.entry, &d, MMDB_DATA_TYPE_UTF8_STRING, p_org)) {
        out->org = d.utf8_string;
        out->org_len = d.data_size;
    }
    if (get(&res.entry, &d, MMDB_DATA_TYPE_UTF8_STRING, p_cc) ||
        get(&res.entry, &d, MMDB_DATA_TYPE_UTF8_STRING, p_iso)) {
        if (d.data_size == 2) {
            out->cc[0] = d.utf8_string[0];
            out->cc[1] = d.utf8_string[1];
        }
    }
}
