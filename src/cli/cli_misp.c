/* kizuna import misp DIR|URL: a MISP feed (manifest.json and one <uuid>.json per event)
 * from a directory, or fetched file by file from a URL into temporary files. */
#include "cli/cli.h"
#include "model/validate.h"

#include "cli/cli_session.h"
#include "service/stix/misp.h"
#include "util/fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { FEED_FILE_MAX = 1 << 30 };  /* ceiling on one fetched file */

typedef struct feed {
    const char *base;      /* directory, or URL ending in '/' */
    bool url;
} feed;

static kz_rc file_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    FILE *f = ctx;
    *got = fread(buf, 1, cap, f);
    if (*got == 0 && ferror(f))
        return kz_fail(err, KZ_EIO, "", "read error: %s", strerror(errno));
    return KZ_OK;
}

static kz_rc file_rewind(void *ctx, kz_err *err)
{
    if (fseek(ctx, 0, SEEK_SET) != 0)
        return kz_fail(err, KZ_EIO, "", "cannot read the file again: %s", strerror(errno));
    return KZ_OK;
}

/* name within the feed, opened (a directory) or fetched into a temporary file (a URL)
 * when it changed since v's copy: *out stays NULL when the server says it did not. */
static kz_rc open_file(feed *fd, const char *name, kz_fetch_validators *v, FILE **out, kz_err *err)
{
    *out = NULL;
    char path[4096];
    if (snprintf(path, sizeof path, "%s%s", fd->base, name) >= (int)sizeof path)
        return kz_fail(err, KZ_EINVAL, "", "path too long");
    if (!fd->url) {
        *out = fopen(path, "rb");
        return *out ? KZ_OK : kz_fail(err, errno == ENOENT ? KZ_ENOTFOUND : KZ_EIO, "", "cannot open %s: %s",
                                      path, strerror(errno));
    }
    FILE *tmp = tmpfile();
    if (!tmp)
        return kz_fail(err, KZ_EIO, "", "cannot create a temporary file: %s", strerror(errno));
    kz_rc rc = kz_fetch_if(path, tmp, FEED_FILE_MAX, v, err);
    if (!rc && !v->not_modified && fseek(tmp, 0, SEEK_SET) != 0)
        rc = kz_fail(err, KZ_EIO, "", "cannot read back %s", path);
    if (rc || v->not_modified) {
        fclose(tmp);
        return rc;
    }
    *out = tmp;
    return KZ_OK;
}

static kz_rc open_manifest(void *ctx, kz_fetch_validators *v, kz_byte_source *out, kz_err *err)
{
    FILE *f;
    kz_rc rc = open_file(ctx, "manifest.json", v, &f, err);
    if (!rc)
        *out = (kz_byte_source){file_read, f};
    return rc;
}

static kz_rc open_event(void *ctx, const char *uuid, kz_fetch_validators *v, kz_misp_input *out, kz_err *err)
{
    char name[64];
    FILE *f;
    snprintf(name, sizeof name, "%.40s.json", uuid);
    kz_rc rc = open_file(ctx, name, v, &f, err);
    if (!rc)
        *out = (kz_misp_input){{file_read, f}, file_rewind};
    return rc;
}

static void close_file(void *ctx, void *src)
{
    (void)ctx;
    if (src)
        fclose(src);
}

static void print_reject(void *ctx, const char *file, const char *where, const kz_err *e)
{
    kz_cli_reject(ctx, file, where, e);
}

static void show_progress(void *ctx, uint64_t events)
{
    kz_cli_rejects *l = ctx;
    kz_cli_progress_update(l->progress, events);
}

