// A self-signed certificate for the tests that speak TLS to or from a real
// `docket serve` (tests/server/hostile_test.cpp: the server's listener;
// tests/server/webhook_delivery_test.cpp: a webhook receiver).

#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>

namespace docket::server::testing {

// A self-signed certificate for CN=localhost (P-256, valid for a day) and its key, as PEM files.
inline bool write_self_signed_certificate(const std::filesystem::path& certificate,
                                          const std::filesystem::path& key_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x509 = X509_new();
  bool ok = key != nullptr && x509 != nullptr;
  if (ok) {
    ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509), 0);
    X509_gmtime_adj(X509_getm_notAfter(x509), 86400);
    X509_NAME* name = X509_get_subject_name(x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    ok = X509_set_version(x509, 2) == 1 && X509_set_issuer_name(x509, name) == 1 && X509_set_pubkey(x509, key) == 1 &&
         X509_sign(x509, key, EVP_sha256()) > 0;
  }
  if (ok) {
    BIO* out = BIO_new_file(certificate.c_str(), "w");
    ok = out != nullptr && PEM_write_bio_X509(out, x509) == 1;
    BIO_free(out);
  }
  if (ok) {
    BIO* out = BIO_new_file(key_file.c_str(), "w");
    ok = out != nullptr && PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    BIO_free(out);
  }
  X509_free(x509);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace docket::server::testing
