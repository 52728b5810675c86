// Results instead of exceptions at the engine's borders.
//
// Result<T> holds either a value or a one-line error; Status is the same
// without a value. They are for failures of the call itself (an unknown
// workflow, a journal that refused a write). Outcomes that are part of the
// domain, such as an event the rules reject, are values (engine/runtime/engine.h:
// Outcome), not errors.

#pragma once

#include <optional>
#include <string>
#include <utility>

namespace docket::engine {

template <typename T>
class [[nodiscard]] Result {
 public:
  static Result success(T value) { return Result(std::move(value), {}); }
  static Result failure(std::string error) { return Result(std::nullopt, std::move(error)); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  // Empty when ok().
  const std::string& error() const { return error_; }

 private:
  Result(std::optional<T> value, std::string error) : value_(std::move(value)), error_(std::move(error)) {}
  std::optional<T> value_;
  std::string error_;
};

class [[nodiscard]] Status {
 public:
  static Status success() { return Status({}); }
  static Status failure(std::string error) { return Status(std::move(error), false); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  explicit Status(std::string error, bool ok = true) : error_(std::move(error)), ok_(ok) {}
  std::string error_;
  bool ok_ = true;
};

}  // namespace docket::engine
