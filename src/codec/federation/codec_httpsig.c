/* RFC 9421 signature fields and base, RFC 9530 Content-Digest: a small parser of the
 * structured-field subset (RFC 8941) these fields use — keys, strings, integers, byte
 * sequences, one inner list — and the writer of the same text. Every fault names the
 * field and the column where parsing stopped. */
#include "codec/federation/httpsig.h"

#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

typedef struct cursor {
    const char *p, *start, *end;
    const char *field;
    kz_err *err;
} cursor;

static kz_rc fault(cursor *c, const char *why)
{
    return kz_fail(c->err, KZ_EINVAL, c->field, "%s: %s at column %d", c->field, why, (int)(c->p - c->start) + 1);
}

static bool at(const cursor *c, char ch) { return c->p < c->end && *c->p == ch; }

static void skip_sp(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static bool key_first(char ch) { return (ch >= 'a' && ch <= 'z') || ch == '*'; }

static bool key_char(char ch)
{
    return key_first(ch) || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
}

/* sf-key into out */
static kz_rc parse_key(cursor *c, char out[KZ_SIG_NAME])
{
    size_t n = 0;
    if (c->p >= c->end || !key_first(*c->p))
        return fault(c, "expected a lowercase name");
    while (c->p < c->end && key_char(*c->p)) {
        if (n + 1 >= KZ_SIG_NAME)
            return fault(c, "name too long");
        out[n++] = *c->p++;
    }
    out[n] = '\0';
    return KZ_OK;
}

/* sf-string into out: printable ASCII, with \" and \\ the only escapes */
static kz_rc parse_string(cursor *c, char *out, size_t size)
{
    size_t n = 0;
    if (!at(c, '"'))
        return fault(c, "expected a string");
    c->p++;
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p;
        if (ch == '\\') {
            c->p++;
            if (c->p >= c->end || (*c->p != '"' && *c->p != '\\'))
                return fault(c, "bad escape in string");
            ch = *c->p;
        } else if (ch < 0x20 || ch > 0x7e) {
            return fault(c, "string holds a character that is not printable ASCII");
        }
        if (n + 1 >= size)
            return fault(c, "string too long");
        out[n++] = ch;
        c->p++;
    }
    if (!at(c, '"'))
        return fault(c, "unterminated string");
    c->p++;
    out[n] = '\0';
    return KZ_OK;
}

/* sf-integer: at most 15 digits */
static kz_rc parse_int(cursor *c, int64_t *out)
{
    bool neg = at(c, '-');
    if (neg)
        c->p++;
    int64_t v = 0;
    int digits = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (++digits > 15)
            return fault(c, "integer longer than 15 digits");
        v = v * 10 + (*c->p++ - '0');
    }
    if (!digits)
        return fault(c, "expected an integer or a string");
    *out = neg ? -v : v;
    return KZ_OK;
}

static kz_rc add_param(kz_sig_input *in, const kz_sig_param *p, kz_err *err)
{
    if (kz_sig_param_find(in, p->name))
        return kz_fail(err, KZ_EINVAL, "Signature-Input", "Signature-Input: parameter %s given twice", p->name);
    if (in->n_params == KZ_SIG_MAX_PARAMS)
        return kz_fail(err, KZ_EINVAL, "Signature-Input", "Signature-Input: more than %d parameters", KZ_SIG_MAX_PARAMS);
    in->params[in->n_params++] = *p;
    return KZ_OK;
}

