/* bench/api mhd_const: libmicrohttpd serving one constant body (a file read once) with
 * the daemon options and the security headers of `kizuna serve`: the floor of the HTTP
 * layer under the bench's wrk command, for the budget of the directory query. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *body;
static size_t body_len;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state)
{
    (void)cls, (void)url, (void)method, (void)version, (void)data, (void)size;
    static int seen;
    if (!*state) { /* as kizuna's handler: the first call only says the request is taken */
        *state = &seen;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(body_len, body, NULL, NULL);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE PORT [THREADS]\n", argv[0]);
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp)
        return 1;
    static char buf[1 << 22];
    body_len = fread(buf, 1, sizeof buf, fp);
    body = buf;
    fclose(fp);
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : (unsigned)(nproc * 2 < 4 ? 4 : nproc * 2);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC,
                                            (uint16_t)strtoul(argv[2], NULL, 10), NULL, NULL, on_request, NULL,
                                            MHD_OPTION_THREAD_POOL_SIZE, threads,
                                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
                                            MHD_OPTION_END);
    if (!d)
        return 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
