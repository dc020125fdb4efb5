/* kizuna serve: run the HTTP API and the scheduler until SIGINT or SIGTERM. */
#include "cli/cli.h"

#include "codec/routing/ip.h"
#include "http/cache.h"
#include "http/server.h"
#include "kz_config.h"
#include "model/validate.h"
#include "service/core/backup.h"
#include "service/core/scheduler.h"
#include "service/directory/contacts.h"
#include "util/log.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int serve(const kz_args *a, kz_node *node, const kz_server_opts *so, unsigned sched_ms)
{
    kz_err err;
    kz_server *srv = NULL;
    /* before any other thread reads, so that the mark reaches the main file at once:
       audit verify tells by it a copy made without the -wal file */
    if (kz_node_serving(node, true, &err))
        kz_log(KZ_LOG_WARN, "node.serving_mark", KZ_S("error", err.msg));
    if (kz_server_start(node, so, &srv, &err)) {
        kz_node_serving(node, false, NULL);
        return kz_cli_error(a, "%s", err.msg);
    }
    if (kz_scheduler_start(node, sched_ms, &err)) {
        kz_server_stop(srv);
        return kz_cli_error(a, "%s", err.msg);
    }
    unsigned port = kz_server_port(srv);
    kz_log(KZ_LOG_INFO, "http.listening", KZ_S("listen", so->listen), KZ_I("port", port),
           KZ_B("tls", so->tls_cert != NULL), KZ_B("test_clock", node->test_clock));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    kz_log(KZ_LOG_INFO, "http.stopping", KZ_S("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"));
    kz_server_stop(srv);
    kz_scheduler_stop();
    kz_node_serving(node, false, NULL);
    return 0;
}

/* Copies one option into a fixed field; false when it does not fit. */
static bool copy_opt(char *dst, size_t size, const char *v)
{
    return (size_t)snprintf(dst, size, "%s", v ? v : "") < size;
}

/* --public-url and the --smtp-* options into the node. Prints the error and returns 2
 * (usage), else 0. Mail stays off without --smtp-url: notices then wait in the outbox. */
static int mail_options(const kz_args *a, kz_node *node, const char *listen)
{
    const char *pub = kz_arg(a, "public-url");
    char def[300];
    if (!pub) {
        snprintf(def, sizeof def, "%s://%s", kz_arg(a, "tls-cert") ? "https" : "http", listen);
        pub = def;
    }
    if ((strncmp(pub, "http://", 7) && strncmp(pub, "https://", 8)) || !copy_opt(node->public_url, sizeof node->public_url, pub))
        return kz_cli_usage_error(a, "--public-url must be an http(s) URL of at most 255 characters");
    size_t n = strlen(node->public_url);
    while (n && node->public_url[n - 1] == '/')
        node->public_url[--n] = '\0';
    kz_mail_config *m = &node->mail;
    const char *url = kz_arg(a, "smtp-url");
    if (!url)
        return 0;
    if (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8))
        return kz_cli_usage_error(a, "--smtp-url must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
    kz_err err;
    if (!copy_opt(m->from, sizeof m->from, kz_arg(a, "smtp-from")) || kz_valid_email(m->from, "smtp-from", &err))
        return kz_cli_usage_error(a, "--smtp-from must be an e-mail address");
    m->tls = kz_mail_tls_parse(kz_arg(a, "smtp-tls"));
    if (m->tls < 0)
        return kz_cli_usage_error(a, "--smtp-tls must be none, try or required");
    long long timeout = kz_arg_num(a, "smtp-timeout", 1, 600);
    if (timeout < 0)
        return 2;
    m->timeout_s = (long)timeout;
    if (!copy_opt(m->url, sizeof m->url, url) || !copy_opt(m->user, sizeof m->user, kz_arg(a, "smtp-user")) ||
        !copy_opt(m->password, sizeof m->password, kz_arg(a, "smtp-password")))
        return kz_cli_usage_error(a, "an --smtp-* value is too long");
    return 0;
}