static kz_rc parse_params(cursor *c, kz_sig_input *in)
{
    while (at(c, ';')) {
        c->p++;
        skip_sp(c);
        kz_sig_param p;
        memset(&p, 0, sizeof p);
        kz_rc rc = parse_key(c, p.name);
        if (rc)
            return rc;
        if (!at(c, '='))
            return fault(c, "a signature parameter needs a value");
        c->p++;
        p.is_int = !at(c, '"');
        rc = p.is_int ? parse_int(c, &p.num) : parse_string(c, p.text, sizeof p.text);
        if (!rc)
            rc = add_param(in, &p, c->err);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

static kz_rc parse_components(cursor *c, kz_sig_input *in)
{
    if (!at(c, '('))
        return fault(c, "expected the inner list of covered components");
    c->p++;
    for (;;) {
        skip_sp(c);
        if (at(c, ')'))
            break;
        if (in->n_components == KZ_SIG_MAX_COMPONENTS)
            return fault(c, "too many covered components");
        char *name = in->components[in->n_components];
        kz_rc rc = parse_string(c, name, KZ_SIG_NAME);
        if (rc)
            return rc;
        if (!name[0] || strpbrk(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ\" "))
            return fault(c, "a component name is lowercase, not empty");
        if (at(c, ';'))
            return fault(c, "component parameters are not supported");
        if (kz_sig_covers(in, name))
            return fault(c, "component given twice");
        in->n_components++;
        if (!at(c, ' ') && !at(c, ')'))
            return fault(c, "expected a space or ')'");
    }
    c->p++;
    return KZ_OK;
}

/* "label=" then the rest of a one-member dictionary */
static kz_rc member_start(cursor *c, char label[KZ_SIG_NAME])
{
    skip_sp(c);
    kz_rc rc = parse_key(c, label);
    if (!rc && !at(c, '='))
        rc = fault(c, "expected '=' after the label");
    if (!rc)
        c->p++;
    return rc;
}

static kz_rc member_end(cursor *c)
{
    skip_sp(c);
    if (at(c, ','))
        return fault(c, "only one signature is accepted");
    return c->p == c->end ? KZ_OK : fault(c, "unexpected text");
}

kz_rc kz_sig_input_parse(const char *text, size_t n, kz_sig_input *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    cursor c = {text, text, text + n, "Signature-Input", err};
    if (n > KZ_SIG_FIELD_MAX)
        return kz_fail(err, KZ_EINVAL, c.field, "Signature-Input is longer than %d bytes", KZ_SIG_FIELD_MAX);
    kz_rc rc = member_start(&c, out->label);
    if (!rc) rc = parse_components(&c, out);
    if (!rc) rc = parse_params(&c, out);
    if (!rc) rc = member_end(&c);
    return rc;
}

kz_rc kz_sig_value_parse(const char *text, size_t n, const char *label, unsigned char sig[64], kz_err *err)
{
    cursor c = {text, text, text + n, "Signature", err};
    char got[KZ_SIG_NAME], b64[128];
    if (n > KZ_SIG_FIELD_MAX)
        return kz_fail(err, KZ_EINVAL, c.field, "Signature is longer than %d bytes", KZ_SIG_FIELD_MAX);
    kz_rc rc = member_start(&c, got);
    if (rc)
        return rc;
    if (strcmp(got, label) != 0)
        return kz_fail(err, KZ_EINVAL, c.field, "Signature: label %s is not the label %s of Signature-Input", got, label);
    const char *b = c.p + 1;
    const char *e = at(&c, ':') ? memchr(b, ':', (size_t)(c.end - b)) : NULL;
    if (!e)
        return fault(&c, "expected a byte sequence :BASE64:");
    c.p = e;
    size_t len = (size_t)(e - b), got_n = 0;
    if (len >= sizeof b64)
        return fault(&c, "signature too long");
    memcpy(b64, b, len);
    b64[len] = '\0';
    c.p++;
    if (strchr(b64, ' ') || kz_b64_decode(b64, sig, 64, &got_n) || got_n != 64)
        return fault(&c, "the signature is not 64 bytes of base64");
    return member_end(&c);
}

kz_rc kz_sig_param_int(kz_sig_input *in, const char *name, int64_t v, kz_err *err)
{
    kz_sig_param p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.is_int = true;
    p.num = v;
    return add_param(in, &p, err);
}

kz_rc kz_sig_param_text(kz_sig_input *in, const char *name, const char *v, kz_err *err)
{
    kz_sig_param p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    if ((size_t)snprintf(p.text, sizeof p.text, "%s", v) >= sizeof p.text)
        return kz_fail(err, KZ_EINVAL, name, "%s is too long", name);
    return add_param(in, &p, err);
}

const kz_sig_param *kz_sig_param_find(const kz_sig_input *in, const char *name)
{
    for (int i = 0; i < in->n_params; i++)
        if (strcmp(in->params[i].name, name) == 0)
            return &in->params[i];
    return NULL;
}

bool kz_sig_covers(const kz_sig_input *in, const char *name)
{
    for (int i = 0; i < in->n_components; i++)
        if (strcmp(in->components[i], name) == 0)
            return true;
    return false;
}

static kz_rc write_string(kz_buf *out, const char *s)
{
    kz_rc rc = kz_buf_puts(out, "\"");
    for (; !rc && *s; s++)
        rc = (*s == '"' || *s == '\\') ? kz_buf_printf(out, "\\%c", *s) : kz_buf_append(out, s, 1);
    return rc ? rc : kz_buf_puts(out, "\"");
}

kz_rc kz_sig_params_write(const kz_sig_input *in, kz_buf *out)
{
    kz_rc rc = kz_buf_puts(out, "(");
    for (int i = 0; !rc && i < in->n_components; i++) {
        if (i)
            rc = kz_buf_puts(out, " ");
        if (!rc)
            rc = write_string(out, in->components[i]);
    }
    if (!rc)
        rc = kz_buf_puts(out, ")");
    for (int i = 0; !rc && i < in->n_params; i++) {
        const kz_sig_param *p = &in->params[i];
        rc = kz_buf_printf(out, ";%s=", p->name);
        if (!rc)
            rc = p->is_int ? kz_buf_printf(out, "%lld", (long long)p->num) : write_string(out, p->text);
    }
    return rc;
}

kz_rc kz_sig_base(const kz_sig_input *in, kz_sig_component_fn get, void *ctx, kz_buf *out, kz_err *err)
{
    for (int i = 0; i < in->n_components; i++) {
        const char *name = in->components[i];
        if (strcmp(name, "@signature-params") == 0)
            return kz_fail(err, KZ_EINVAL, "Signature-Input", "@signature-params cannot be covered");
        const char *v = get(ctx, name);
        if (!v)
            return kz_fail(err, KZ_EINVAL, "Signature-Input", "the message has no component %s", name);
        if (strpbrk(v, "\r\n"))
            return kz_fail(err, KZ_EINVAL, "Signature-Input", "component %s holds a line break", name);
        if (kz_buf_printf(out, "\"%s\": %s\n", name, v))
            return kz_fail(err, KZ_ETOOBIG, "Signature-Input", "the signature base is too long");
    }
    if (kz_buf_puts(out, "\"@signature-params\": ") || kz_sig_params_write(in, out))
        return kz_fail(err, KZ_ETOOBIG, "Signature-Input", "the signature base is too long");
    return KZ_OK;
}

void kz_content_digest(const void *body, size_t n, char out[KZ_DIGEST_TEXT])
{
    unsigned char h[KZ_HASH_BYTES];
    char b64[48];
    kz_sha256(body, n, h);
    kz_b64_encode(h, sizeof h, b64, sizeof b64);
    snprintf(out, KZ_DIGEST_TEXT, "sha-256=:%s:", b64);
}

/* One member "alg=:BASE64:" of Content-Digest; *found set for sha-256. */
static kz_rc digest_member(cursor *c, unsigned char want[KZ_HASH_BYTES], bool *found)
{
    char alg[KZ_SIG_NAME], b64[128];
    skip_sp(c);
    kz_rc rc = parse_key(c, alg);
    if (!rc && (!at(c, '=') || (c->p++, !at(c, ':'))))
        rc = fault(c, "expected alg=:BASE64:");
    if (rc)
        return rc;
    const char *b = ++c->p;
    while (c->p < c->end && *c->p != ':')
        c->p++;
    size_t len = (size_t)(c->p - b), n = 0;
    if (!at(c, ':') || len >= sizeof b64)
        return fault(c, "unterminated byte sequence");
    c->p++;
    memcpy(b64, b, len);
    b64[len] = '\0';
    if (strcmp(alg, "sha-256") != 0)
        return KZ_OK;
    unsigned char got[KZ_HASH_BYTES + 1];
    if (strchr(b64, ' ') || kz_b64_decode(b64, got, sizeof got, &n) || n != KZ_HASH_BYTES)
        return fault(c, "sha-256 is not 32 bytes of base64");
    if (*found || !kz_ct_equal(got, want, KZ_HASH_BYTES))
        return kz_fail(c->err, KZ_EINVAL, c->field, "Content-Digest: %s",
                       *found ? "sha-256 given twice" : "the body does not have this digest");
    *found = true;
    return KZ_OK;
}

kz_rc kz_content_digest_check(const char *field, const void *body, size_t n, kz_err *err)
{
    size_t len = field ? strlen(field) : 0;
    cursor c = {field, field, field + len, "Content-Digest", err};
    if (!field)
        return kz_fail(err, KZ_EINVAL, c.field, "the Content-Digest header is missing");
    if (len > KZ_SIG_FIELD_MAX)
        return kz_fail(err, KZ_EINVAL, c.field, "Content-Digest is longer than %d bytes", KZ_SIG_FIELD_MAX);
    unsigned char want[KZ_HASH_BYTES];
    kz_sha256(body, n, want);
    bool found = false;
    for (;;) {
        kz_rc rc = digest_member(&c, want, &found);
        if (rc)
            return rc;
        skip_sp(&c);
        if (c.p == c.end)
            break;
        if (!at(&c, ','))
            return fault(&c, "expected ',' between members");
        c.p++;
    }
    return found ? KZ_OK : kz_fail(err, KZ_EINVAL, c.field, "Content-Digest has no sha-256 member");
}
