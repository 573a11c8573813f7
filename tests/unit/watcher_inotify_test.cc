// The inotify Watcher against real folders: kubelet-style `..data` swaps,
// rename-over, in-place rewrites, folders vanishing and appearing, overflow.
// inotify queues events inside the system call that causes them, so every
// wait below is a bounded poll that normally returns at once.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "fakes/capture_sink.h"
#include "irsa_agent/watcher.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr int kWaitMs = 1000;

void WriteFile(const std::string& path, const std::string& content) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  CHECK(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void MakeDir(const std::string& path) { REQUIRE(mkdir(path.c_str(), 0755) == 0); }

void Rename(const std::string& from, const std::string& to) {
  REQUIRE(rename(from.c_str(), to.c_str()) == 0);
}

void RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  REQUIRE(!ec);
}

bool Readable(int fd, int timeout_ms) {
  pollfd p = {fd, POLLIN, 0};
  int r = -1;
  for (int i = 0; i < 3 && r < 0; ++i) r = poll(&p, 1, timeout_ms);  // retries EINTR
  return r == 1;
}

// Lays out and rotates a folder exactly as the kubelet's AtomicWriter does
// (CONTRACT.md section 5), step by step where a test looks between steps:
//   ..2026_11_23_17_00_00.000000001/token   the real file
//   ..data -> ..2026_11_23_17_00_00.000000001
//   token  -> ..data/token
class ProjectedVolume {
 public:
  explicit ProjectedVolume(std::string dir) : dir_(std::move(dir)) {}

  // The first write, then the user-visible link, as the kubelet orders them.
  void Create(const std::string& content) {
    Rotate(content);
    REQUIRE(symlink("..data/token", (dir_ + "/token").c_str()) == 0);
  }

  void Rotate(const std::string& content) {
    const std::string old = current_;
    const std::string name = WriteVersion(content);
    LinkTmp(name);
    Commit(name);
    if (!old.empty()) RemoveVersion(old);
  }

  // Step 1: a new timestamped folder holding the new content.
  std::string WriteVersion(const std::string& content) {
    char name[64];
    std::snprintf(name, sizeof name, "..2026_11_23_17_00_00.%09d", ++versions_);
    MakeDir(dir_ + "/" + name);
    WriteFile(dir_ + "/" + name + "/token", content);
    return name;
  }
  // Step 2: `..data_tmp` pointing at it.
  void LinkTmp(const std::string& name) {
    REQUIRE(symlink(name.c_str(), (dir_ + "/..data_tmp").c_str()) == 0);
  }
  // Step 3, the commit point: rename over `..data`.
  void Commit(const std::string& name) {
    Rename(dir_ + "/..data_tmp", dir_ + "/..data");
    current_ = name;
  }
  // Step 4: the old version goes.
  void RemoveVersion(const std::string& name) { RemoveAll(dir_ + "/" + name); }

  const std::string& current() const { return current_; }

 private:
  std::string dir_;
  std::string current_;
  int versions_ = 0;
};

struct WatcherFixture {
  TempDir tmp;
  CaptureSink sink;
  Logger log{LogLevel::kDebug, LogFormat::kText, &sink, [] { return 0.0; }};
  std::unique_ptr<Watcher> watcher = NewInotifyWatcher(log);

  void Watch(const std::vector<std::string>& files) {
    std::string err;
    REQUIRE(watcher->Watch(files, &err));
    CHECK(err.empty());
  }

  // Requires pending events, drains them and returns Drain()'s verdict. A
  // `false` therefore means "events arrived and were judged irrelevant".
  bool EventsSayChanged() {
    REQUIRE(Readable(watcher->fd(), kWaitMs));
    const bool changed = watcher->Drain();
    CHECK_FALSE(Readable(watcher->fd(), 0));  // drained to the end
    return changed;
  }

  bool Logged(const std::string& text) const { return sink.All().find(text) != std::string::npos; }
};

