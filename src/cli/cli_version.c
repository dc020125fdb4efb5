/* kizuna version and kizuna routes: what this binary is and what it serves. */
#include "cli/cli.h"

#include "http/router.h"
#include "kz_config.h"
#include "store/core/store.h"

#include "http/server.h"

#include <jansson.h>
#include <stdio.h>

static int run_version(const kz_args *a)
{
    (void)a;
    printf("kizuna %s (schema %d; sqlite %s, libmicrohttpd %s, jansson %s)\n", KZ_VERSION,
           kz_store_schema_version(), kz_store_engine_version(), kz_server_lib_version(), JANSSON_VERSION);
    return 0;
}

static int run_routes(const kz_args *a)
{
    (void)a;
    for (const kz_endpoint *r = kz_endpoints; r->method; r++)
        printf("%-7s %-40s %s\n", r->method, r->pattern, r->summary);
    return 0;
}

static const kz_opt none[] = {{0}};

const kz_cmd kz_cmd_version = {"version", "", "print the version of kizuna and its libraries",
                               NULL, none, run_version, 0, 0};
const kz_cmd kz_cmd_routes = {"routes", "", "list the HTTP API's endpoints", NULL, none,
                              run_routes, 0, 0};
