#!/bin/sh
# Build the embedded-stack test clients: build.sh OUTDIR
#   OUTDIR/mbedtls_client   mbedTLS 2.28 (libmbedtls-dev)
#   OUTDIR/bearssl_client   BearSSL 0.6  (libbearssl-dev)
#   OUTDIR/wolfssl_client   wolfSSL 5.5  (libwolfssl-dev)
#   OUTDIR/mbedtls_ota      esp_https_ota's download on mbedTLS 2.28 (libmbedtls-dev)
#   OUTDIR/bearssl_httpupdate  ESP8266httpUpdate's download on BearSSL 0.6 (libbearssl-dev)
# With LAB_HEADER=/path/lab_credentials.h (from `pkilab export --format c`) it
# also builds OUTDIR/mbedtls_client_header with those credentials compiled in.
# CC overrides the compiler (default gcc).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-}
if [ -z "$out" ]; then
    echo "usage: $0 OUTDIR   (LAB_HEADER=FILE $0 OUTDIR also builds mbedtls_client_header)" >&2
    exit 2
fi
cc=${CC:-gcc}
cflags="-Wall -Wextra -Werror -O1"

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build.sh: compiler '$cc' not found (apt-get install gcc)" >&2
    exit 1
fi

# have NAME HEADER LIBS PACKAGE: can we compile and link against it?
missing=""
have() {
    if ! printf '#include <%s>\nint main(void){return 0;}\n' "$2" |
        "$cc" -x c - -o /dev/null $3 >/dev/null 2>&1; then
        echo "build.sh: $1 is missing: <$2> or $3 not found (apt-get install $4)" >&2
        missing="$missing $4"
    fi
}
have mbedTLS mbedtls/ssl.h "-lmbedtls -lmbedx509 -lmbedcrypto" libmbedtls-dev
have BearSSL bearssl.h "-lbearssl" libbearssl-dev
have wolfSSL wolfssl/options.h "-lwolfssl" libwolfssl-dev
if [ -n "$missing" ]; then
    echo "build.sh: nothing built; install:$missing" >&2
    exit 1
fi
if [ -n "${LAB_HEADER:-}" ] && [ ! -r "$LAB_HEADER" ]; then
    echo "build.sh: LAB_HEADER=$LAB_HEADER is not a readable file" >&2
    exit 1
fi

mkdir -p "$out"
set -x
"$cc" $cflags -o "$out/mbedtls_client" "$here/mbedtls_client.c" -lmbedtls -lmbedx509 -lmbedcrypto
"$cc" $cflags -o "$out/bearssl_client" "$here/bearssl_client.c" -lbearssl
"$cc" $cflags -o "$out/wolfssl_client" "$here/wolfssl_client.c" -lwolfssl
"$cc" $cflags -o "$out/mbedtls_ota" "$here/mbedtls_ota.c" -lmbedtls -lmbedx509 -lmbedcrypto
"$cc" $cflags -o "$out/bearssl_httpupdate" "$here/bearssl_httpupdate.c" -lbearssl
if [ -n "${LAB_HEADER:-}" ]; then
    hdr=$(cd "$(dirname "$LAB_HEADER")" && pwd)/$(basename "$LAB_HEADER")
    "$cc" $cflags "-DLAB_HEADER=\"$hdr\"" -o "$out/mbedtls_client_header" "$here/mbedtls_client.c" \
        -lmbedtls -lmbedx509 -lmbedcrypto
fi