/* How the server listens: address, TLS and the guard's limits. 2 (usage, printed) or 0. */
static int listen_options(const kz_args *a, kz_server_opts *so)
{
    long long timeout = kz_arg_num(a, "request-timeout", 1, 3600);
    long long per_address = kz_arg_num(a, "per-address-connections", 1, 1 << 20);
    long long max_conns = kz_arg_num(a, "max-connections", 2, 1 << 20);
    if (timeout < 0 || per_address < 0 || max_conns < 0)
        return 2;
    so->listen = kz_arg(a, "listen");
    so->tls_cert = kz_arg(a, "tls-cert");
    so->tls_key = kz_arg(a, "tls-key");
    so->insecure_http = kz_arg(a, "insecure-http") != NULL;
    so->guard = (kz_guard_limits){(unsigned)timeout, (unsigned)per_address, (unsigned)max_conns, NULL};
    kz_err err;
    if (kz_guard_check(&so->guard, &err))
        return kz_cli_usage_error(a, "%s", err.msg);
    return 0;
}

/* --check: could a server start with these options? Binds the address and lets it go. */
static int check_only(const kz_args *a, const kz_server_opts *so)
{
    kz_err err;
    unsigned port = 0;
    if (kz_server_check(so, &port, &err))
        return kz_cli_error(a, "%s", err.msg);
    printf("%s: port %u is free; a server can start\n", so->listen, port);
    return 0;
}

