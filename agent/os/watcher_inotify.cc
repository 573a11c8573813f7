// The inotify Watcher. One watch per folder holding watched files; while a
// folder is missing, a watch on its nearest existing ancestor waits for the
// next folder down to appear. Watching folders rather than files is what makes
// the kubelet's `..data` swap visible (docs/FORMATS.md).

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "irsa_agent/watcher.h"

namespace irsa {
namespace {

// Everything that can replace, rewrite or remove a name in a watched folder,
// and the folder itself going away.
constexpr uint32_t kFolderMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE |
                                 IN_MODIFY | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                 IN_ONLYDIR;
// On an ancestor of a missing folder: the next folder down appearing, or the
// ancestor itself going away. IN_MASK_ADD because the same folder may also be
// watched with kFolderMask for files of its own; inotify keeps one mask per inode.
constexpr uint32_t kAncestorMask =
    IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_MASK_ADD;
// The watched inode is no longer at its path (or no longer watched at all).
constexpr uint32_t kGoneMask = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED;
// The symlink whose swap is the AtomicWriter's commit point.
constexpr std::string_view kDataLink = "..data";

constexpr size_t kBufferSize = 64 * 1024;
// A full default queue (16384 events) of 255-byte names fits in 70 reads. The
// bound keeps a folder busy with unrelated writes from starving the event
// loop; epoll is level-triggered, so anything left is read on the next turn.
constexpr int kMaxReadsPerDrain = 256;
// Retries when a folder appears between a failed watch and the ancestor's watch.
constexpr int kMaxArmAttempts = 8;

// Splits "/a/b/token" into "/a/b" and "token"; "token" into "." and "token".
bool SplitPath(const std::string& file, std::string* dir, std::string* name) {
  const size_t slash = file.find_last_of('/');
  *name = slash == std::string::npos ? file : file.substr(slash + 1);
  if (name->empty() || *name == "." || *name == "..") return false;
  if (slash == std::string::npos) {
    *dir = ".";
    return true;
  }
  const size_t end = file.find_last_not_of('/', slash);
  *dir = end == std::string::npos ? "/" : file.substr(0, end + 1);
  return true;
}

// "/a/b" -> "/a", "/a" -> "/", "a" -> "."; false for "/" and ".".
bool Parent(const std::string& dir, std::string* parent) {
  if (dir == "/" || dir == ".") return false;
  const size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos) {
    *parent = ".";
    return true;
  }
  const size_t end = dir.find_last_not_of('/', slash);
  *parent = end == std::string::npos ? "/" : dir.substr(0, end + 1);
  return true;
}

// The last component of a folder path ("/a/b" -> "b").
std::string BaseName(const std::string& dir) {
  const size_t slash = dir.find_last_of('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

bool IsDirectory(const std::string& path) {
  struct stat st = {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// One folder holding watched files.
struct Folder {
  std::string path;
  std::set<std::string, std::less<>> names;  // the watched files' names and "..data"
  int wd = -1;          // watch on `path`, or on an ancestor while `path` is missing
  std::string watched;  // the folder `wd` watches
  std::string awaited;  // while watching an ancestor: its child on the way to `path`
};

class InotifyWatcher : public Watcher {
 public:
  explicit InotifyWatcher(Logger& log) : log_(log) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) init_error_ = std::string("inotify_init1: ") + std::strerror(errno);
  }
  ~InotifyWatcher() override {
    if (fd_ >= 0) close(fd_);  // drops every watch with it
  }
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  bool Watch(const std::vector<std::string>& files, std::string* err) override {
    if (fd_ < 0) {
      *err = init_error_;
      return false;
    }
    std::vector<std::string> errors;
    for (const std::string& file : files) {
      std::string dir, name;
      if (!SplitPath(file, &dir, &name)) {
        errors.push_back("watch " + file + ": not a file path");
        continue;
      }
      FolderFor(dir).names.insert(name);
    }
    bool any = false;
    for (Folder& folder : folders_) {
      if (folder.wd >= 0) continue;
      std::string arm_err;
      if (Arm(folder, &arm_err)) {
        any = true;
      } else {
        errors.push_back(arm_err);
      }
    }
    if (!any) {
      *err = errors.empty() ? "watch: no files given" : errors.front();
      return false;
    }
    for (const std::string& e : errors) log_.Warn("cannot watch an input folder", {{"error", e}});
    return true;
  }

  int fd() const override { return fd_; }

  bool Drain() override {
    if (fd_ < 0) return false;
    bool changed = false;
    for (int i = 0; i < kMaxReadsPerDrain; ++i) {
      const ssize_t n = read(fd_, buffer_, sizeof buffer_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) {
        log_.Warn("reading inotify events failed", {{"error", std::strerror(errno)}});
      }
      if (n <= 0) break;
      // The kernel returns whole events only, each padded to keep the next aligned.
      for (size_t off = 0; off + sizeof(inotify_event) <= static_cast<size_t>(n);) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer_ + off);
        off += sizeof(inotify_event) + event->len;
        if (Handle(*event)) changed = true;
      }
    }
    return changed;
  }

 private:
  Folder& FolderFor(const std::string& dir) {
    for (Folder& folder : folders_) {
      if (folder.path == dir) return folder;
    }
    Folder& folder = folders_.emplace_back();
    folder.path = dir;
    folder.names.emplace(kDataLink);
    return folder;
  }

  // True when `event` may have changed a watched file.
  bool Handle(const inotify_event& event) {
    if ((event.mask & IN_Q_OVERFLOW) != 0) {
      log_.Warn("inotify queue overflowed; re-arming every watch");
      RearmWhere([](const Folder&) { return true; });
      return true;
    }
    if ((event.mask & kGoneMask) != 0) {
      return RearmWhere([&](const Folder& f) { return f.wd == event.wd; });
    }
    if (event.len == 0) return false;
    const std::string_view name(event.name, strnlen(event.name, event.len));
    bool changed = false;
    for (const Folder& folder : folders_) {
      if (folder.awaited.empty() && Names(folder, event, name)) changed = true;
    }
    // Folders waiting on this ancestor for `name` move down to it (or below).
    if (RearmWhere([&](const Folder& f) { return !f.awaited.empty() && Names(f, event, name); })) {
      changed = true;
    }
    return changed;
  }

  // Whether `event` on `folder`'s watch names a file of interest: a watched
  // file or "..data" in the folder itself, or the awaited child of an ancestor
  // appearing. `..data_tmp` and the timestamped folders are deliberately not:
  // they change before the AtomicWriter's commit point.
  static bool Names(const Folder& folder, const inotify_event& event, std::string_view name) {
    if (folder.wd != event.wd) return false;
    if (folder.awaited.empty()) return folder.names.contains(name);
    return name == folder.awaited && (event.mask & (IN_CREATE | IN_MOVED_TO)) != 0;
  }

  // Re-arms every folder matching `pred`, then drops the watches no folder
  // uses any more. Returns whether any folder matched.
  template <typename Pred>
  bool RearmWhere(const Pred& pred) {
    std::vector<int> old_wds;
    for (Folder& folder : folders_) {
      if (!pred(folder)) continue;
      old_wds.push_back(folder.wd);
      std::string err;
      if (Arm(folder, &err)) {
        log_.Debug("re-armed folder watch",
                   {{"folder", folder.path}, {"watching", folder.watched}});
      } else {
        log_.Warn("cannot watch an input folder", {{"error", err}});
      }
    }
    for (int wd : old_wds) ReleaseIfUnused(wd);
    return !old_wds.empty();
  }

  // Watches `folder.path`, or its nearest existing ancestor while it is
  // missing. On failure `folder.wd` is -1 and `*err` says why.
  bool Arm(Folder& folder, std::string* err) {
    folder.wd = -1;
    for (int attempt = 1; attempt <= kMaxArmAttempts; ++attempt) {
      std::string dir = folder.path;
      std::string child;  // empty while trying `folder.path` itself
      for (;;) {
        const int wd =
            inotify_add_watch(fd_, dir.c_str(), child.empty() ? kFolderMask : kAncestorMask);
        if (wd < 0 && errno != ENOENT && errno != ENOTDIR) {
          *err = "watch " + dir + ": " + std::strerror(errno);
          return false;
        }
        if (wd >= 0) {
          // A child created before the watch existed sends no event: look again.
          if (!child.empty() && attempt < kMaxArmAttempts && IsDirectory(dir + "/" + child)) {
            ReleaseIfUnused(wd);
            break;
          }
          folder.wd = wd;
          folder.watched = dir;
          folder.awaited = child;
          return true;
        }
        child = BaseName(dir);
        if (!Parent(dir, &dir)) {
          *err = "watch " + folder.path + ": no existing folder on its path";
          return false;
        }
      }
    }
    *err = "watch " + folder.path + ": kept changing while arming";  // not reached
    return false;
  }

  void ReleaseIfUnused(int wd) {
    if (wd < 0) return;
    for (const Folder& folder : folders_) {
      if (folder.wd == wd) return;
    }
    inotify_rm_watch(fd_, wd);  // EINVAL when the kernel already dropped it: fine
  }

  Logger& log_;
  int fd_ = -1;
  std::string init_error_;
  std::vector<Folder> folders_;
  alignas(inotify_event) char buffer_[kBufferSize];
};

}  // namespace

std::unique_ptr<Watcher> NewInotifyWatcher(Logger& log) {
  return std::make_unique<InotifyWatcher>(log);
}

}  // namespace irsa
