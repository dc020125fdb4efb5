/* JSON-lines logger on stderr. Each line is written with one write(2) so that lines
 * from several threads never interleave. */
#include "util/log.h"

#include "util/buf.h"
#include "util/clock.h"
#include "util/json_text.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static atomic_int min_level = KZ_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void kz_log_set_level(kz_log_level level) { atomic_store(&min_level, (int)level); }

int kz_log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void kz__log(kz_log_level level, const char *event, const kz_kv *kv)
{
    if ((int)level < atomic_load(&min_level))
        return;
    char ts[40];
    kz_time_format(kz_now_ms(), ts, sizeof ts);
    kz_buf b;
    kz_buf_init(&b, 16384);
    kz_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, level_names[level]);
    kz_json_text_str(&b, event);
    for (; kv && kv->key; kv++) {
        kz_buf_puts(&b, ",");
        kz_json_text_str(&b, kv->key);
        kz_buf_puts(&b, ":");
        switch (kv->type) {
        case 's': kz_json_text_str(&b, kv->s); break;
        case 'i': kz_buf_printf(&b, "%lld", (long long)kv->i); break;
        case 'f': kz_buf_printf(&b, "%.6g", kv->f); break;
        default: kz_buf_puts(&b, kv->i ? "true" : "false"); break;
        }
    }
    kz_buf_puts(&b, "}\n");
    if (b.p) {
        ssize_t w = write(STDERR_FILENO, b.p, b.len);
        (void)w;
    }
    kz_buf_free(&b);
}
