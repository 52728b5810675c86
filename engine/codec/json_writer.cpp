#include "engine/codec/json_writer.h"

#include <cmath>

namespace docket::engine {

JsonWriter& JsonWriter::number(double value) {
  if (!std::isfinite(value)) return null();
  separate();
  char digits[32];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
  return *this;
}

}  // namespace docket::engine
