/* The background worker thread and its table of periodic duties. Later capabilities
 * (request escalation, the mail outbox) add a row to `duties`. */
#include "service/core/scheduler.h"

#include "service/core/call.h"
#include "service/directory/checks.h"
#include "service/directory/sessions.h"
#include "service/exercises/exercises.h"
#include "service/core/notify.h"
#include "service/core/outbox.h"
#include "service/federation/federation.h"
#include "service/requests/requests.h"
#include "service/statements/statements.h"
#include "util/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

static long run_check_schedules(kz_call *c)
{
    size_t ran = 0;
    kz_rc rc = kz_svc_schedule_run_due(c, kz_now_ms(), &ran);
    return rc ? -1 : (long)ran;
}

/* Pulls from the peers that are due: their --peer-sync period passed, their backoff
 * ended or they poked this node (only this thread runs it). */
static long run_peer_sync(kz_call *c)
{
    if (!c->node->peer_sync_s)
        return 0;
    return kz_svc_peers_sync_all(c) ? -1 : 0;
}

static const struct {
    const char *name;
    kz_duty_fn fn;
} duties[] = {
    {"check_schedules", run_check_schedules},
    {"request_escalations", kz_svc_request_escalate_due},
    {"request_warnings", kz_svc_request_warn_due},
    {"session_purge", kz_svc_sessions_purge},
    {"statement_releases", kz_svc_statement_release_due},
    {"exercise_injects", kz_svc_exercise_deliver_due},
    {"peer_sync", run_peer_sync},
    {"peer_pokes", kz_svc_fed_pokes_deliver},
    {"fed_compact", kz_svc_fed_compact_due},
    {"mail_outbox", kz_svc_outbox_deliver},  /* last: sends what the duties above wrote */
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool running, stop, wake;
    unsigned interval_ms;
    kz_node *node;
} sched = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

void kz_scheduler_run_once(kz_node *node)
{
    for (size_t i = 0; i < sizeof duties / sizeof *duties; i++) {
        kz_arena a;
        kz_err err;
        kz_call c;
        kz_arena_init(&a);
        kz_err_clear(&err);
        if (kz_call_init_system(&c, node, "scheduler", &a, &err) == KZ_OK) {
            long done = duties[i].fn(&c);
            kz_call_settle(&c, duties[i].name);
            if (done < 0)
                kz_log(KZ_LOG_WARN, "scheduler.failed", KZ_S("duty", duties[i].name), KZ_S("error", err.msg));
            else if (done > 0)
                kz_log(KZ_LOG_INFO, "scheduler.ran", KZ_S("duty", duties[i].name), KZ_I("done", done));
        }
        kz_arena_free(&a);
    }
}

static void *loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&sched.lock);
    while (!sched.stop) {
        pthread_mutex_unlock(&sched.lock);
        kz_scheduler_run_once(sched.node);
        pthread_mutex_lock(&sched.lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += sched.interval_ms / 1000;
        until.tv_nsec += (long)(sched.interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!sched.stop && !sched.wake)
            if (pthread_cond_timedwait(&sched.cond, &sched.lock, &until) != 0)
                break;
        sched.wake = false;
    }
    pthread_mutex_unlock(&sched.lock);
    return NULL;
}

kz_rc kz_scheduler_start(kz_node *node, unsigned interval_ms, kz_err *err)
{
    pthread_mutex_lock(&sched.lock);
    sched.node = node;
    sched.interval_ms = interval_ms ? interval_ms : 30000;
    sched.stop = sched.wake = false;
    int e = sched.running ? 0 : pthread_create(&sched.thread, NULL, loop, NULL);
    sched.running = sched.running || e == 0;
    pthread_mutex_unlock(&sched.lock);
    return e ? kz_fail(err, KZ_EINTERNAL, NULL, "cannot start the scheduler thread") : KZ_OK;
}

void kz_scheduler_wake(void)
{
    pthread_mutex_lock(&sched.lock);
    sched.wake = true;
    pthread_cond_signal(&sched.cond);
    pthread_mutex_unlock(&sched.lock);
}

void kz_scheduler_stop(void)
{
    pthread_mutex_lock(&sched.lock);
    bool was = sched.running;
    sched.stop = true;
    pthread_cond_signal(&sched.cond);
    pthread_mutex_unlock(&sched.lock);
    if (was)
        pthread_join(sched.thread, NULL);
    sched.running = false;
}
