// SHA-256 digests and lowercase hex, the one form docket writes them in:
// workflow version ids, the journal's hash chain, key ids, signatures and
// the digests of access tokens.

#pragma once

#include <span>
#include <string>
#include <string_view>

namespace docket::engine {

// `bytes` as lowercase hex, two digits a byte: {0x00, 0xff} is "00ff".
std::string lowercase_hex(std::span<const unsigned char> bytes);

// Whether `text` holds only lowercase hex digits (0-9, a-f); true when empty.
bool is_lowercase_hex(std::string_view text);

// The SHA-256 digest of `bytes` as 64 lowercase hex digits; empty only when
// the crypto library fails.
std::string sha256_hex(std::string_view bytes);

// The digest of `pieces` one after another: the same as of the text they
// make together, without joining them.
std::string sha256_hex(std::span<const std::string_view> pieces);

}  // namespace docket::engine
