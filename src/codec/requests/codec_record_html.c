/* A request record as a printable HTML page: made from the record document itself, so
 * the page shows exactly what the signed JSON holds. Everything is escaped; the page
 * has no scripts and no external resources. */
#include "codec/requests/record_json.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

static kz_rc esc(kz_buf *b, const char *s) { return kz_buf_html(b, s); }

/* A JSON value as text: strings as they are, lists joined, others as JSON. */
static kz_rc value(kz_buf *b, const json_t *v)
{
    if (json_is_string(v))
        return esc(b, json_string_value(v));
    if (json_is_array(v)) {
        kz_rc rc = KZ_OK;
        for (size_t i = 0; !rc && i < json_array_size(v); i++) {
            if (i)
                rc = kz_buf_puts(b, ", ");
            if (!rc)
                rc = value(b, json_array_get(v, i));
        }
        return rc;
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    kz_rc rc = text ? esc(b, text) : KZ_ENOMEM;
    kz_free_libc(text);
    return rc;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* An organization id with the name the request gives it. */
static kz_rc org(kz_buf *b, const json_t *req, const char *id)
{
    const char *name = NULL;
    if (id && strcmp(id, str(req, "from_organization")) == 0)
        name = str(req, "from_organization_name");
    else if (id && strcmp(id, str(req, "to_organization")) == 0)
        name = str(req, "to_organization_name");
    kz_rc rc = esc(b, name && name[0] ? name : id);
    if (!rc && name && name[0])
        rc = kz_buf_printf(b, " <span class=id>%.8s</span>", id);
    return rc;
}

static const char style[] =
    "body{font:11pt/1.4 system-ui,sans-serif;margin:2em;color:#111}"
    "h1{font-size:16pt;margin-bottom:.2em}h2{font-size:13pt;margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:3px 6px;"
    "vertical-align:top;text-align:left}th{background:#eee}.k{width:22%;font-weight:600}"
    ".pre{white-space:pre-wrap}.id,.hash{font-family:monospace;font-size:8.5pt;color:#555;"
    "word-break:break-all}.tlp{display:inline-block;padding:1px 6px;font-weight:700;"
    "background:#000}.tlp-red{color:#ff2b2b}.tlp-amber,.tlp-amber\\+strict{color:#ffc000}"
    ".tlp-green{color:#33ff00}.tlp-clear{color:#fff}@media print{body{margin:0}}";

static kz_rc request_table(kz_buf *b, const json_t *req)
{
    kz_rc rc = kz_buf_puts(b, "<h2>Request</h2><table>");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)req, key, v) {
        if (rc)
            break;
        if (json_is_null(v) || (json_is_array(v) && !json_array_size(v)) || strstr(key, "_name"))
            continue;
        rc = kz_buf_puts(b, "<tr><td class=k>");
        if (!rc) rc = esc(b, key);
        if (!rc) rc = kz_buf_puts(b, "</td><td class=pre>");
        if (!rc) rc = strcmp(key, "from_organization") == 0 || strcmp(key, "to_organization") == 0
                          ? org(b, req, json_string_value(v)) : value(b, v);
        if (!rc) rc = kz_buf_puts(b, "</td></tr>");
    }
    return rc ? rc : kz_buf_puts(b, "</table>");
}

static kz_rc entry_row(kz_buf *b, const json_t *req, const json_t *e)
{
    kz_rc rc = kz_buf_printf(b, "<tr><td>%lld</td><td>", (long long)json_integer_value(json_object_get(e, "seq")));
    if (!rc) rc = esc(b, str(e, "at"));
    if (!rc) rc = kz_buf_puts(b, "</td><td>");
    if (!rc) rc = org(b, req, str(e, "organization"));
    if (!rc) rc = kz_buf_puts(b, "</td><td>");
    if (!rc) rc = esc(b, str(e, "action"));
    if (!rc && json_object_get(e, "to")) {
        rc = kz_buf_puts(b, "<br>");
        if (!rc && json_object_get(e, "from")) {
            rc = esc(b, str(e, "from"));
            if (!rc) rc = kz_buf_puts(b, " &rarr; ");
        }
        if (!rc) rc = esc(b, str(e, "to"));
    }
    if (!rc) rc = kz_buf_puts(b, "</td><td class=pre>");
    if (!rc) rc = esc(b, str(e, "message"));
    if (!rc && json_object_get(e, "note")) {
        rc = kz_buf_puts(b, json_object_get(e, "message") ? "\n" : "");
        if (!rc) rc = esc(b, str(e, "note"));
    }
    if (!rc && json_object_get(e, "content"))
        rc = kz_buf_puts(b, json_object_get(e, "message") || json_object_get(e, "note") ? "\n(content recorded)" : "(content recorded)");
    const json_t *atts = json_object_get(e, "attachments");
    for (size_t i = 0; !rc && i < json_array_size(atts); i++) {
        const json_t *t = json_array_get(atts, i);
        rc = kz_buf_puts(b, "\nattachment: ");
        if (!rc) rc = esc(b, str(t, "name"));
        if (!rc) rc = kz_buf_printf(b, " (%lld bytes) <span class=hash>sha256 ", (long long)json_integer_value(json_object_get(t, "size")));
        if (!rc) rc = esc(b, str(t, "sha256"));
        if (!rc) rc = kz_buf_puts(b, "</span>");
    }
    if (!rc) rc = kz_buf_puts(b, "</td><td class=hash>");
    if (!rc) rc = esc(b, str(e, "hash"));
    if (!rc) rc = kz_buf_puts(b, "</td></tr>");
    return rc;
}

