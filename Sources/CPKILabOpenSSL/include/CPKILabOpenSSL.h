#ifndef CPKILAB_OPENSSL_H
#define CPKILAB_OPENSSL_H

#include <stddef.h>

// PKCS#12 through the system OpenSSL (libssl-dev), which swift-nio-ssl's BoringSSL cannot do with modern
// (AES-256 + SHA-256 MAC) and legacy (3DES + SHA-1) settings both. Inputs are PEM texts; chain_pem may be
// empty. On success returns the DER length and sets *out (free with pkilab_pkcs12_free); on failure returns -1
// and writes OpenSSL's reason into error (NUL-terminated, at most error_size bytes).
long pkilab_pkcs12_create(const char *cert_pem, const char *key_pem, const char *chain_pem, const char *password,
                          const char *friendly_name, int legacy, unsigned char **out, char *error, size_t error_size);

// Whether der is a PKCS#12 file that opens with password and holds a certificate whose DER equals cert_der.
int pkilab_pkcs12_matches(const unsigned char *der, size_t der_size, const char *password, const unsigned char *cert_der,
                          size_t cert_der_size);

void pkilab_pkcs12_free(unsigned char *bytes);

// Certificates swift-certificates will not sign, for the zoo: re-signs the DER certificate der with the PEM key
// issuer_key_pem and the digest named digest ("sha1", "sha256"; ignored for an Ed25519 or Ed448 issuer key). When new_rsa_bits > 0 the certificate first gets
// a new RSA key of that size (1024 for the zoo), whose PKCS#8 PEM is returned in *key_pem (free both with
// pkilab_resign_free). Returns the new DER length and sets *out, or -1 with OpenSSL's reason in error.
long pkilab_x509_resign(const unsigned char *der, size_t der_size, const char *issuer_key_pem, const char *digest, int new_rsa_bits,
                        unsigned char **out, char **key_pem, char *error, size_t error_size);

void pkilab_resign_free(void *bytes);

#endif
