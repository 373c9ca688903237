/*
 * AES-256-GCM seal/open for ChatterLink's event log, through the OpenSSL that
 * is linked into the node binary. node:crypto builds a Cipher object, an
 * OpenSSL context and its key schedule for every call; at ~200 bytes a call
 * that setup costs more than the encryption itself. Here each JavaScript
 * environment (main thread, worker) keeps one encryption and one decryption
 * context and re-expands the key only when it changes.
 *
 * Format (identical to node:crypto's): nonce 12 bytes from RAND_bytes,
 * ciphertext = body || 16-byte tag, associated data authenticated, not stored.
 */
#include <limits.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16
/* Nonces drawn from one RAND_bytes call: OpenSSL 3's per-call DRBG overhead (~3 µs) would otherwise be most of a seal. */
#define NONCE_POOL_BYTES (NONCE_BYTES * 256)

/* One direction's context and the key its schedule was expanded from. */
typedef struct {
  EVP_CIPHER_CTX *ctx;
  unsigned char key[KEY_BYTES];
  int keyed;
} keyed_context;

/*
 * Unused CSPRNG output, handed out 12 bytes at a time and never twice. A
 * forked child would inherit the same bytes, so a fork empties every pool
 * (Node itself never forks without exec; this guards embedders).
 */
typedef struct {
  unsigned char bytes[NONCE_POOL_BYTES];
  size_t next;
  unsigned fork_generation;
} nonce_pool;

typedef struct {
  keyed_context encrypt;
  keyed_context decrypt;
  nonce_pool nonces;
} environment_state;

static unsigned fork_generation = 0;
static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;

static void on_fork_in_child(void) { fork_generation++; }

static void register_fork_handler(void) { pthread_atfork(NULL, NULL, on_fork_in_child); }

/* Writes a fresh nonce; 0 when the CSPRNG fails (nothing is written then). */
static int next_nonce(nonce_pool *pool, unsigned char *nonce) {
  if (pool->next >= NONCE_POOL_BYTES || pool->fork_generation != fork_generation) {
    if (RAND_bytes(pool->bytes, NONCE_POOL_BYTES) != 1) {
      pool->next = NONCE_POOL_BYTES;
      return 0;
    }
    pool->next = 0;
    pool->fork_generation = fork_generation;
  }
  memcpy(nonce, pool->bytes + pool->next, NONCE_BYTES);
  pool->next += NONCE_BYTES;
  return 1;
}

typedef struct {
  unsigned char *data;
  size_t length;
} bytes;

static void free_keyed_context(keyed_context *context) {
  EVP_CIPHER_CTX_free(context->ctx);
  OPENSSL_cleanse(context->key, KEY_BYTES);
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  environment_state *state = data;
  free_keyed_context(&state->encrypt);
  free_keyed_context(&state->decrypt);
  free(state);
}

/* Throws a JavaScript error unless one is pending already; returns NULL for the caller to return. */
static napi_value throw_error(napi_env env, const char *code, const char *message, int range) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    if (range) napi_throw_range_error(env, code, message);
    else napi_throw_type_error(env, code, message);
  }
  return NULL;
}

/* Reads a typed array argument of `expected` type (its data and element count); 0 with a TypeError pending otherwise. */
static int read_typed_array(napi_env env, napi_value value, napi_typedarray_type expected, const char *name, void **data, size_t *length) {
  bool is_typed_array = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok || type != expected) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", name, 0);
    return 0;
  }
  return 1;
}

/* Reads a Uint8Array (Buffer included) argument; 0 with a TypeError pending otherwise. */
static int read_bytes(napi_env env, napi_value value, const char *name, bytes *out) {
  void *data = NULL;
  if (!read_typed_array(env, value, napi_uint8_array, name, &data, &out->length)) return 0;
  out->data = data;
  return 1;
}

/*
 * Points the context at `key` and `nonce`. The key schedule (AES round keys,
 * GHASH table) is kept when the key is the same as last time: setting only
 * the IV resets GCM's counters, tag and associated-data state.
 */
