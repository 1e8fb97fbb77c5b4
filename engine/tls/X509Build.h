// X509Build.h — the pieces Certificate.cpp (self-signed) and LocalCa.cpp (a CA
// and the leaves it signs) both use to build an X.509 certificate with
// OpenSSL 3: owning pointers for OpenSSL's objects, a random serial number,
// subject name entries, subjectAltNames and configuration-syntax extensions.
//
// Internal to engine/tls (only .cpp files of this layer include it). Plain
// functions without state of their own: any thread may call them on objects it
// owns. Each throws std::runtime_error, with OpenSSL's error queue in words
// (takeErrors()), when OpenSSL refuses.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace engine::tls::x509 {

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { F(p); }
};
inline void gensFree(GENERAL_NAMES* g) { GENERAL_NAMES_free(g); }

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using GensPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, gensFree>>;

/// Throws std::runtime_error: `what`, then ": " and takeErrors() when OpenSSL
/// left a reason.
[[noreturn]] void fail(const std::string& what);

/// The text a memory BIO holds ("" when none).
std::string bioText(BIO* b);

/// A random positive, non-zero 128-bit serial number for `x`.
void setRandomSerial(X509* x);

/// A new X.509 v3 certificate with a random serial number (setRandomSerial()),
/// valid from an hour ago (for clocks a little behind) until `validSeconds`
/// from now; `cannotMake` is the failure when OpenSSL cannot make it.
X509Ptr newCertificate(long validSeconds, const std::string& cannotMake);

/// Adds `field` = `value` (UTF-8) to `name` ("O", "CN", ...).
void addName(X509_NAME* name, const char* field, const std::string& value);

/// One subjectAltName extension on `x` with each of `names`: an IP address
/// when it reads as one, else a DNS name.
void addSubjectAltNames(X509* x, const std::vector<std::string>& names);

/// Extensions in OpenSSL's configuration syntax ({NID_key_usage,
/// "critical,digitalSignature"}, ...) on `subject`, which `issuer` signs.
void addExtensions(X509* subject, X509* issuer, std::initializer_list<std::pair<int, const char*>> exts);

}  // namespace engine::tls::x509
