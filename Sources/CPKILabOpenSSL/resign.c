#include "CPKILabOpenSSL.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static void resign_reason(char *error, size_t error_size, const char *fallback) {
    unsigned long code = ERR_get_error();
    if (error_size == 0) return;
    if (code == 0) {
        strncpy(error, fallback, error_size - 1);
        error[error_size - 1] = 0;
        return;
    }
    ERR_error_string_n(code, error, error_size);
}

long pkilab_x509_resign(const unsigned char *der, size_t der_size, const char *issuer_key_pem, const char *digest, int new_rsa_bits,
                        unsigned char **out, char **key_pem, char *error, size_t error_size) {
    long length = -1;
    const unsigned char *cursor = der;
    X509 *cert = d2i_X509(NULL, &cursor, (long)der_size);
    BIO *bio = BIO_new_mem_buf(issuer_key_pem, -1);
    EVP_PKEY *issuer_key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    EVP_PKEY *new_key = NULL;
    // Ed25519 and Ed448 sign without a separate digest.
    int pure = issuer_key && (EVP_PKEY_get_id(issuer_key) == EVP_PKEY_ED25519 || EVP_PKEY_get_id(issuer_key) == EVP_PKEY_ED448);
    const EVP_MD *md = pure ? NULL : EVP_get_digestbyname(digest);
    *out = NULL;
    if (key_pem) *key_pem = NULL;
    if (!cert || !issuer_key || (!md && !pure)) {
        resign_reason(error, error_size, !md ? "unknown digest" : "cannot read the certificate or the issuer key");
        goto done;
    }
    if (new_rsa_bits > 0) {
        new_key = EVP_RSA_gen((unsigned int)new_rsa_bits);
        if (!new_key || !X509_set_pubkey(cert, new_key)) {
            resign_reason(error, error_size, "cannot make the RSA key");
            goto done;
        }
    }
    if (X509_sign(cert, issuer_key, md) <= 0) {
        resign_reason(error, error_size, "X509_sign failed");
        goto done;
    }
    unsigned char *encoded = NULL;
    int size = i2d_X509(cert, &encoded);
    if (size <= 0) {
        resign_reason(error, error_size, "i2d_X509 failed");
        goto done;
    }
    if (new_key && key_pem) {
        BIO *mem = BIO_new(BIO_s_mem());
        char *data = NULL;
        long pem_size = 0;
        if (!mem || !PEM_write_bio_PrivateKey(mem, new_key, NULL, NULL, 0, NULL, NULL) || (pem_size = BIO_get_mem_data(mem, &data)) <= 0) {
            BIO_free(mem);
            OPENSSL_free(encoded);
            resign_reason(error, error_size, "cannot write the RSA key");
            goto done;
        }
        *key_pem = malloc((size_t)pem_size + 1);
        memcpy(*key_pem, data, (size_t)pem_size);
        (*key_pem)[pem_size] = 0;
        BIO_free(mem);
    }
    *out = malloc((size_t)size);
    memcpy(*out, encoded, (size_t)size);
    OPENSSL_free(encoded);
    length = size;
done:
    X509_free(cert);
    EVP_PKEY_free(issuer_key);
    EVP_PKEY_free(new_key);
    return length;
}

void pkilab_resign_free(void *bytes) {
    free(bytes);
}
