// How big the heavy tests run. The plain build runs them at full size (the
// figures the issues ask for: a 10,000-record tamper matrix, 200 kills,
// 100,000 random events per rule file); under AddressSanitizer, where every
// step costs several times more, the same checks run on smaller inputs so
// that scripts/test stays within its time budget.

#pragma once

#include <cstddef>

namespace docket::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// `full` in the plain build, `sanitized` under the sanitizers.
constexpr std::size_t scaled(std::size_t full, std::size_t sanitized) { return kSanitized ? sanitized : full; }

}  // namespace docket::testing
