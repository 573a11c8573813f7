// `irsa-agent install DIR`, and the copy `run --install-to DIR` makes at start:
// the sidecar puts its own (static) binary into a volume the user's container
// mounts, so the user can re-run `irsa-agent once` there without installing
// anything.

#include <unistd.h>

#include <cstdio>

#include "base/outcome.h"
#include "cmd/commands.h"

namespace irsa {
namespace {

// The kernel's link to the running executable. Opening it reaches the inode
// that was executed even if the path it came from has since been replaced.
constexpr const char* kSelfExe = "/proc/self/exe";

// The agent is a few MiB (static, stripped) or up to about a hundred with
// debug info (74 MiB for RelWithDebInfo with the mapping service); a larger
// file is not us.
constexpr size_t kMaxSelfBytes = 256 * 1024 * 1024;

constexpr int kExecutableMode = 0755;

// DIR + "/irsa-agent", without doubling a trailing slash.
std::string TargetPath(const std::string& dir) {
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path.back() != '/') path.push_back('/');
  return path + "irsa-agent";
}

}  // namespace

Status<InstallFailure> InstallSelf(Files& files, const std::string& dir, std::string* path,
                                   bool* changed) {
  *path = TargetPath(dir);
  *changed = false;
  std::string self;
  if (const ReadStatus read = files.Read(kSelfExe, kMaxSelfBytes, &self); !read.ok()) {
    return {InstallFailure::kCannotRead,
            "cannot read the running executable: " + read.message() +
                (read.kind() == ReadFailure::kMissing ? " (is /proc mounted?)" : "")};
  }
  if (const PublishStatus wrote = files.Publish(*path, self, kExecutableMode, changed);
      !wrote.ok()) {
    return {InstallFailure::kCannotWrite, "cannot install " + *path + ": " + wrote.message()};
  }
  return {};
}

int InstallCommand(const Invocation& invocation, Shells& shells) {
  std::string path;
  bool changed = false;
  const Status<InstallFailure> installed =
      InstallSelf(*shells.files, invocation.install_dir, &path, &changed);
  if (!installed.ok()) {
    PrintError(installed.message());
    return installed.kind() == InstallFailure::kCannotRead ? kExitInput : kExitPublish;
  }
  std::printf(changed ? "installed %s\n" : "%s unchanged\n", path.c_str());
  return FinishStdout(kExitOk, kExitPublish);
}

std::string CredentialsBinary(const Settings& settings) {
  if (!settings.install_to.empty()) return TargetPath(settings.install_to);
  char buf[4096];
  const ssize_t n = readlink(kSelfExe, buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace irsa
