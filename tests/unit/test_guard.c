/* Unit tests of http/guard: the limits that cannot work together, places per client
 * address and in all (through churn that exercises the table's deletions), the exempt
 * proxy, refusing everything while stopping, and the sweeper closing a connection past
 * its request deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in v4(unsigned n)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(0x0a000000u + n); /* 10.x.y.z */
    return a;
}

#define SA(a) ((const struct sockaddr *)&(a))

static kz_guard *start(unsigned timeout_s, unsigned per, unsigned max, const char *exempt)
{
    kz_guard_limits l = {timeout_s, per, max, exempt};
    kz_guard *g = NULL;
    kz_err err;
    assert_int_equal(kz_guard_start(&l, &g, &err), KZ_OK);
    return g;
}

static bool admit_v4(kz_guard *g, unsigned n)
{
    struct sockaddr_in a = v4(n);
    return kz_guard_admit(g, SA(a));
}

/* Admits and opens a connection from a (on a dummy socket), or returns NULL if refused. */
static kz_guard_conn *connect_from(kz_guard *g, struct sockaddr_in a)
{
    return kz_guard_admit(g, SA(a)) ? kz_guard_open(g, SA(a), -1) : NULL;
}

static void refuses_limits_that_cannot_work(void **state)
{
    (void)state;
    kz_err err;
    kz_guard_limits l = {60, 64, 64, NULL};
    assert_int_equal(kz_guard_check(&l, &err), KZ_EINVAL);
    assert_string_equal(err.field, "per-address-connections");
    l = (kz_guard_limits){0, 8, 64, NULL};
    assert_int_equal(kz_guard_check(&l, &err), KZ_EINVAL);
    assert_string_equal(err.field, "request-timeout");
    l = (kz_guard_limits){60, 8, 64, NULL};
    assert_int_equal(kz_guard_check(&l, &err), KZ_OK);
}

static void bounds_each_address_and_frees_its_places(void **state)
{
    (void)state;
    kz_guard *g = start(60, 3, 100, NULL);
    kz_guard_conn *c[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(c[i] = connect_from(g, v4(1)));
    assert_false(admit_v4(g, 1)); /* its fourth */
    kz_guard_conn *other = connect_from(g, v4(2));
    assert_non_null(other);                     /* another address still gets in */
    kz_guard_close(g, c[1]);
    assert_non_null(c[1] = connect_from(g, v4(1)));
    assert_false(admit_v4(g, 1));
    for (int i = 0; i < 3; i++)
        kz_guard_close(g, c[i]);
    kz_guard_close(g, other);
    kz_guard_stop(g);
}

/* Many addresses, closed in a scattered order: every address keeps its own count. */
static void counts_survive_churn(void **state)
{
    (void)state;
    enum { ADDRS = 400, PER = 2 };
    kz_guard *g = start(60, PER, 1000, NULL);
    static kz_guard_conn *c[ADDRS][PER];
    for (unsigned a = 0; a < ADDRS; a++)
        for (int i = 0; i < PER; i++)
            assert_non_null(c[a][i] = connect_from(g, v4(a * 7919)));
    for (unsigned a = 0; a < ADDRS; a++) /* free one place of every third address */
        if ((a * 31) % 3 == 0) {
            kz_guard_close(g, c[a][0]);
            c[a][0] = NULL;
        }
    for (unsigned a = 0; a < ADDRS; a++) {
        bool freed = c[a][0] == NULL;
        kz_guard_conn *again = connect_from(g, v4(a * 7919));
        assert_int_equal(again != NULL, freed);
        if (again)
            c[a][0] = again;
    }
    for (unsigned a = 0; a < ADDRS; a++)
        for (int i = 0; i < PER; i++)
            kz_guard_close(g, c[a][i]);
    /* All free again: the total limit is reached by new addresses, and bites. */
    static kz_guard_conn *d[1000];
    for (unsigned i = 0; i < 1000; i++)
        assert_non_null(d[i] = connect_from(g, v4(100000 + i)));
    assert_false(admit_v4(g, 999999));
    for (unsigned i = 0; i < 1000; i++)
        kz_guard_close(g, d[i]);
    kz_guard_stop(g);
}

static void exempts_the_trusted_proxy(void **state)
{
    (void)state;
    kz_guard *g = start(60, 2, 50, "10.0.0.9");
    kz_guard_conn *c[10];
    for (int i = 0; i < 10; i++)
        assert_non_null(c[i] = connect_from(g, v4(9)));
    for (int i = 0; i < 10; i++)
        kz_guard_close(g, c[i]);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
    assert_true(kz_guard_admit(g, SA(a6)));
    assert_true(kz_guard_admit(g, SA(a6)));
    assert_false(kz_guard_admit(g, SA(a6)));
    kz_guard_stop(g); /* frees reservations and records still held */
}

static void refuses_all_while_stopping(void **state)
{
    (void)state;
    kz_guard *g = start(60, 2, 50, NULL);
    kz_guard_refuse_all(g);
    assert_false(admit_v4(g, 1));
    kz_guard_stop(g);
}

/* A connection that trickles past its deadline has its socket shut down by the
 * sweeper; one whose request was received does not count against it. */
static void sweeper_closes_a_connection_past_its_deadline(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    kz_guard *g = start(1, 2, 50, NULL);
    struct sockaddr_in a = v4(5);
    assert_true(kz_guard_admit(g, SA(a)));
    kz_guard_conn *c = kz_guard_open(g, SA(a), sv[0]);
    assert_non_null(c);
    struct pollfd p = {.fd = sv[1], .events = POLLIN};
    char byte;
    int n = 0;
    for (int i = 0; i < 100 && n == 0; i++) { /* the deadline is 1 s; wait up to 20 s */
        (void)send(sv[1], "a", 1, MSG_NOSIGNAL); /* a steady trickle does not help */
        n = poll(&p, 1, 200);
    }
    assert_int_equal(n, 1);
    assert_int_equal(read(sv[1], &byte, 1), 0); /* end of stream: shut down */
    kz_guard_close(g, c);
    kz_guard_stop(g);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_limits_that_cannot_work),
        cmocka_unit_test(bounds_each_address_and_frees_its_places),
        cmocka_unit_test(counts_survive_churn),
        cmocka_unit_test(exempts_the_trusted_proxy),
        cmocka_unit_test(refuses_all_while_stopping),
        cmocka_unit_test(sweeper_closes_a_connection_past_its_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