kz_rc kz_record_html(const json_t *doc, kz_buf *out, kz_err *err)
{
    const json_t *req = json_object_get(doc, "request"), *node = json_object_get(doc, "node");
    const json_t *seal = json_object_get(doc, "seal"), *entries = json_object_get(doc, "entries");
    if (!json_is_object(req) || !json_is_array(entries))
        return kz_fail(err, KZ_EINVAL, "", "not a request record");
    kz_buf *b = out;
    kz_rc rc = kz_buf_puts(b, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>Request record: ");
    if (!rc) rc = esc(b, str(req, "subject"));
    if (!rc) rc = kz_buf_printf(b, "</title><style>%s</style></head><body>\n<h1>", style);
    if (!rc) rc = esc(b, str(req, "subject"));
    if (!rc) rc = kz_buf_puts(b, "</h1><p><span class=\"tlp tlp-");
    if (!rc) rc = esc(b, str(req, "tlp"));
    if (!rc) rc = kz_buf_puts(b, "\">TLP:");
    for (const char *p = str(req, "tlp"); !rc && *p; p++) {
        char up = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        rc = up == '+' ? kz_buf_puts(b, "+") : kz_buf_append(b, &up, 1);
    }
    if (!rc) rc = kz_buf_puts(b, "</span> ");
    if (!rc) rc = esc(b, str(req, "kind"));
    if (!rc) rc = kz_buf_puts(b, " request, ");
    if (!rc) rc = esc(b, str(req, "urgency"));
    if (!rc) rc = kz_buf_puts(b, " urgency, status <b>");
    if (!rc) rc = esc(b, str(req, "status"));
    if (!rc) rc = kz_buf_puts(b, "</b>. Request <span class=id>");
    if (!rc) rc = esc(b, str(req, "id"));
    if (!rc) rc = kz_buf_puts(b, "</span></p>\n");
    if (!rc) rc = request_table(b, req);
    if (!rc) rc = kz_buf_puts(b, "\n<h2>Signed record</h2><table><tr><th>#</th><th>time (UTC)</th>"
                                 "<th>by</th><th>action</th><th>text</th><th>SHA-256 of the entry</th></tr>\n");
    for (size_t i = 0; !rc && i < json_array_size(entries); i++)
        rc = entry_row(b, req, json_array_get(entries, i));
    if (!rc) rc = kz_buf_puts(b, "</table>\n<h2>Signatures</h2><p>Every entry is signed with the ed25519 key of the node run by ");
    if (!rc) rc = esc(b, str(node, "name"));
    if (!rc) rc = kz_buf_puts(b, " (");
    if (!rc) rc = esc(b, str(node, "state"));
    if (!rc) rc = kz_buf_puts(b, "), public key <span class=hash>");
    if (!rc) rc = esc(b, str(node, "public_key"));
    if (!rc) rc = kz_buf_puts(b, "</span>. Each entry names the hash of the one before it; the seal, signed at export on ");
    if (!rc) rc = esc(b, str(seal, "exported_at"));
    if (!rc) rc = kz_buf_printf(b, ", counts %lld entries ending with <span class=hash>",
                                (long long)json_integer_value(json_object_get(seal, "entries")));
    if (!rc) rc = esc(b, str(seal, "head"));
    if (!rc) rc = kz_buf_puts(b, "</span>.</p><p>This page is a rendering. The proof is the JSON record: "
                                 "check it with <code>kizuna request verify FILE</code>.</p>\n</body></html>\n");
    return rc ? kz_fail(err, rc, NULL, "cannot render the record: %s", kz_strerror(rc)) : KZ_OK;
}
