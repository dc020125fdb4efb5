/* The policy library's use cases (svc_documents.c): documents of states and
 * international organizations, kept as versions (a change writes a new version with
 * its own hash; the history stays readable), searched in English and Japanese,
 * compared across states, imported and exported.
 *
 * Sharing follows service/sharing/sharing.h: the organization that put a document in
 * the library is its TLP source (CLEAR unless said otherwise; a draft may be shared
 * more narrowly); every read shows only what kz_tlp_visible allows, and a document the
 * caller may not see is answered exactly like one that does not exist. Analysts write
 * for their own organization, admins for any; every write is audited.
 *
 * For other subsystems (attribution statements, the norms pages): link to a document
 * by id and read it with kz_svc_document_get; find those that address a norm with
 * kz_svc_document_list and filter.norm. */
#ifndef KZ_SERVICE_LAW_DOCUMENTS_H
#define KZ_SERVICE_LAW_DOCUMENTS_H

#include "codec/law/document.h"
#include "service/core/call.h"
#include "store/law/documents.h"

/* A stored copy given with a create or update. */
typedef struct kz_document_file {
    const char *name, *media_type;
    const unsigned char *data;
    size_t size;
} kz_document_file;

/* Creates version 1 of a document from the caller's organization. file may be NULL;
 * over KZ_DOC_FILE_MAX bytes it is KZ_ETOOBIG naming "file". Relations (amends,
 * supersedes, implements) must name documents the caller may see. */
kz_rc kz_svc_document_create(kz_call *c, kz_document *o, const kz_document_file *file);
/* Version `version` (0: the latest) of a document the caller may see. */
kz_rc kz_svc_document_get(kz_call *c, const char *id, int64_t version, kz_document *out);
/* Applies a change to the latest version and writes it as the next version; file,
 * when not NULL, replaces the stored copy. Only the source organization (or an admin). */
kz_rc kz_svc_document_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx,
                             const kz_document_file *file, kz_document *out);
/* The versions of a document the caller may see, oldest first. */
kz_rc kz_svc_document_history(kz_call *c, const char *id, kz_document **items, size_t *n);
kz_rc kz_svc_document_list(kz_call *c, const kz_document_filter *f, const kz_page *pg, kz_document_page *out);
/* The stored copy of a version the caller may see (KZ_ENOTFOUND naming "file" when it
 * has none); *doc is the version, *data lives in c->arena. */
kz_rc kz_svc_document_file(kz_call *c, const char *id, int64_t version, kz_document *doc,
                           const unsigned char **data, size_t *size);

/* One column of a comparison: a state and its documents matching the topic or norm. */
typedef struct kz_document_column {
    const char *state;
    kz_document *items;
    size_t n;
} kz_document_column;
/* States side by side (2 to 50, each a state or organization code), by a topic or by
 * a norm letter (exactly one of them). out has n_states columns, in the order given. */
kz_rc kz_svc_document_compare(kz_call *c, const char *const *states, size_t n_states, const char *topic,
                              const char *norm, kz_document_column **out);

/* Export: every version the caller may see, oldest first, with its stored copy. fn
 * returning non-zero stops with KZ_EIO. One read transaction. */
typedef int (*kz_document_sink)(void *ctx, const kz_document *o, const kz_document_blob *file);
kz_rc kz_svc_document_export(kz_call *c, kz_document_sink fn, void *ctx, uint64_t *count);

/* Import: records as decoded from an export (codec/law/document.h), all or nothing in one
 * transaction. A version already stored with the same hash is skipped; with another
 * hash it is KZ_ECONFLICT; a new one must follow the latest stored version. Given
 * hashes are checked against the content (a changed record is refused, naming
 * "hash" or "sha256"). The caller's organization becomes the source. On failure
 * *failed is the index of the offending record. */
typedef struct kz_library_import_report {
    uint64_t created, unchanged;
    size_t failed;
} kz_library_import_report;
kz_rc kz_svc_document_import(kz_call *c, kz_document *docs, const kz_document_blob *files, size_t n,
                             kz_library_import_report *rep);

/* The start of every create of the library (documents, surveys): an analyst (or admin)
 * writes version 1 for its own organization. KZ_OK with the write transaction open and
 * the new object's head set (a new id in c->arena, version 1, created and modified
 * now, the caller's organization); on failure no transaction is left open. */
kz_rc kz__law_write_begin(kz_call *c, char **id, int64_t *version, kz_time *created, kz_time *modified,
                          char **org);

/* For the national survey (surveys.h): writes o as the next version of document o->id
 * when the caller may see one (its created date kept), else as version 1 of a new
 * document, from the caller's organization. Inside the caller's write transaction; the
 * caller audits. */
kz_rc kz__document_put(kz_call *c, kz_document *o, const kz_document_file *file);

#endif
