// Queue against a sequential model (a std::deque with the same item limit and byte capacity):
// random sequences of non-blocking operations, through small rings so that records wrap, the
// ring rewinds when empty, and both the item limit and the byte limit are hit.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include <rapidcheck.h>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "primitives/queue.h"

namespace ipcprop {
namespace {

/// Ring bytes one std::string message takes: the record length plus cereal's 8-byte size.
std::size_t record_size(const std::string& value) {
  return 8 + 8 + value.size();
}

struct Model {
  std::size_t maxsize = 0;
  std::size_t capacity = 0;
  std::size_t used = 0;
  std::deque<std::string> items;

  bool can_put(const std::string& value) const {
    return (maxsize == 0 || items.size() < maxsize) && capacity - used >= record_size(value);
  }
};

RC_GTEST_PROP(QueueProps, NonBlockingOperationsMatchASequentialModel, ()) {
  Model model;
  model.maxsize = *rc::gen::inRange<std::size_t>(0, 6);
  model.capacity = *rc::gen::inRange<std::size_t>(17, 300);
  Queue<std::string> queue(model.maxsize, QueueOptions{.capacity = model.capacity});
  const int steps = *rc::gen::inRange(1, 200);
  for (int step = 0; step < steps; ++step) {
    switch (*rc::gen::inRange(0, 4)) {
      case 0: {
        const auto size = *rc::gen::inRange<std::size_t>(0, 64);
        const std::string value(size, static_cast<char>('a' + step % 26));
        if (record_size(value) - 8 > queue.max_message_size()) {
          RC_ASSERT_THROWS_AS(queue.put_nowait(value), MessageTooLarge);
        } else if (model.can_put(value)) {
          queue.put_nowait(value);
          model.items.push_back(value);
          model.used += record_size(value);
        } else {
          RC_ASSERT_THROWS_AS(queue.put_nowait(value), Full);
        }
        break;
      }
      case 1:
        if (model.items.empty()) {
          RC_ASSERT_THROWS_AS(queue.get_nowait(), Empty);
        } else {
          RC_ASSERT(queue.get_nowait() == model.items.front());
          model.used -= record_size(model.items.front());
          model.items.pop_front();
        }
        break;
      case 2:
        RC_ASSERT(queue.qsize() == model.items.size());
        RC_ASSERT(queue.empty() == model.items.empty());
        break;
      default:
        RC_ASSERT(queue.full() == (model.maxsize != 0 && model.items.size() >= model.maxsize));
        break;
    }
  }
}

}  // namespace
}  // namespace ipcprop