TEST_SUITE("watcher_inotify") {
  TEST_CASE_FIXTURE(WatcherFixture, "three kubelet rotations in a row are each reported") {
    MakeDir(tmp / "sa");
    ProjectedVolume volume(tmp / "sa");
    volume.Create("version-0");
    Watch({tmp / "sa/token"});
    for (int i = 1; i <= 3; ++i) {
      CAPTURE(i);
      volume.Rotate("version-" + std::to_string(i));
      CHECK(EventsSayChanged());
      CHECK(ReadFile(tmp / "sa/token") == "version-" + std::to_string(i));
    }
  }

  TEST_CASE_FIXTURE(WatcherFixture, "only the commit point of a rotation is reported") {
    MakeDir(tmp / "sa");
    ProjectedVolume volume(tmp / "sa");
    volume.Create("version-0");
    const std::string old = volume.current();
    Watch({tmp / "sa/token"});

    const std::string name = volume.WriteVersion("version-1");
    CHECK_FALSE(EventsSayChanged());  // IN_CREATE of the timestamped folder
    volume.LinkTmp(name);
    CHECK_FALSE(EventsSayChanged());  // IN_CREATE ..data_tmp
    CHECK(ReadFile(tmp / "sa/token") == "version-0");
    volume.Commit(name);
    CHECK(EventsSayChanged());  // IN_MOVED_FROM ..data_tmp, IN_MOVED_TO ..data
    CHECK(ReadFile(tmp / "sa/token") == "version-1");
    volume.RemoveVersion(old);
    CHECK_FALSE(EventsSayChanged());  // IN_DELETE of the old folder
  }

  TEST_CASE_FIXTURE(WatcherFixture, "a plain file replaced by rename-over") {
    WriteFile(tmp / "token", "one");
    Watch({tmp / "token"});
    WriteFile(tmp / ".token.tmp", "two");
    CHECK_FALSE(EventsSayChanged());
    Rename(tmp / ".token.tmp", tmp / "token");
    CHECK(EventsSayChanged());
    CHECK(ReadFile(tmp / "token") == "two");
  }

  TEST_CASE_FIXTURE(WatcherFixture, "a plain file rewritten in place") {
    WriteFile(tmp / "token", "one");
    Watch({tmp / "token"});
    WriteFile(tmp / "token", "two");  // O_TRUNC + write + close
    CHECK(EventsSayChanged());
    CHECK(ReadFile(tmp / "token") == "two");

    // A writer that keeps the file open is seen at its write, not only at close.
    const int fd = open((tmp / "token").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK(write(fd, "3", 1) == 1);
    CHECK(EventsSayChanged());
    close(fd);
    CHECK(EventsSayChanged());
    CHECK(ReadFile(tmp / "token") == "two3");
  }

  TEST_CASE_FIXTURE(WatcherFixture, "the folder removed and recreated") {
    MakeDir(tmp / "sa");
    ProjectedVolume(tmp / "sa").Create("version-0");
    Watch({tmp / "sa/token"});

    RemoveAll(tmp / "sa");
    CHECK(EventsSayChanged());
    CHECK(Logged("re-armed folder watch"));
    WriteFile(tmp / "unrelated", "x");  // the parent is watched only for `sa`
    CHECK_FALSE(EventsSayChanged());
    MakeDir(tmp / "sa");
    CHECK(EventsSayChanged());

    ProjectedVolume volume(tmp / "sa");
    volume.Create("version-1");
    CHECK(EventsSayChanged());
    volume.Rotate("version-2");
    CHECK(EventsSayChanged());
    CHECK(ReadFile(tmp / "sa/token") == "version-2");
  }

  TEST_CASE_FIXTURE(WatcherFixture, "the folder moved away and replaced by another") {
    MakeDir(tmp / "sa");
    WriteFile(tmp / "sa/token", "one");
    Watch({tmp / "sa/token"});

    Rename(tmp / "sa", tmp / "sa.old");
    CHECK(EventsSayChanged());  // IN_MOVE_SELF
    WriteFile(tmp / "sa.old/token", "stale");
    CHECK_FALSE(Readable(watcher->fd(), 0));  // the moved folder is no longer watched

    MakeDir(tmp / "staging");
    WriteFile(tmp / "staging/token", "two");
    Rename(tmp / "staging", tmp / "sa");
    CHECK(EventsSayChanged());
    WriteFile(tmp / "sa/token", "three");
    CHECK(EventsSayChanged());
  }

  TEST_CASE_FIXTURE(WatcherFixture, "a folder missing at Watch() is created later") {
    Watch({tmp / "a/b/token"});
    MakeDir(tmp / "other");
    CHECK_FALSE(EventsSayChanged());
    MakeDir(tmp / "a");
    CHECK(EventsSayChanged());
    MakeDir(tmp / "a/b");
    CHECK(EventsSayChanged());
    WriteFile(tmp / "a/b/token", "one");
    CHECK(EventsSayChanged());
    WriteFile(tmp / "a/b/token", "two");
    CHECK(EventsSayChanged());
  }

  TEST_CASE_FIXTURE(WatcherFixture, "a missing folder's whole tree renamed into place") {
    Watch({tmp / "a/b/token"});
    MakeDir(tmp / "staging");
    MakeDir(tmp / "staging/b");
    WriteFile(tmp / "staging/b/token", "one");
    CHECK_FALSE(EventsSayChanged());
    Rename(tmp / "staging", tmp / "a");
    CHECK(EventsSayChanged());
    WriteFile(tmp / "a/b/token", "two");  // seen only if a/b itself is watched now
    CHECK(EventsSayChanged());
  }

  TEST_CASE_FIXTURE(WatcherFixture, "several files in one folder and in different folders") {
    MakeDir(tmp / "d1");
    MakeDir(tmp / "d2");
    for (const char* file : {"d1/token", "d1/labels", "d2/ca.crt", "d2/unrelated"}) {
      WriteFile(tmp / file, "one");
    }
    Watch({tmp / "d1/token", tmp / "d1/labels", tmp / "d2/ca.crt"});
    for (const char* file : {"d1/token", "d1/labels", "d2/ca.crt"}) {
      CAPTURE(file);
      WriteFile(tmp / file, "two");
      CHECK(EventsSayChanged());
    }
    WriteFile(tmp / "d2/unrelated", "two");
    CHECK_FALSE(EventsSayChanged());
  }

  TEST_CASE("a watched folder that is also a missing folder's ancestor") {
    // inotify keeps one mask per folder: the ancestor's watch must not narrow
    // the full one, whichever is added first.
    for (const bool token_first : {true, false}) {
      CAPTURE(token_first);
      WatcherFixture f;
      WriteFile(f.tmp / "token", "one");
      if (token_first) {
        f.Watch({f.tmp / "token", f.tmp / "missing/labels"});
      } else {
        f.Watch({f.tmp / "missing/labels", f.tmp / "token"});
      }
      WriteFile(f.tmp / "token", "two");  // IN_MODIFY, IN_CLOSE_WRITE only
      CHECK(f.EventsSayChanged());
      MakeDir(f.tmp / "missing");
      CHECK(f.EventsSayChanged());
      WriteFile(f.tmp / "token", "three");  // still watched once `missing` moved on
      CHECK(f.EventsSayChanged());
      WriteFile(f.tmp / "missing/labels", "one");
      CHECK(f.EventsSayChanged());
    }
  }

  TEST_CASE_FIXTURE(WatcherFixture, "unrelated files in the folder are not reported") {
    WriteFile(tmp / "token", "one");
    Watch({tmp / "token"});
    WriteFile(tmp / "other", "x");
    CHECK_FALSE(EventsSayChanged());
    Rename(tmp / "other", tmp / "other2");
    CHECK_FALSE(EventsSayChanged());
    REQUIRE(unlink((tmp / "other2").c_str()) == 0);
    CHECK_FALSE(EventsSayChanged());
    MakeDir(tmp / "sub");
    CHECK_FALSE(EventsSayChanged());
    REQUIRE(symlink("sub", (tmp / "..data_tmp").c_str()) == 0);
    CHECK_FALSE(EventsSayChanged());
  }

  TEST_CASE_FIXTURE(WatcherFixture, "a queue overflow is reported and the watches re-armed") {
    MakeDir(tmp / "sa");
    WriteFile(tmp / "sa/token", "one");
    Watch({tmp / "sa/token"});
    long max_queued = 0;
    std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> max_queued;
    REQUIRE(max_queued > 0);
    REQUIRE(max_queued <= 1 << 20);  // keeps the test fast
    // Alternating files keep inotify from merging each event with the previous one.
    const int noise[2] = {open((tmp / "sa/noise-a").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644),
                          open((tmp / "sa/noise-b").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)};
    REQUIRE(noise[0] >= 0);
    REQUIRE(noise[1] >= 0);
    CHECK_FALSE(EventsSayChanged());  // the two IN_CREATEs
    int failed_writes = 0;
    for (long i = 0; i < max_queued + 16; ++i) {
      if (write(noise[i % 2], "x", 1) != 1) ++failed_writes;
    }
    close(noise[0]);
    close(noise[1]);
    CHECK(failed_writes == 0);
    // The folder is replaced while the queue is full: its IN_DELETE_SELF is lost.
    RemoveAll(tmp / "sa");
    MakeDir(tmp / "sa");
    CHECK(EventsSayChanged());
    CHECK(Logged("inotify queue overflowed"));

    WriteFile(tmp / "sa/other", "x");
    CHECK_FALSE(EventsSayChanged());
    WriteFile(tmp / "sa/token", "two");  // seen only if the new folder is watched
    CHECK(EventsSayChanged());
  }

  TEST_CASE_FIXTURE(WatcherFixture, "a file standing where a watched folder should be") {
    WriteFile(tmp / "token", "one");
    WriteFile(tmp / "missing", "not a folder");
    Watch({tmp / "token", tmp / "missing/labels"});
    WriteFile(tmp / "missing", "still not a folder");
    CHECK_FALSE(EventsSayChanged());
    REQUIRE(unlink((tmp / "missing").c_str()) == 0);
    CHECK_FALSE(EventsSayChanged());
    MakeDir(tmp / "missing");
    CHECK(EventsSayChanged());
    WriteFile(tmp / "missing/labels", "one");
    CHECK(EventsSayChanged());
  }

  TEST_CASE("Watch() rejects what it cannot watch") {
    CaptureSink sink;
    Logger log(LogLevel::kDebug, LogFormat::kText, &sink, [] { return 0.0; });
    struct Case {
      std::vector<std::string> files;
      const char* want;
    };
    const Case cases[] = {
        {{}, "watch: no files given"},
        {{""}, "watch : not a file path"},
        {{"/tmp/folder/"}, "watch /tmp/folder/: not a file path"},
        {{"/tmp/folder/..", "/tmp/."}, "watch /tmp/folder/..: not a file path"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      std::unique_ptr<Watcher> watcher = NewInotifyWatcher(log);
      std::string err;
      CHECK_FALSE(watcher->Watch(c.files, &err));
      CHECK(err == c.want);
    }
  }
}

}  // namespace
}  // namespace irsa