static int run(const kz_args *a)
{
    kz_server_opts so = {0};
    if (listen_options(a, &so))
        return 2;
    if (kz_arg(a, "check"))
        return check_only(a, &so);
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    long long threads = kz_arg_num(a, "threads", 0, 256);
    long long max_body = kz_arg_num(a, "max-body", 1024, 1LL << 30);
    long long max_bulk = kz_arg_num(a, "max-bulk-body", 1024, 1LL << 30);
    long long sched = kz_arg_num(a, "scheduler-interval", 1, 86400);
    long long grace = kz_arg_num(a, "grace", 0, 600);
    long long peer_sync = kz_arg_num(a, "peer-sync", 0, 86400);
    long long row_cache = kz_arg_num(a, "row-cache-kb", 0, 1LL << 24);
    if (threads < 0 || max_body < 0 || max_bulk < 0 || sched < 0 || grace < 0 || peer_sync < 0 || row_cache < 0)
        return 2;
    if (kz_svc_contact_cache_configure((size_t)row_cache * 1024))
        return kz_cli_error(a, "out of memory for --row-cache-kb %lld", row_cache);
    /* Block the stop signals before any thread starts, so that only sigwait sees them;
     * ignore SIGPIPE from clients that hang up. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *sync = kz_arg(a, "synchronous");
    if (strcmp(sync, "full") != 0 && strcmp(sync, "normal") != 0)
        return kz_cli_usage_error(a, "--synchronous must be full or normal");
    kz_err err;
    kz_node *node = NULL;
    if (kz_cli_open_node(a, db, strcmp(sync, "normal") == 0 ? KZ_NODE_SYNC_NORMAL : 0, &node, &err))
        return kz_cli_error(a, "%s", err.msg);
    node->test_clock = kz_arg(a, "test-clock") != NULL;
    node->peer_sync_s = (int)peer_sync;
    if (mail_options(a, node, kz_arg(a, "listen")))
        return 2;
    const char *proxy = kz_arg(a, "trusted-proxy");
    kz_ip ip;
    if (proxy && !kz_ip_parse_exact(proxy, strlen(proxy), &ip)) {
        kz_node_close(node);
        return kz_cli_usage_error(a, "--trusted-proxy must be an IP address");
    }
    char index[4096];
    snprintf(index, sizeof index, "%s/index.html", kz_arg(a, "web-root"));
    if (access(index, R_OK) != 0)
        kz_log(KZ_LOG_WARN, "http.no_web_interface", KZ_S("web_root", kz_arg(a, "web-root")));
    kz_cache_enable(kz_arg(a, "no-response-cache") == NULL);
    node->public_clear = kz_arg(a, "public") != NULL;
    so.threads = (unsigned)threads;
    so.max_body = (size_t)max_body;
    so.max_bulk_body = (size_t)max_bulk;
    so.grace_ms = (unsigned)grace * 1000;
    so.web_root = kz_arg(a, "web-root");
    so.vendor_root = kz_arg(a, "vendor-root");
    so.trusted_proxy = kz_arg(a, "trusted-proxy");
    int rc = serve(a, node, &so, (unsigned)sched * 1000);
    kz_node_close(node);
    kz_svc_contact_cache_configure(0);
    return rc;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"listen", "HOST:PORT", "127.0.0.1:8470", "address to serve on ([::1]:PORT for IPv6); an address other than "
                                              "loopback needs --tls-cert/--tls-key or --insecure-http"},
    {"tls-cert", "FILE", NULL, "serve HTTPS with this PEM certificate (the node's own, then intermediates); sends HSTS"},
    {"tls-key", "FILE", NULL, "the PEM private key of --tls-cert"},
    {"insecure-http", NULL, NULL, "allow plain HTTP on an address other than loopback (a TLS proxy in front ends TLS)"},
    {"check", NULL, NULL, "only check that a server could start (address free, TLS key the certificate's) and exit"},
    {"request-timeout", "SECONDS", "60", "a request's headers and body must arrive "
                        "within this, however steadily they trickle; the connection is closed otherwise"},
    {"per-address-connections", "N", "64", "connections one client address may hold "
                                "(not the --trusted-proxy); below --max-connections"},
    {"max-connections", "N", "4096", "connections in all (lowered to the open-file limit)"},
    {"threads", "N", "0", "worker threads; 0 = two per core, at least 4"},
    {"max-body", "BYTES", "1048576", "largest request body accepted"},
    {"max-bulk-body", "BYTES", "33554432", "largest body of a bulk upload (POST /indicators/bulk)"},
    {"web-root", "DIR", KZ_WEB_ROOT, "the web interface's files, served at /"},
    {"vendor-root", "DIR", KZ_VENDOR_ROOT, "node_modules holding the UI's npm packages, served under /vendor/"},
    {"trusted-proxy", "IP", NULL, "a reverse proxy in front of the node: its X-Forwarded-For names the client (sign-in slow-down per address)"},
    {"public", NULL, NULL, "let callers without a key read TLP:CLEAR incidents and indicators"},
    {"scheduler-interval", "SECONDS", "30", "how often recurring checks and other duties run"},
    {"peer-sync", "SECONDS", "60", "pull from every active peer this often, retry a failing one with backoff, "
                                   "poke peers when the change log grows (0: none of it, only when asked, "
                                   "POST /peers/{id}/sync)"},
    {"grace", "SECONDS", "10", "on SIGINT/SIGTERM, how long to let in-flight requests finish"},
    {"no-response-cache", NULL, NULL, "always run directory queries, never reuse an answer"},
    {"row-cache-kb", "KIB", "32768", "memory for the contact list's cache of each contact's JSON, valid until "
                                     "the next write (0: read every contact of a list from the database)"},
    {"synchronous", "MODE", "full", "full: every acknowledged write is on disk before the answer; normal: faster, "
                                    "but the last writes may be lost on power loss (benchmarks, throwaway nodes)"},
    {"test-clock", NULL, NULL, "let admins move the clock (POST /api/v1/test/clock); tests only"},
    {"public-url", "URL", NULL, "the server's address as people reach it, for links in mail (default http://LISTEN)"},
    {"smtp-url", "URL", NULL, "send notices through this SMTP server: smtp://HOST:PORT or smtps://HOST:PORT (mail is off without it)"},
    {"smtp-from", "ADDRESS", "kizuna@localhost.localdomain", "sender address of notices"},
    {"smtp-user", "NAME", NULL, "SMTP user name, when the server wants a login"},
    {"smtp-password", "SECRET", NULL, "SMTP password (give it in the environment, not on the command line)"},
    {"smtp-tls", "MODE", "try", "STARTTLS on smtp://: none, try or required (smtps:// is always TLS)"},
    {"smtp-timeout", "SECONDS", "60", "longest SMTP conversation for one notice"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_serve = {
    "serve", "--db FILE [options]", "serve the HTTP API (and run scheduled duties)",
    "Serves the web interface at /, the API under /api/v1 until SIGINT or SIGTERM, then stops accepting connections,\n"
    "lets requests in flight finish and exits 0. Logs one JSON line per request on stderr, and an http.limit line\n"
    "when --request-timeout, --per-address-connections or --max-connections bites. Refuses a port another server\n"
    "holds, and plain HTTP on an address other than loopback unless --insecure-http (use --tls-cert/--tls-key).",
    opts, run, 0, 0,
};
