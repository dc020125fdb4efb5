/* HTTP Message Signatures (RFC 9421) as node-to-node messages use them: parsing the
 * Signature-Input and Signature fields (a dictionary of one member), building the
 * signature base from the covered components, and the Content-Digest field (RFC 9530,
 * sha-256). Pure text work: no keys, no clock, no I/O; the service signs and checks. */
#ifndef KZ_CODEC_HTTPSIG_H
#define KZ_CODEC_HTTPSIG_H

#include "util/buf.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum {
    KZ_SIG_MAX_COMPONENTS = 12,
    KZ_SIG_MAX_PARAMS = 8,
    KZ_SIG_NAME = 64,        /* a label, a component or parameter name, NUL included */
    KZ_SIG_STRING = 256,     /* a string parameter value, NUL included */
    KZ_SIG_FIELD_MAX = 4096, /* longest Signature-Input or Signature field accepted */
    KZ_DIGEST_TEXT = 64,     /* "sha-256=:" + 44 base64 + ":" + NUL */
};

/* One signature parameter (RFC 9421 section 2.3), kept in the order it came. */
typedef struct kz_sig_param {
    char name[KZ_SIG_NAME];
    bool is_int;
    int64_t num;
    char text[KZ_SIG_STRING];
} kz_sig_param;

/* One member of Signature-Input: its label, the covered components (lowercase names,
 * no component parameters) and the signature parameters. */
typedef struct kz_sig_input {
    char label[KZ_SIG_NAME];
    char components[KZ_SIG_MAX_COMPONENTS][KZ_SIG_NAME];
    int n_components;
    kz_sig_param params[KZ_SIG_MAX_PARAMS];
    int n_params;
} kz_sig_input;

/* Parses a Signature-Input field holding exactly one member. KZ_EINVAL with the field
 * "Signature-Input" and the column of the first fault (a repeated component or
 * parameter, component parameters, more than one member, anything past the limits). */
kz_rc kz_sig_input_parse(const char *text, size_t n, kz_sig_input *out, kz_err *err);

/* Parses a Signature field of exactly one member, named label, whose value is a byte
 * sequence of exactly 64 bytes (an ed25519 signature) into sig. KZ_EINVAL otherwise. */
kz_rc kz_sig_value_parse(const char *text, size_t n, const char *label, unsigned char sig[64], kz_err *err);

/* Appends a parameter to in (sender side). KZ_EINVAL when full or repeated. */
kz_rc kz_sig_param_int(kz_sig_input *in, const char *name, int64_t v, kz_err *err);
kz_rc kz_sig_param_text(kz_sig_input *in, const char *name, const char *v, kz_err *err);

/* The parameter called name, or NULL. */
const kz_sig_param *kz_sig_param_find(const kz_sig_input *in, const char *name);

/* Whether in covers the component name. */
bool kz_sig_covers(const kz_sig_input *in, const char *name);

/* The serialized inner list with its parameters ("(\"@method\" ...);created=1"), the
 * value of "@signature-params" and of the Signature-Input member, appended to out. */
kz_rc kz_sig_params_write(const kz_sig_input *in, kz_buf *out);

/* The value of a covered component for the signature base, or NULL when the message
 * has no such component. ctx is the caller's. */
typedef const char *(*kz_sig_component_fn)(void *ctx, const char *name);

/* The signature base (RFC 9421 section 2.5) of the components in covers, each value
 * from get, ending with the "@signature-params" line and no newline, appended to out.
 * KZ_EINVAL naming the component when get has none or a value holds a newline. */
kz_rc kz_sig_base(const kz_sig_input *in, kz_sig_component_fn get, void *ctx, kz_buf *out, kz_err *err);

/* The Content-Digest field of a body: "sha-256=:BASE64:" into out. */
void kz_content_digest(const void *body, size_t n, char out[KZ_DIGEST_TEXT]);

/* Checks a received Content-Digest field against the body: it must be a dictionary
 * with a sha-256 member (other algorithms are ignored) whose bytes equal the digest.
 * KZ_EINVAL naming "Content-Digest" when it is malformed, lacks sha-256 or differs. */
kz_rc kz_content_digest_check(const char *field, const void *body, size_t n, kz_err *err);

#endif
