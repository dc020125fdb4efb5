/* Lookups over the generated vocabularies. They are small (a hundred terms at most),
 * so a linear scan is the simplest correct search. */
#include "model/taxonomy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model/taxonomy_tables.inc"

const kz_term *kz_vocab_find(const kz_vocab *v, const char *value)
{
    for (size_t i = 0; value && i < v->count; i++)
        if (strcmp(v->terms[i].value, value) == 0)
            return &v->terms[i];
    return NULL;
}

/* The CIRCL incident classifications with an RSIT type; XSS, sql-injection, fastflux
 * and scam name no one class and stay labels. */
static const struct {
    const char *circl, *rsit;
} circl_rsit[] = {
    {"spam", "spam"}, {"system-compromise", "system-compromise"}, {"scan", "scanner"},
    {"denial-of-service", "dos"}, {"copyright-issue", "copyright"}, {"phishing", "phishing"},
    {"malware", "infected-system"}, {"vulnerability", "vulnerable-system"}, {"information-leak", "data-leak"},
    {"cryptojacking", "unauthorised-use-of-resources"}, {"locker", "infected-system"},
    {"screenlocker", "infected-system"}, {"wiper", "data-loss"},
};

/* The value between the quotes of ns:predicate="value", in buf; NULL when not that shape. */
static const char *tag_value(const char *tag, char *buf, size_t size)
{
    const char *q = strchr(tag, '"');
    const char *end = q ? strchr(q + 1, '"') : NULL;
    if (!end || end == q + 1 || (size_t)(end - q - 1) >= size || end[1] != '\0' || q[-1] != '=')
        return NULL;
    memcpy(buf, q + 1, (size_t)(end - q - 1));
    buf[end - q - 1] = '\0';
    return buf;
}

const char *kz_rsit_type_of_tag(const char *tag)
{
    char buf[80];
    const char *v = tag ? tag_value(tag, buf, sizeof buf) : NULL;
    if (!v)
        return NULL;
    if (strncasecmp(tag, "rsit:", 5) == 0 || strncasecmp(tag, "ecsirt:", 7) == 0) {
        const kz_term *t = kz_vocab_find(&kz_rsit_types, v);
        return t ? t->value : NULL;
    }
    if (strncasecmp(tag, "circl:incident-classification=", 30) == 0)
        for (size_t i = 0; i < sizeof circl_rsit / sizeof *circl_rsit; i++)
            if (strcasecmp(v, circl_rsit[i].circl) == 0)
                return circl_rsit[i].rsit;
    return NULL;
}

static kz_rc check(const kz_vocab *v, const char *value, const char *field, kz_err *err)
{
    if (kz_vocab_find(v, value))
        return KZ_OK;
    char some[160] = "";
    size_t o = 0;
    for (size_t i = 0; i < v->count && i < 5 && o < sizeof some; i++)
        o += (size_t)snprintf(some + o, sizeof some - o, "%s%s", i ? ", " : "", v->terms[i].value);
    return kz_fail(err, KZ_EINVAL, field, "'%.64s' is not a %s (%s: %s%s)", value, v->label, v->source,
                   some, v->count > 5 ? ", ..." : "");
}

kz_rc kz_valid_rsit_class(const char *v, const char *field, kz_err *err)
{
    return check(&kz_rsit_classes, v, field, err);
}

kz_rc kz_valid_rsit_type(const char *v, const char *field, kz_err *err)
{
    return check(&kz_rsit_types, v, field, err);
}

kz_rc kz_valid_nis2_sector(const char *v, const char *field, kz_err *err)
{
    return check(&kz_nis2_sectors, v, field, err);
}

kz_rc kz_valid_impact(const char *v, const char *field, kz_err *err)
{
    return check(&kz_nis2_impacts, v, field, err);
}