static int start(keyed_context *context, const unsigned char *key, const unsigned char *nonce, int encrypt) {
  const unsigned char *new_key = NULL;
  if (!context->keyed || CRYPTO_memcmp(context->key, key, KEY_BYTES) != 0) {
    new_key = key;
    context->keyed = 0;
  }
  int ok = encrypt ? EVP_EncryptInit_ex(context->ctx, NULL, NULL, new_key, nonce)
                   : EVP_DecryptInit_ex(context->ctx, NULL, NULL, new_key, nonce);
  if (!ok) return 0;
  if (new_key != NULL) {
    memcpy(context->key, key, KEY_BYTES);
    context->keyed = 1;
  }
  return 1;
}

static int fits_int(size_t length) { return length <= (size_t)INT_MAX - TAG_BYTES; }

/*
 * Opens one ciphertext (body || 16-byte tag, `body_length` + 16 bytes) into
 * `plaintext`; 1 when it authenticates. The caller zeroes the output on 0.
 */
static int open_one(keyed_context *context, const unsigned char *key, const unsigned char *nonce, const unsigned char *ciphertext,
                    int body_length, const unsigned char *aad, int aad_length, unsigned char *plaintext) {
  /* The tag is copied: OpenSSL's SET_TAG takes a non-const pointer. */
  unsigned char tag[TAG_BYTES];
  memcpy(tag, ciphertext + body_length, TAG_BYTES);
  int written = 0;
  int started = start(context, key, nonce, 0);
  int authentic = started &&
                  (aad_length == 0 || EVP_DecryptUpdate(context->ctx, NULL, &written, aad, aad_length)) &&
                  EVP_DecryptUpdate(context->ctx, plaintext, &written, ciphertext, body_length) &&
                  EVP_CIPHER_CTX_ctrl(context->ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) &&
                  EVP_DecryptFinal_ex(context->ctx, plaintext + written, &written) > 0;
  if (!started) context->keyed = 0;
  return authentic;
}


/*
 * seal(key, plaintext, associatedData, out): out (12 + plaintext + 16 bytes)
 * receives nonce || body || tag.
 */
static napi_value seal(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  environment_state *state;
  bytes key, plaintext, aad, out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state) != napi_ok) return throw_error(env, "ERR_NATIVE", "seal: bad call", 0);
  if (argc < 4) return throw_error(env, "ERR_MISSING_ARGS", "seal(key, plaintext, associatedData, out)", 0);
  if (!read_bytes(env, argv[0], "key must be a Uint8Array", &key) ||
      !read_bytes(env, argv[1], "plaintext must be a Uint8Array", &plaintext) ||
      !read_bytes(env, argv[2], "associatedData must be a Uint8Array", &aad) ||
      !read_bytes(env, argv[3], "out must be a Uint8Array", &out)) {
    return NULL;
  }
  if (key.length != KEY_BYTES) return throw_error(env, "ERR_CRYPTO_INVALID_KEYLEN", "key must be 32 bytes", 1);
  if (!fits_int(plaintext.length) || !fits_int(aad.length)) return throw_error(env, "ERR_OUT_OF_RANGE", "input too large", 1);
  if (out.length != NONCE_BYTES + plaintext.length + TAG_BYTES) {
    return throw_error(env, "ERR_OUT_OF_RANGE", "out must be 12 + plaintext + 16 bytes", 1);
  }

  unsigned char *nonce = out.data;
  unsigned char *body = out.data + NONCE_BYTES;
  int written = 0;
  int ok = next_nonce(&state->nonces, nonce) && start(&state->encrypt, key.data, nonce, 1) &&
           (aad.length == 0 || EVP_EncryptUpdate(state->encrypt.ctx, NULL, &written, aad.data, (int)aad.length)) &&
           EVP_EncryptUpdate(state->encrypt.ctx, body, &written, plaintext.data, (int)plaintext.length) &&
           EVP_EncryptFinal_ex(state->encrypt.ctx, body + written, &written) &&
           EVP_CIPHER_CTX_ctrl(state->encrypt.ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, body + plaintext.length);
  if (!ok) {
    OPENSSL_cleanse(out.data, out.length);
    state->encrypt.keyed = 0;
    return throw_error(env, "ERR_CRYPTO_OPERATION_FAILED", "AES-256-GCM seal failed", 0);
  }
  return NULL;
}

