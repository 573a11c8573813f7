// The real Files: bounded reads and atomic publication with POSIX calls.

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <system_error>
#include <utility>

#include "irsa_agent/files.h"
#include "os/unique_fd.h"

namespace irsa {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr int kTempAttempts = 4;  // fresh random names on the (unlikely) EEXIST

std::string ErrnoText(int error) { return std::system_category().message(error); }

// The steps of Publish, for the one errno -> message helper below.
enum class Step { kOpenFolder, kCreate, kWrite, kSync, kRename, kSyncFolder };

std::string PublishError(Step step, int error, const std::string& path, const std::string& dir) {
  const std::string folder = "folder " + dir;  // the config's, the state file's or install's
  if (step == Step::kOpenFolder && error == ENOENT) return folder + " does not exist";
  if (step == Step::kOpenFolder && error == ENOTDIR) return folder + " is not a folder";
  if (error == EROFS) return folder + " is on a read-only file system";
  if (error == ENOSPC) return "no space left on device writing " + path;
  if (error == EDQUOT) return "disk quota exceeded writing " + path;
  if (step == Step::kRename && (error == EBUSY || error == EXDEV)) {
    return "cannot replace " + path + ": it is a single-file bind mount (mount its folder instead)";
  }
  if (step == Step::kRename && error == EISDIR)
    return "cannot replace " + path + ": it is a folder";
  if (error == EACCES || error == EPERM) {
    return folder + " is not writable (" + ErrnoText(error) + ")";
  }
  switch (step) {
    case Step::kOpenFolder:
      return folder + ": " + ErrnoText(error);
    case Step::kCreate:
      return "cannot create a temp file in " + dir + ": " + ErrnoText(error);
    case Step::kWrite:
      return "cannot write " + path + ": " + ErrnoText(error);
    case Step::kSync:
      return "cannot fsync " + path + ": " + ErrnoText(error);
    case Step::kRename:
      return "cannot replace " + path + ": " + ErrnoText(error);
    case Step::kSyncFolder:
      return "published " + path + " but cannot fsync " + dir + ": " + ErrnoText(error);
  }
  return path + ": " + ErrnoText(error);
}

// Reads `fd` to its end or until it has more than `max_bytes`. Returns 0 or errno.
int ReadUpTo(int fd, size_t max_bytes, std::string* out, bool* too_large) {
  out->clear();
  const size_t limit = max_bytes == SIZE_MAX ? max_bytes : max_bytes + 1;
  char chunk[kChunkBytes];
  while (out->size() < limit) {
    const ssize_t n = ::read(fd, chunk, std::min(sizeof(chunk), limit - out->size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    out->append(chunk, static_cast<size_t>(n));
  }
  *too_large = out->size() > max_bytes;
  return 0;
}

// Returns 0 or errno.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;  // not expected for a regular file; avoids spinning
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// What is at `name` in `folder` when it is neither absent, a regular file nor
// a symlink (which Publish replaces: the link, never its target): "a
// character device", "a FIFO", ... Empty when Publish may go ahead. A folder
// is left to rename(2), which names it (EISDIR).
std::string_view Irreplaceable(int folder, const std::string& name) {
  struct stat st {};
  if (::fstatat(folder, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return {};
  switch (st.st_mode & S_IFMT) {
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    default:
      return {};
  }
}

// True when `name` in `folder` is already a regular file (not a symlink to
// one) holding exactly `bytes` with permission `mode`. Any doubt answers
// false, which only costs a rewrite.
bool HoldsAlready(int folder, const std::string& name, std::string_view bytes, int mode) {
  UniqueFd fd(::openat(folder, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.ok() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<int>(st.st_mode & 07777) != mode) {
    return false;
  }
  std::string current;
  bool too_large = false;
  return ReadUpTo(fd.get(), bytes.size(), &current, &too_large) == 0 && !too_large &&
         current == bytes;
}

// ".<name>.tmp-<pid>-<16 hex digits>": hidden, recognisable, and unique
// across processes and calls (O_EXCL makes a collision an error, not a race).
std::string TempName(const std::string& name) {
  static std::atomic<uint64_t> counter{0};
  uint64_t random = 0;
  if (getrandom(&random, sizeof(random), GRND_NONBLOCK) != sizeof(random)) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    random = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
  }
  random ^= counter.fetch_add(1) * 0x9e3779b97f4a7c15u;
  char suffix[64];
  std::snprintf(suffix, sizeof(suffix), ".tmp-%ld-%016llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(random));
  return "." + name + suffix;
}

// Removes the temp file unless the rename consumed it.
class TempFile {
 public:
  TempFile(int folder, std::string name) : folder_(folder), name_(std::move(name)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!name_.empty()) ::unlinkat(folder_, name_.c_str(), 0);
  }
  const std::string& name() const { return name_; }
  void Consumed() { name_.clear(); }

 private:
  int folder_;
  std::string name_;
};

class PosixFiles : public Files {
 public:
  // Opens without O_NOFOLLOW (symlinks are followed, as documented) but with
  // O_NONBLOCK, so that a FIFO at `path` is refused instead of blocking.
  ReadStatus Read(const std::string& path, size_t max_bytes, std::string* out) override {
    auto fail = [&](ReadFailure kind, const std::string& why) {
      return ReadStatus(kind, path + why);
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.ok()) {
      const int error = errno;
      if (error == ENOENT || error == ENOTDIR)
        return fail(ReadFailure::kMissing, " does not exist");
      return fail(ReadFailure::kError, ": " + ErrnoText(error));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(ReadFailure::kError, ": " + ErrnoText(errno));
    if (!S_ISREG(st.st_mode)) return fail(ReadFailure::kError, ": not a regular file");
    std::string content;
    bool too_large = false;
    if (const int error = ReadUpTo(fd.get(), max_bytes, &content, &too_large); error != 0) {
      return fail(ReadFailure::kError, ": " + ErrnoText(error));
    }
    if (too_large) {
      return fail(ReadFailure::kTooLarge,
                  " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    *out = std::move(content);
    return {};
  }

  // Every step works relative to one descriptor of the folder, so the temp
  // file, the rename and the folder fsync all hit the same directory even if
  // a path component is swapped meanwhile. When `path` is a symlink, the
  // rename replaces the link itself with a regular file; the link's target is
  // never written.
  PublishStatus Publish(const std::string& path, std::string_view bytes, int mode,
                        bool* changed) override {
    const auto fail = [](std::string why) { return PublishStatus(PublishFailure::kError, why); };
    *changed = false;
    if (mode < 0 || mode > 0777) {
      char octal[16] = "";
      if (mode > 0) std::snprintf(octal, sizeof(octal), "0%o", static_cast<unsigned>(mode));
      return fail(path + ": invalid file mode " + (mode > 0 ? octal : std::to_string(mode)));
    }
    const size_t slash = path.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") {
      return fail(path + ": not a file name");
    }
    UniqueFd folder(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!folder.ok()) {
      return fail(PublishError(Step::kOpenFolder, errno, path, dir));
    }
    // /dev/null given as the config (a common way to switch the AWS config
    // off) must never become a regular file, nor a FIFO or a socket.
    if (const std::string_view what = Irreplaceable(folder.get(), name); !what.empty()) {
      return fail("cannot replace " + path + ": it is " + std::string(what) +
                  ", not a regular file");
    }
    if (HoldsAlready(folder.get(), name, bytes, mode)) return {};

    UniqueFd fd;
    std::string temp_name;
    for (int attempt = 0; attempt < kTempAttempts && !fd.ok(); ++attempt) {
      temp_name = TempName(name);
      fd.reset(::openat(folder.get(), temp_name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
      if (!fd.ok() && errno != EEXIST) break;
    }
    if (!fd.ok()) {
      return fail(PublishError(Step::kCreate, errno, path, dir));
    }
    TempFile temp(folder.get(), temp_name);
    // The umask may have narrowed the mode given to open; fchmod is exact.
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
      return fail(PublishError(Step::kCreate, errno, path, dir));
    }
    if (const int error = WriteAll(fd.get(), bytes); error != 0) {
      return fail(PublishError(Step::kWrite, error, path, dir));
    }
    if (::fsync(fd.get()) != 0) {
      return fail(PublishError(Step::kSync, errno, path, dir));
    }
    if (const int error = fd.Close(); error != 0) {
      return fail(PublishError(Step::kWrite, error, path, dir));
    }
    if (::renameat(folder.get(), temp.name().c_str(), folder.get(), name.c_str()) != 0) {
      return fail(PublishError(Step::kRename, errno, path, dir));
    }
    temp.Consumed();
    *changed = true;
    // The new content is visible from here on; the folder fsync makes the
    // rename durable. File systems without directory fsync answer EINVAL.
    if (::fsync(folder.get()) != 0 && errno != EINVAL) {
      return {PublishFailure::kNotDurable, PublishError(Step::kSyncFolder, errno, path, dir)};
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Files> NewPosixFiles() { return std::make_unique<PosixFiles>(); }

}  // namespace irsa
