// The README's first example, kept compiling: two processes print whole lines under a Lock.
#include <cstdio>
#include <mutex>

#include "primitives/lock.h"
#include "primitives/process.h"

int main() {
  ipcprop::Lock lock;  // Before fork: every child shares it.
  ipcprop::Process child([&] {
    std::lock_guard guard(lock);  // Whole lines, one process at a time.
    std::puts("hello from the child");
  });
  child.start();
  {
    std::lock_guard guard(lock);
    std::puts("hello from the parent");
  }
  child.join();
  return child.exitcode() == 0 ? 0 : 1;
}