/*
 * open(key, nonce, ciphertext, associatedData, out) → boolean: out
 * (ciphertext - 16 bytes) receives the plaintext when it authenticates; on
 * false it is zeroed, so unauthenticated plaintext never escapes.
 */
static napi_value open_sealed(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  environment_state *state;
  bytes key, nonce, ciphertext, aad, out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state) != napi_ok) return throw_error(env, "ERR_NATIVE", "open: bad call", 0);
  if (argc < 5) return throw_error(env, "ERR_MISSING_ARGS", "open(key, nonce, ciphertext, associatedData, out)", 0);
  if (!read_bytes(env, argv[0], "key must be a Uint8Array", &key) ||
      !read_bytes(env, argv[1], "nonce must be a Uint8Array", &nonce) ||
      !read_bytes(env, argv[2], "ciphertext must be a Uint8Array", &ciphertext) ||
      !read_bytes(env, argv[3], "associatedData must be a Uint8Array", &aad) ||
      !read_bytes(env, argv[4], "out must be a Uint8Array", &out)) {
    return NULL;
  }
  if (key.length != KEY_BYTES) return throw_error(env, "ERR_CRYPTO_INVALID_KEYLEN", "key must be 32 bytes", 1);
  if (nonce.length != NONCE_BYTES) return throw_error(env, "ERR_CRYPTO_INVALID_IV", "nonce must be 12 bytes", 1);
  if (ciphertext.length < TAG_BYTES || !fits_int(ciphertext.length) || !fits_int(aad.length)) {
    return throw_error(env, "ERR_OUT_OF_RANGE", "ciphertext must hold at least the 16-byte tag", 1);
  }
  size_t body_length = ciphertext.length - TAG_BYTES;
  if (out.length != body_length) return throw_error(env, "ERR_OUT_OF_RANGE", "out must be ciphertext - 16 bytes", 1);

  int authentic = open_one(&state->decrypt, key.data, nonce.data, ciphertext.data, (int)body_length, aad.data, (int)aad.length, out.data);
  if (!authentic) OPENSSL_cleanse(out.data, out.length);
  napi_value result;
  napi_get_boolean(env, authentic, &result);
  return result;
}

/* Fields of one record in openMany's `records`, in this order. */
enum { KEY_INDEX, NONCE_AT, CIPHERTEXT_AT, CIPHERTEXT_LENGTH, AD_AT, AD_LENGTH, OUT_AT, RECORD_FIELDS };

/* Whether [at, at + length) lies inside a buffer of `size` bytes. */
static int within(int32_t at, int32_t length, size_t size) {
  return at >= 0 && length >= 0 && (size_t)at <= size && (size_t)length <= size - (size_t)at;
}

/*
 * openMany(keys, source, records, associatedData, out) → number: opens many
 * ciphertexts in one call (a replay page), without a JavaScript object per
 * row. `keys` is 32-byte keys back to back; `records` an Int32Array of
 * RECORD_FIELDS per ciphertext: key index, nonce and ciphertext (body || tag)
 * offsets and the ciphertext's length in `source`, its associated data's
 * offset and length in `associatedData`, and where in `out` its plaintext
 * (ciphertext - 16 bytes) goes. Every range is checked before anything is
 * decrypted (RangeError). Returns -1 when all authenticate; else the index
 * of the first that does not, with `out` zeroed, so unauthenticated
 * plaintext never escapes.
 */
