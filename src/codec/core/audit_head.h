/* The exported head of the audit chain as JSON: what `kizuna audit head` and
 * GET /api/v1/audit/head write and what `kizuna audit verify --head FILE` reads back.
 *
 *   {"format": "kizuna-audit-head", "version": 1, "node": ID, "seq": N, "at": TIME,
 *    "hash": HEX64, "signature": HEX128, "signed_text": "kizuna-audit-1:N:HASH",
 *    "public_key": HEX64, "public_key_fingerprint": HEX64}
 *
 * signature is the node's ed25519 signature of signed_text (model/audit.h), so anyone
 * holding the node's public key can check a head with no database at all. */
#ifndef KZ_CODEC_AUDIT_HEAD_H
#define KZ_CODEC_AUDIT_HEAD_H

#include "model/audit.h"
#include "util/buf.h"

#include <jansson.h>

#define KZ_AUDIT_HEAD_FORMAT "kizuna-audit-head"

/* h as a JSON object (new reference; NULL on ENOMEM). */
json_t *kz_audit_head_json(const kz_audit_head *h);

/* h as indented JSON text with a final newline, appended to out. */
kz_rc kz_audit_head_write(const kz_audit_head *h, kz_buf *out, kz_err *err);

/* Reads a head file's text. KZ_EINVAL naming the field when it is not a head (wrong
 * format or version, seq below 1, a hash, signature or key that is not hex of the right
 * length, a fingerprint that is not the key's). Checks no signature: that needs the
 * key the caller trusts (kz_audit_head_signature_ok). */
kz_rc kz_audit_head_parse(const char *text, size_t n, kz_audit_head *h, kz_err *err);

#endif
