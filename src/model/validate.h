/* Validators for string fields, shaped as kz_valid_fn so field tables can name them.
 * Each returns KZ_OK or KZ_EINVAL with the field and a reason in err. */
#ifndef KZ_MODEL_VALIDATE_H
#define KZ_MODEL_VALIDATE_H

#include "util/error.h"

kz_rc kz_valid_country(const char *v, const char *field, kz_err *err);   /* ISO 3166-1 alpha-2 */
kz_rc kz_valid_timezone(const char *v, const char *field, kz_err *err);  /* IANA tz name */
kz_rc kz_valid_hostname(const char *v, const char *field, kz_err *err); /* two labels or more, ASCII */
kz_rc kz_valid_email(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_phone(const char *v, const char *field, kz_err *err);     /* E.164-like */
kz_rc kz_valid_web_url(const char *v, const char *field, kz_err *err);   /* http(s)://host/... */
kz_rc kz_valid_language(const char *v, const char *field, kz_err *err);  /* ISO 639-1 */
kz_rc kz_valid_uuid(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_contact_role(const char *v, const char *field, kz_err *err);
kz_rc kz_valid_hours(const char *v, const char *field, kz_err *err);     /* "Mon-Fri 09:00-17:30" */

/* Directory holding the IANA time zone database; tests may point it elsewhere. */
void kz_set_zoneinfo_dir(const char *dir);

#endif
