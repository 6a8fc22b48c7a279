#include "CPKILabOpenSSL.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <string.h>

static void reason(char *error, size_t error_size) {
    unsigned long code = ERR_get_error();
    if (error_size == 0) return;
    if (code == 0) {
        strncpy(error, "unknown OpenSSL error", error_size - 1);
        error[error_size - 1] = 0;
        return;
    }
    ERR_error_string_n(code, error, error_size);
}

long pkilab_pkcs12_create(const char *cert_pem, const char *key_pem, const char *chain_pem, const char *password,
                          const char *friendly_name, int legacy, unsigned char **out, char *error, size_t error_size) {
    long length = -1;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    STACK_OF(X509) *chain = sk_X509_new_null();
    PKCS12 *p12 = NULL;
    BIO *bio = BIO_new_mem_buf(cert_pem, -1);
    cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    bio = BIO_new_mem_buf(key_pem, -1);
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!cert || !key || !chain) goto done;
    bio = BIO_new_mem_buf(chain_pem, -1);
    for (X509 *extra; bio && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL;) sk_X509_push(chain, extra);
    BIO_free(bio);
    ERR_clear_error();  // the loop above ends on "no start line"
    if (legacy) {
        p12 = PKCS12_create(password, friendly_name, key, cert, chain, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                            NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 2048, -1, 0);
        if (p12 && !PKCS12_set_mac(p12, password, -1, NULL, 0, 2048, EVP_sha1())) { PKCS12_free(p12); p12 = NULL; }
    } else {
        // OpenSSL 3 defaults: PBES2 with PBKDF2 and AES-256-CBC, and a SHA-256 MAC.
        p12 = PKCS12_create(password, friendly_name, key, cert, chain, NID_aes_256_cbc, NID_aes_256_cbc, 2048, 2048, 0);
    }
    if (!p12) goto done;
    unsigned char *der = NULL;
    int size = i2d_PKCS12(p12, &der);
    if (size > 0) { *out = der; length = size; }
done:
    if (length < 0) reason(error, error_size);
    PKCS12_free(p12);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    X509_free(cert);
    return length;
}

int pkilab_pkcs12_matches(const unsigned char *der, size_t der_size, const char *password, const unsigned char *cert_der,
                          size_t cert_der_size) {
    const unsigned char *cursor = der;
    PKCS12 *p12 = d2i_PKCS12(NULL, &cursor, (long)der_size);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    int matches = 0;
    if (p12 && PKCS12_parse(p12, password, &key, &cert, &chain) && cert) {
        unsigned char *mine = NULL;
        int size = i2d_X509(cert, &mine);
        matches = size == (int)cert_der_size && memcmp(mine, cert_der, cert_der_size) == 0;
        OPENSSL_free(mine);
    }
    ERR_clear_error();
    sk_X509_pop_free(chain, X509_free);
    X509_free(cert);
    EVP_PKEY_free(key);
    PKCS12_free(p12);
    return matches;
}

void pkilab_pkcs12_free(unsigned char *bytes) {
    OPENSSL_free(bytes);
}
