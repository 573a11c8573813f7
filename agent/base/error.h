// How a function in this tree says it failed. One rule, ninja's, with
// leveldb's Status for the kinded case:
//
// 1. A pure parser or check whose callers never branch on *why* it failed
//    returns `bool` and writes one line naming the input and what was wrong
//    to `std::string* err` (or, when there is only one reason, just `bool`):
//      bool ParseLabels(std::string_view text, Labels* out, std::string* err);
//      bool Sha256Hex(std::string_view data, std::string* hex);
// 2. Wherever a caller retries, gives up or keeps the old state depending on
//    the kind of failure, the function returns the kinded value below,
//    Status<Kind>, and its results through out-parameters:
//      ReadStatus Files::Read(...);   Status<HttpFailure> HttpClient::Send(...);
//      StepStatus FetchProxyToken(...);   Status<UnixFailure> UnixHttpClient::Get(...);
//    A result that carries more than the outcome holds one Status member,
//    `status` (CredentialFetch, RoundResult), never a hand-written
//    {Failure failure; std::string message;} pair or a kind pointer.
// 3. Nothing signals failure in-band (an empty string, -1, a null pointer
//    without a reason). No exception crosses a file boundary.
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

 private:
  Kind kind_ = Kind::kNone;
  std::string message_;
};

}  // namespace irsa