static napi_value open_many(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  environment_state *state;
  bytes keys, source, aad, out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state) != napi_ok) return throw_error(env, "ERR_NATIVE", "openMany: bad call", 0);
  if (argc < 5) return throw_error(env, "ERR_MISSING_ARGS", "openMany(keys, source, records, associatedData, out)", 0);
  size_t count = 0;
  void *data = NULL;
  if (!read_bytes(env, argv[0], "keys must be a Uint8Array", &keys) ||
      !read_bytes(env, argv[1], "source must be a Uint8Array", &source) ||
      !read_typed_array(env, argv[2], napi_int32_array, "records must be an Int32Array", &data, &count) ||
      !read_bytes(env, argv[3], "associatedData must be a Uint8Array", &aad) ||
      !read_bytes(env, argv[4], "out must be a Uint8Array", &out)) {
    return NULL;
  }
  const int32_t *records = data;
  size_t n = count / RECORD_FIELDS;
  if (count % RECORD_FIELDS != 0 || keys.length % KEY_BYTES != 0) {
    return throw_error(env, "ERR_OUT_OF_RANGE", "records must hold 7 fields per ciphertext, keys 32 bytes each", 1);
  }
  for (size_t i = 0; i < n; i++) {
    const int32_t *r = records + i * RECORD_FIELDS;
    if (r[KEY_INDEX] < 0 || (size_t)r[KEY_INDEX] >= keys.length / KEY_BYTES || !within(r[NONCE_AT], NONCE_BYTES, source.length) ||
        r[CIPHERTEXT_LENGTH] < TAG_BYTES || !within(r[CIPHERTEXT_AT], r[CIPHERTEXT_LENGTH], source.length) ||
        !within(r[AD_AT], r[AD_LENGTH], aad.length) || !within(r[OUT_AT], r[CIPHERTEXT_LENGTH] - TAG_BYTES, out.length)) {
      return throw_error(env, "ERR_OUT_OF_RANGE", "openMany: a record's key index or range is out of bounds", 1);
    }
  }
  int64_t failed = -1;
  for (size_t i = 0; i < n && failed < 0; i++) {
    const int32_t *r = records + i * RECORD_FIELDS;
    if (!open_one(&state->decrypt, keys.data + (size_t)r[KEY_INDEX] * KEY_BYTES, source.data + r[NONCE_AT], source.data + r[CIPHERTEXT_AT],
                  r[CIPHERTEXT_LENGTH] - TAG_BYTES, aad.data + r[AD_AT], r[AD_LENGTH], out.data + r[OUT_AT])) {
      failed = (int64_t)i;
    }
  }
  if (failed >= 0) OPENSSL_cleanse(out.data, out.length);
  napi_value result;
  napi_create_int64(env, failed, &result);
  return result;
}

static int init_context(keyed_context *context) {
  context->keyed = 0;
  context->ctx = EVP_CIPHER_CTX_new();
  /* Fixes the cipher (and 12-byte IV length) once; every call then sets key and/or IV only. */
  return context->ctx != NULL && EVP_CipherInit_ex(context->ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, -1) == 1;
}

NAPI_MODULE_INIT() {
  pthread_once(&fork_handler_once, register_fork_handler);
  environment_state *state = calloc(1, sizeof(environment_state));
  if (state == NULL || !init_context(&state->encrypt) || !init_context(&state->decrypt)) {
    if (state != NULL) free_state(env, state, NULL);
    napi_throw_error(env, "ERR_NATIVE", "AES-256-GCM: cannot create OpenSSL contexts");
    return NULL;
  }
  state->nonces.next = NONCE_POOL_BYTES; /* empty: the first seal fills it */
  if (napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    free_state(env, state, NULL);
    return NULL;
  }
  napi_property_descriptor functions[] = {
      {"seal", NULL, seal, NULL, NULL, NULL, napi_enumerable, state},
      {"open", NULL, open_sealed, NULL, NULL, NULL, napi_enumerable, state},
      {"openMany", NULL, open_many, NULL, NULL, NULL, napi_enumerable, state},
  };
  napi_define_properties(env, exports, 3, functions);
  return exports;
}
