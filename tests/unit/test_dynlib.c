/* Unit tests of util/dynlib.c: a library's functions land in the caller's table with
 * their own types and work; a missing library and a missing function are each refused
 * with a sentence that names them. libz stands in for libcurl and libmicrohttpd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/dynlib.h"

#include <string.h>
#include <zlib.h>

typedef struct z_api {
    __typeof__(zlibVersion) *zlibVersion;
    __typeof__(crc32) *crc32;
} z_api;

static void functions_land_in_the_table(void **state)
{
    (void)state;
    static const kz_dynsym syms[] = {KZ_DYNSYM(z_api, "", zlibVersion), KZ_DYNSYM(z_api, "", crc32)};
    z_api z = {0};
    char why[200] = "";
    assert_true(kz_dynlib_open("libz.so.1", syms, 2, &z, why, sizeof why));
    assert_string_equal(why, "");
    assert_string_equal(z.zlibVersion(), zlibVersion());
    const Bytef text[] = "kizuna";
    assert_int_equal(z.crc32(0, text, 6), crc32(0, text, 6));
}

static void a_missing_library_is_named(void **state)
{
    (void)state;
    static const kz_dynsym syms[] = {KZ_DYNSYM(z_api, "", crc32)};
    z_api z = {0};
    char why[200] = "";
    assert_false(kz_dynlib_open("libkizuna-absent.so.9", syms, 1, &z, why, sizeof why));
    assert_non_null(strstr(why, "cannot load libkizuna-absent.so.9"));
}

static void a_missing_function_is_named(void **state)
{
    (void)state;
    static const kz_dynsym syms[] = {KZ_DYNSYM(z_api, "", crc32), {"kz_absent_function", offsetof(z_api, zlibVersion)}};
    z_api z = {0};
    char why[200] = "";
    assert_false(kz_dynlib_open("libz.so.1", syms, 2, &z, why, sizeof why));
    assert_non_null(strstr(why, "libz.so.1 has no function kz_absent_function"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(functions_land_in_the_table),
        cmocka_unit_test(a_missing_library_is_named),
        cmocka_unit_test(a_missing_function_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
