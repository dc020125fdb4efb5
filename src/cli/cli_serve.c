/* kizuna serve: run the HTTP API and the scheduler until SIGINT or SIGTERM. */
#include "cli/cli.h"

#include "http/cache.h"
#include "http/server.h"
#include "service/scheduler.h"
#include "util/log.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int serve(const kz_args *a, kz_node *node, const kz_server_opts *so, unsigned sched_ms)
{
    kz_err err;
    kz_server *srv = NULL;
    if (kz_server_start(node, so, &srv, &err))
        return kz_cli_error(a, "%s", err.msg);
    if (kz_scheduler_start(node, sched_ms, &err)) {
        kz_server_stop(srv);
        return kz_cli_error(a, "%s", err.msg);
    }
    unsigned port = kz_server_port(srv);
    kz_log(KZ_LOG_INFO, "http.listening", KZ_S("listen", so->listen), KZ_I("port", port),
           KZ_B("test_clock", node->test_clock));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    kz_log(KZ_LOG_INFO, "http.stopping", KZ_S("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"));
    kz_server_stop(srv);
    kz_scheduler_stop();
    return 0;
}

static int run(const kz_args *a)
{
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    long long threads = kz_arg_num(a, "threads", 0, 256);
    long long max_body = kz_arg_num(a, "max-body", 1024, 1LL << 30);
    long long max_bulk = kz_arg_num(a, "max-bulk-body", 1024, 1LL << 30);
    long long sched = kz_arg_num(a, "scheduler-interval", 1, 86400);
    long long grace = kz_arg_num(a, "grace", 0, 600);
    if (threads < 0 || max_body < 0 || max_bulk < 0 || sched < 0 || grace < 0)
        return 2;
    /* Block the stop signals before any thread starts, so that only sigwait sees them;
     * ignore SIGPIPE from clients that hang up. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    kz_err err;
    kz_node *node = NULL;
    if (kz_node_open(db, &node, &err))
        return kz_cli_error(a, "%s", err.msg);
    node->test_clock = kz_arg(a, "test-clock") != NULL;
    kz_cache_enable(kz_arg(a, "no-response-cache") == NULL);
    node->public_clear = kz_arg(a, "public") != NULL;
    kz_server_opts so = {
        .listen = kz_arg(a, "listen"),
        .threads = (unsigned)threads,
        .max_body = (size_t)max_body,
        .max_bulk_body = (size_t)max_bulk,
        .grace_ms = (unsigned)grace * 1000,
    };
    int rc = serve(a, node, &so, (unsigned)sched * 1000);
    kz_node_close(node);
    return rc;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    {"listen", "HOST:PORT", "127.0.0.1:8470", "address to serve on ([::1]:PORT for IPv6)"},
    {"threads", "N", "0", "worker threads; 0 = two per core, at least 4"},
    {"max-body", "BYTES", "1048576", "largest request body accepted"},
    {"max-bulk-body", "BYTES", "33554432", "largest body of a bulk upload (POST /indicators/bulk)"},
    {"public", NULL, NULL, "let callers without a key read TLP:CLEAR incidents and indicators"},
    {"scheduler-interval", "SECONDS", "30", "how often recurring checks and other duties run"},
    {"grace", "SECONDS", "10", "on SIGINT/SIGTERM, how long to let in-flight requests finish"},
    {"no-response-cache", NULL, NULL, "always run directory queries, never reuse an answer"},
    {"test-clock", NULL, NULL, "let admins move the clock (POST /api/v1/test/clock); tests only"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_serve = {
    "serve", "--db FILE [options]", "serve the HTTP API (and run scheduled duties)",
    "Serves the API under /api/v1 until SIGINT or SIGTERM, then stops accepting connections,\n"
    "lets requests in flight finish and exits 0. Logs one JSON line per request on stderr.",
    opts, run, 0, 0,
};
