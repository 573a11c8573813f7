#include "run/credentials_token.h"

#include <utility>

#include "base/digest.h"
#include "base/secret.h"
#include "base/text.h"

namespace irsa {
namespace {

constexpr size_t kMaxTokenBytes = 4096;

}  // namespace

bool LoadCredentialsToken(Files& files, const std::string& path, const RandomBytesFn& random,
                          std::string* token, std::string* err) {
  std::string content;
  const ReadStatus read = files.Read(path, kMaxTokenBytes, &content);
  if (read.ok()) {
    std::string trimmed(TrimWhitespace(content));
    WipeString(&content);
    if (trimmed.empty()) {
      *err = "credentials token file " + path + " is empty";
      return false;
    }
    *token = std::move(trimmed);
    return true;
  }
  if (read.kind() != ReadFailure::kMissing) {
    *err = "credentials token file " + read.message();
    return false;
  }
  std::string bytes;
  std::string random_err;
  if (!random(kCredentialsTokenBytes, &bytes, &random_err)) {
    *err = "cannot make the credentials token " + path + ": " + random_err;
    return false;
  }
  std::string fresh = HexEncode(bytes);
  WipeString(&bytes);
  bool changed = false;
  std::string publish_err;
  if (!files.Publish(path, fresh, kCredentialsTokenMode, &changed, &publish_err)) {
    WipeString(&fresh);
    *err = "cannot write the credentials token: " + publish_err;
    return false;
  }
  *token = std::move(fresh);
  return true;
}

}  // namespace irsa
