/* Wire names of the telemetry vocabularies. Order matches the C enums. */
#include "model/telemetry.h"

static const char *const obs_kind_values[] = {"none", "ip",   "host", "url",
                                              "email", "hash", "auto", "text"};
_Static_assert(sizeof obs_kind_values / sizeof *obs_kind_values == KZ_OBS_KIND_COUNT,
               "one wire name per observation kind");
const kz_enum kz_obs_kind_enum = {"field kind", obs_kind_values, KZ_OBS_KIND_COUNT};

static const char *const period_values[] = {"day", "week", "month", "quarter", "half-year", "year"};
_Static_assert(sizeof period_values / sizeof *period_values == KZ_PERIOD_COUNT, "one name per period");
const kz_enum kz_period_enum = {"period", period_values, KZ_PERIOD_COUNT};

static const char *const dim_values[] = {"total", "class", "sector", "source", "type"};
_Static_assert(sizeof dim_values / sizeof *dim_values == KZ_VICTIMS_DIM_COUNT, "one name per dimension");
const kz_enum kz_victim_dim_enum = {"grouping", dim_values, KZ_VICTIMS_DIM_COUNT};
