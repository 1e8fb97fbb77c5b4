// X509Build.cpp — see X509Build.h.
#include "engine/tls/X509Build.h"

#include "engine/tls/Certificate.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace engine::tls::x509 {

void fail(const std::string& what) {
    const std::string why = takeErrors();
    throw std::runtime_error(why.empty() ? what : what + ": " + why);
}

std::string bioText(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return n > 0 && data ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

void setRandomSerial(X509* x) {
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) fail("cannot draw a serial number");
    serial[0] &= 0x7f;  // positive
    serial[0] |= 0x01;  // and not zero
    BnPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x))) fail("cannot set the serial number");
}

X509Ptr newCertificate(long validSeconds, const std::string& cannotMake) {
    X509Ptr x(X509_new());
    if (!x || X509_set_version(x.get(), 2) != 1) fail(cannotMake);
    setRandomSerial(x.get());
    if (!X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x.get()), validSeconds))
        fail("cannot set the validity");
    return x;
}

void addName(X509_NAME* name, const char* field, const std::string& value) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                   -1, -1, 0) != 1)
        fail("cannot set the certificate's " + std::string(field));
}

void addSubjectAltNames(X509* x, const std::vector<std::string>& names) {
    GensPtr gens(sk_GENERAL_NAME_new_null());
    if (!gens) fail("out of memory");
    for (const std::string& n : names) {
        GENERAL_NAME* g = GENERAL_NAME_new();
        if (!g) fail("out of memory");
        if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(n.c_str())) {
            GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
        } else {
            ERR_clear_error();
            ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
            if (!dns || ASN1_STRING_set(dns, n.data(), static_cast<int>(n.size())) != 1) {
                ASN1_IA5STRING_free(dns);
                GENERAL_NAME_free(g);
                fail("cannot set a subjectAltName");
            }
            GENERAL_NAME_set0_value(g, GEN_DNS, dns);
        }
        if (sk_GENERAL_NAME_push(gens.get(), g) <= 0) {
            GENERAL_NAME_free(g);
            fail("out of memory");
        }
    }
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1)
        fail("cannot add the subjectAltName");
}

void addExtensions(X509* subject, X509* issuer, std::initializer_list<std::pair<int, const char*>> exts) {
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, subject, nullptr, nullptr, 0);
    for (const auto& [nid, value] : exts) {
        X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
        if (!e) fail(std::string("cannot make the certificate extension ") + OBJ_nid2sn(nid));
        const int ok = X509_add_ext(subject, e, -1);
        X509_EXTENSION_free(e);
        if (ok != 1) fail(std::string("cannot add the certificate extension ") + OBJ_nid2sn(nid));
    }
}

}  // namespace engine::tls::x509