static int run_import(const kz_args *a)
{
    kz_cli_session s;
    kz_misp_import_opts o = {.tlp = KZ_TLP_AMBER, .on_reject = print_reject, .on_progress = show_progress};
    kz_cli_rejects l = {.quiet = kz_arg(a, "quiet") != NULL};
    o.ctx = &l;
    int status = kz_cli_session_open(a, &s);
    if (status) {
        kz_cli_session_close(&s);
        return status;
    }
    status = kz_cli_sharing_args(a, &s, &o.tlp, &o.recipients, &o.source);
    o.dry_run = kz_arg(a, "dry-run") != NULL;
    o.allow_declassify = kz_arg(a, "allow-declassify") != NULL;
    if (!status) status = kz_arg_exercise(a, &o.exercise);
    if (kz_arg_chunk(a, &o.chunk))
        status = 2;
    const char *where = a->rest[0];
    feed fd = {.url = strncmp(where, "http://", 7) == 0 || strncmp(where, "https://", 8) == 0};
    size_t n = strlen(where);
    fd.base = kz_arena_printf(&s.arena, "%s%s", where, n && where[n - 1] == '/' ? "" : "/");
    if (status || !fd.base) {
        kz_cli_session_close(&s);
        return status ? status : kz_cli_error(a, "out of memory");
    }
    kz_misp_feed f = {open_manifest, open_event, close_file, &fd, fd.url ? fd.base : NULL};
    kz_misp_import_report r;
    l.progress = kz_cli_progress_new("importing MISP feed", "events");
    kz_rc rc = kz_svc_misp_import(&s.call, &f, &o, &r);
    kz_cli_progress_done(l.progress);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s%s%s", where, s.err.field[0] ? s.err.field : "", s.err.field[0] ? ": " : "",
                 s.err.msg);
        status = kz_cli_import_failed(a, msg, "events", 0, r.committed);
    } else if (r.manifest_unchanged) {
        printf("%sthe feed's manifest has not changed since the last import (HTTP 304): nothing fetched\n",
               o.dry_run ? "dry run, nothing written: " : "");
    } else {
        printf("%s%llu events: %llu created, %llu updated, %llu unchanged, %llu failed; %llu not read again\n"
               "%llu attributes: %llu indicators created, %llu merged, %llu unchanged; %llu skipped (types "
               "Kizuna has no indicator for, or deleted), %llu rejected; %llu links\n",
               o.dry_run ? "dry run, nothing written: " : "", (unsigned long long)r.events,
               (unsigned long long)r.events_created, (unsigned long long)r.events_updated,
               (unsigned long long)r.events_unchanged, (unsigned long long)r.events_failed,
               (unsigned long long)r.events_not_fetched,
               (unsigned long long)r.attributes, (unsigned long long)r.indicators_created,
               (unsigned long long)r.indicators_merged, (unsigned long long)r.indicators_unchanged,
               (unsigned long long)r.skipped, (unsigned long long)r.rejected, (unsigned long long)r.links);
        kz_cli_rejects_done(&l, "rejections");
    }
    kz_cli_session_close(&s);
    return status;
}

static const kz_opt import_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    KZ_OPT_KEY,
    {"tlp", "LABEL", "amber", "TLP of events and attributes without a TLP tag or distribution level", &kz_tlp_enum},
    {"recipients", "IDS", NULL, "organization ids (comma-separated) named as recipients of everything"},
    {"source", "ORG", NULL, "the sharing organization (admins; default: the key's or the node's)"},
    {"dry-run", NULL, NULL, "check and count everything, write nothing"},
    KZ_OPT_CHUNK,
    {"allow-declassify", NULL, NULL, "let a merge lower the label or widen the recipients of your own organization's indicators and incidents (audited)"},
    {"exercise", "ID", NULL, "a player's import during a table-top exercise: everything imported is made in that run"},
    {"quiet", NULL, NULL, "do not list rejected attributes"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_import_misp = {
    "import misp", "[options] DIR|URL", "import a MISP feed (manifest.json and one file per event)",
    "Each event becomes an incident; attributes of types Kizuna has (ip-src, ip-dst, domain, hostname,\n"
    "url, email, md5, sha1, sha256, filename|hash, AS, and their |port and |ip forms) become indicators\n"
    "linked to it; other types are counted and skipped. The TLP comes from tlp: tags (the attribute's,\n"
    "else the event's), else the distribution level (0: amber+strict; 1-3: green; 4: amber), else --tlp.\n"
    "A URL is fetched file by file. Importing the same feed again changes nothing: events whose manifest\n"
    "timestamp is the one imported last are not read again, and a URL feed is asked with the ETag and\n"
    "Last-Modified of the copy imported last, so an unchanged file is not downloaded again. The import\n"
    "commits after the event that brings a chunk to --chunk events and attributes, so that the running\n"
    "server's API writes get through; after a failure the events before it stay imported.",
    import_opts, run_import, 1, 1,
};
