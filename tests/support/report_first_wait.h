// ipcprop — tests/support/report_first_wait.h
//
// ReportFirstWait: hooks that tell a Handshake the first time the process is about to block, and
// otherwise leave every call as it is with no harness (waits block in the kernel). Install them
// in a child, and uninstall them before the child exits: its exit calls hooks too.
#pragma once

#include <cstdint>
#include <optional>

#include "primitives/sync_hooks.h"
#include "tests/support/handshake.h"

namespace ipcprop::testing {

class ReportFirstWait final : public sync::Hooks {
 public:
  explicit ReportFirstWait(Handshake& reported) : reported_(reported) {}

  void invoke(const sync::SyncPoint&) override {}
  void returned(const sync::SyncPoint&, std::int64_t) override {}
  std::optional<sync::WaitResult> wait(const sync::SyncPoint&, sync::Deadline) override {
    if (!done_) reported_.notify();
    done_ = true;
    return std::nullopt;
  }
  void notify(const sync::SyncObject&) override {}
  sync::TimePoint now() override { return sync::Clock::now(); }

 private:
  Handshake& reported_;
  bool done_ = false;
};

}  // namespace ipcprop::testing
