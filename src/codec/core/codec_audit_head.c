/* The exported audit head as JSON, written and read back (see codec/core/audit_head.h). */
#include "codec/core/audit_head.h"

#include "crypto/crypto.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *kz_audit_head_json(const kz_audit_head *h)
{
    char at[40], text[128], fp[KZ_HASH_HEX];
    unsigned char pk[KZ_SIGN_PK_BYTES];
    snprintf(text, sizeof text, KZ_AUDIT_SIGNED_FMT, (long long)h->seq, h->hash);
    if (kz_hex_decode(h->public_key, pk, sizeof pk) == (long)sizeof pk)
        kz_key_fingerprint(pk, fp);
    else
        fp[0] = '\0';
    return json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "format", KZ_AUDIT_HEAD_FORMAT,
                     "version", 1, "node", h->node, "seq", (json_int_t)h->seq, "at",
                     kz_time_format(h->at, at, sizeof at), "hash", h->hash, "signature", h->sig,
                     "signed_text", text, "public_key", h->public_key, "public_key_fingerprint", fp);
}

kz_rc kz_audit_head_write(const kz_audit_head *h, kz_buf *out, kz_err *err)
{
    json_t *o = kz_audit_head_json(h);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    kz_rc rc = text ? kz_buf_puts(out, text) : KZ_ENOMEM;
    if (!rc)
        rc = kz_buf_puts(out, "\n");
    kz_free_libc(text);
    return rc ? kz_fail(err, rc, NULL, NULL) : KZ_OK;
}

static bool is_hex(const char *s, size_t len)
{
    if (!s || strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return false;
    return true;
}

/* Copies the hex string field key of o (len digits) into out. */
static kz_rc hex_field(const json_t *o, const char *key, size_t len, char *out, kz_err *err)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!is_hex(v, len))
        return kz_fail(err, KZ_EINVAL, key, "%s must be %zu lowercase hexadecimal digits", key, len);
    memcpy(out, v, len + 1);
    return KZ_OK;
}

static kz_rc decode(const json_t *o, kz_audit_head *h, kz_err *err)
{
    const char *format = json_string_value(json_object_get(o, "format"));
    const json_t *seq = json_object_get(o, "seq");
    const char *node = json_string_value(json_object_get(o, "node"));
    if (!format || strcmp(format, KZ_AUDIT_HEAD_FORMAT) != 0 || json_integer_value(json_object_get(o, "version")) != 1)
        return kz_fail(err, KZ_EINVAL, "format", "not a Kizuna audit head (format %s, version 1)", KZ_AUDIT_HEAD_FORMAT);
    if (!json_is_integer(seq) || json_integer_value(seq) < 1)
        return kz_fail(err, KZ_EINVAL, "seq", "seq must be an entry number from 1");
    h->seq = (int64_t)json_integer_value(seq);
    if (node && strlen(node) < sizeof h->node)
        memcpy(h->node, node, strlen(node) + 1);
    kz_rc rc = hex_field(o, "hash", 64, h->hash, err);
    if (!rc)
        rc = hex_field(o, "signature", 128, h->sig, err);
    if (!rc)
        rc = hex_field(o, "public_key", 64, h->public_key, err);
    const char *fp = json_string_value(json_object_get(o, "public_key_fingerprint"));
    if (!rc && fp) {
        unsigned char pk[KZ_SIGN_PK_BYTES];
        char want[KZ_HASH_HEX];
        kz_hex_decode(h->public_key, pk, sizeof pk);
        kz_key_fingerprint(pk, want);
        if (strcmp(fp, want) != 0)
            rc = kz_fail(err, KZ_EINVAL, "public_key_fingerprint", "the fingerprint is not the public key's");
    }
    return rc;
}

kz_rc kz_audit_head_parse(const char *text, size_t n, kz_audit_head *h, kz_err *err)
{
    memset(h, 0, sizeof *h);
    json_error_t je;
    json_t *o = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return kz_fail(err, KZ_EINVAL, "", "not JSON: line %d, column %d: %s", je.line, je.column, je.text);
    kz_rc rc = json_is_object(o) ? decode(o, h, err) : kz_fail(err, KZ_EINVAL, "", "not a JSON object");
    json_decref(o);
    return rc;
}
