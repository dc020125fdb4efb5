/* Structured logging: one JSON object per line on stderr.
 *
 *   kz_log(KZ_LOG_INFO, "http.request", KZ_S("route", r), KZ_I("status", 200));
 *
 * Values are escaped here; callers never format JSON. Never pass secrets (keys, tokens,
 * raw request paths that may carry tokens) or personal data: log ids and route names. */
#ifndef KZ_UTIL_LOG_H
#define KZ_UTIL_LOG_H

#include <stdint.h>

typedef enum kz_log_level { KZ_LOG_DEBUG, KZ_LOG_INFO, KZ_LOG_WARN, KZ_LOG_ERROR } kz_log_level;

typedef struct kz_kv {
    const char *key;  /* NULL ends the list */
    char type;        /* 's' string, 'i' integer, 'f' double, 'b' boolean */
    const char *s;
    int64_t i;
    double f;
} kz_kv;

#define KZ_S(k, v) ((kz_kv){.key = (k), .type = 's', .s = (v)})
#define KZ_I(k, v) ((kz_kv){.key = (k), .type = 'i', .i = (int64_t)(v)})
#define KZ_F(k, v) ((kz_kv){.key = (k), .type = 'f', .f = (double)(v)})
#define KZ_B(k, v) ((kz_kv){.key = (k), .type = 'b', .i = (v) ? 1 : 0})

#define kz_log(level, event, ...) kz__log((level), (event), (const kz_kv[]){__VA_ARGS__ __VA_OPT__(,) {0}})

/* Lines below this level are dropped. Default KZ_LOG_INFO. */
void kz_log_set_level(kz_log_level level);

/* Parses "debug", "info", "warn" or "error"; returns -1 when unknown. */
int kz_log_level_parse(const char *name);

void kz__log(kz_log_level level, const char *event, const kz_kv *kv);

#endif
