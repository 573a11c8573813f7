// The one error value: a failure kind that callers branch on, and one line
// for the user. Modelled on leveldb's Status and ccache's failure kinds.
//
//   ReadStatus read = files.Read(path, kMaxLabelsBytes, &text);
//   if (read.kind() == ReadFailure::kMissing) ...     // branch on the kind
//   if (!read.ok()) return Fail(read.message());       // never parse the text
#pragma once

#include <string>
#include <utility>

namespace irsa {

// `Kind` is an enum class whose `kNone` (value 0) means success; each seam or
// step declares its own (ReadFailure, HttpFailure, Failure, InstallFailure).
// A default-constructed Status is success with an empty message. A failure
// always carries one line naming the input and what was wrong (never secret
// bytes). Cheap to copy; no state besides the two fields.
template <typename Kind>
class [[nodiscard]] Status {
 public:
  Status() = default;
  // REQUIRES: kind != Kind::kNone and a non-empty message.
  Status(Kind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  bool ok() const { return kind_ == Kind::kNone; }
  Kind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // The same kind with `prefix` put before the message ("labels file " + ...).
  Status Prefixed(const std::string& prefix) const {
    return ok() ? *this : Status(kind_, prefix + message_);
  }

 private:
  Kind kind_ = Kind::kNone;
  std::string message_;
};

}  // namespace irsa
