// Queue across processes: blocking and waking, many producers and consumers, 16 MiB messages,
// JoinableQueue.join, and processes killed with SIGKILL in the middle of queue operations.
// No test sleeps to wait for another process: they use Handshake, join(), or wait for a child
// to be asleep in the kernel.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <sched.h>
#include <signal.h>

#include <gtest/gtest.h>

#include "primitives/process.h"
#include "primitives/queue.h"
#include "primitives/shared_memory.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;

/// (producer, sequence number, checksum of the three other fields, payload).
using Message = std::tuple<std::uint32_t, std::uint32_t, std::uint64_t, std::string>;

/// FNV-1a over 8-byte words (then the tail), cheap enough for sanitizer builds.
std::uint64_t checksum(std::uint32_t producer, std::uint32_t seq, const std::string& payload) {
  std::uint64_t hash = 0xcbf29ce484222325u ^ (std::uint64_t{producer} << 32 | seq);
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload.data() + i, 8);
    hash = (hash ^ word) * 0x100000001b3u;
  }
  for (; i < payload.size(); ++i)
    hash = (hash ^ static_cast<unsigned char>(payload[i])) * 0x100000001b3u;
  return hash;
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

std::uint64_t message_seed(std::uint64_t seed, std::uint32_t producer, std::uint32_t seq) {
  return seed * 0x9e3779b97f4a7c15u + std::uint64_t{producer} * 1000003u + seq;
}

/// The payload size of make_message(seed, producer, seq, max_size).
std::size_t payload_size(std::uint64_t seed, std::uint32_t producer, std::uint32_t seq,
                         std::size_t max_size) {
  std::uint64_t state = message_seed(seed, producer, seq);
  return splitmix(state) % max_size;
}

/// A message whose payload size (below `max_size`) and bytes follow from its arguments.
Message make_message(std::uint64_t seed, std::uint32_t producer, std::uint32_t seq,
                     std::size_t max_size) {
  std::uint64_t state = message_seed(seed, producer, seq);
  std::string payload(splitmix(state) % max_size, '\0');
  for (std::size_t i = 0; i < payload.size(); i += 8) {
    const std::uint64_t word = splitmix(state);
    std::memcpy(payload.data() + i, &word, std::min<std::size_t>(8, payload.size() - i));
  }
  const std::uint64_t sum = checksum(producer, seq, payload);
  return {producer, seq, sum, std::move(payload)};
}

bool whole(const Message& message) {
  const auto& [producer, seq, sum, payload] = message;
  return checksum(producer, seq, payload) == sum;
}

/// Waits, without sleeping, until process `pid` is asleep in the kernel (state S).
void wait_until_asleep(pid_t pid) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'S') return;
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "process " << pid << " never slept";
    ::sched_yield();
  }
}

TEST(QueueProcesses, BlockedGetWakesWhenAnotherProcessPuts) {
  Queue<int> queue;
  Process child([&] { queue.put(42); });
  child.start();
  EXPECT_EQ(queue.get(), 42);
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

TEST(QueueProcesses, BlockedPutWakesWhenAnotherProcessGets) {
  Queue<int> queue(1);
  queue.put(1);
  Process child([&] { return queue.get() == 1 && queue.get() == 2 ? 0 : 1; });
  child.start();
  queue.put(2);
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(queue.empty());
}

TEST(QueueProcesses, GetWithTimeoutReturnsWhatAnotherProcessPutsInTime) {
  Queue<int> queue;
  testing::Handshake ready;
  Process child([&] {
    ready.wait();
    queue.put(7);
  });
  child.start();
  ready.notify();
  EXPECT_EQ(queue.get(60s), 7);
  child.join();
}

// 4 producers x 4 consumers x 10,000 messages of random sizes through a small ring with an item
// limit, so that both puts and gets wait and records wrap around the ring end many times.
TEST(QueueProcesses, ManyProducersManyConsumersLoseDuplicateOrTearNothing) {
  constexpr std::uint32_t kProducers = 4;
  constexpr std::uint32_t kConsumers = 4;
  constexpr std::uint32_t kPerProducer = 10000;
  constexpr std::uint64_t kSeed = 20261125;
  constexpr std::uint32_t kStop = ~std::uint32_t{0};
  Queue<Message> queue(64, QueueOptions{.capacity = 256 << 10});
  SharedMapping board_memory(std::size_t{kProducers} * kPerProducer);
  auto* board = static_cast<std::atomic<std::uint8_t>*>(board_memory.data());

  std::vector<Process> consumers;
  for (std::uint32_t c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&] {
      std::vector<std::int64_t> last(kProducers, -1);
      for (;;) {
        const Message message = queue.get();
        const auto& [producer, seq, sum, payload] = message;
        if (producer == kStop) return 0;
        if (producer >= kProducers || seq >= kPerProducer) return 2;
        if (!whole(message)) return 3;
        if (payload.size() != payload_size(kSeed, producer, seq, 2048)) return 4;
        if (static_cast<std::int64_t>(seq) <= last[producer]) return 5;  // Out of order.
        last[producer] = seq;
        board[producer * kPerProducer + seq].fetch_add(1);
      }
    });
    consumers.back().start();
  }
  std::vector<Process> producers;
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (std::uint32_t seq = 0; seq < kPerProducer; ++seq) {
        queue.put(make_message(kSeed, p, seq, 2048));
      }
    });
    producers.back().start();
  }
  for (Process& producer : producers) {
    producer.join();
    EXPECT_EQ(producer.exitcode(), 0);
  }
  for (std::uint32_t c = 0; c < kConsumers; ++c) queue.put(Message{kStop, 0, 0, {}});
  for (Process& consumer : consumers) {
    consumer.join();
    EXPECT_EQ(consumer.exitcode(), 0);
  }
  int wrong = 0;
  for (std::uint32_t i = 0; i < kProducers * kPerProducer; ++i) {
    if (board[i].load() != 1 && ++wrong <= 5) {
      ADD_FAILURE() << "message " << i % kPerProducer << " of producer " << i / kPerProducer
                    << " received " << int(board[i].load()) << " times";
    }
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_TRUE(queue.empty());
}

TEST(QueueProcesses, SixteenMebibyteMessagesArriveWhole) {
  constexpr std::size_t kSize = std::size_t{16} << 20;
  auto big = [](int index) {
    std::string text(kSize, '\0');
    std::uint64_t state = static_cast<std::uint64_t>(index);
    for (std::size_t i = 0; i < kSize; i += 8) {
      const std::uint64_t word = splitmix(state);
      std::memcpy(&text[i], &word, 8);
    }
    return text;
  };
  Queue<std::string> queue;
  Process producer([&] {
    for (int i = 0; i < 3; ++i) queue.put(big(i));
  });
  producer.start();
  for (int i = 0; i < 3; ++i) {
    const std::string got = queue.get();
    ASSERT_EQ(got.size(), kSize);
    EXPECT_TRUE(got == big(i)) << "message " << i << " differs";
  }
  producer.join();
  EXPECT_EQ(producer.exitcode(), 0);
}

// The producer is killed at an arbitrary point after its k-th put: mid-copy, holding the lock,
// or asleep on a full ring. What it left must be whole messages 0, 1, 2, ... in order, and the
// same queue keeps working for the next round.
TEST(QueueProcesses, ProducerKilledInLoopOfPutsLeavesWholeMessagesInOrder) {
  Queue<Message> queue(0, QueueOptions{.capacity = 1 << 20});
  for (std::uint32_t round = 0; round < 30; ++round) {
    const std::uint32_t k = round % 8;
    testing::Handshake reached_k;
    Process producer([&] {
      for (std::uint32_t seq = 0;; ++seq) {
        queue.put(make_message(round, round, seq, 64 << 10));
        if (seq == k) reached_k.notify();
      }
    });
    producer.start();
    reached_k.wait();
    std::uint32_t expected = 0;
    for (std::uint32_t taken = 0; taken < round % 3; ++taken) {  // Some rounds read while it puts.
      const Message message = queue.get();
      ASSERT_TRUE(whole(message));
      ASSERT_EQ(std::get<1>(message), expected++);
    }
    producer.kill();
    producer.join();
    ASSERT_EQ(producer.exitcode(), -SIGKILL);
    for (;;) {
      Message message;
      try {
        message = queue.get_nowait();
      } catch (const Empty&) {
        break;
      }
      ASSERT_TRUE(whole(message)) << "round " << round;
      ASSERT_EQ(std::get<0>(message), round);
      ASSERT_EQ(std::get<1>(message), expected++) << "round " << round;
    }
    EXPECT_GT(expected, k) << "round " << round << ": messages up to " << k << " were put";
  }
  queue.put(Message{1, 2, checksum(1, 2, "end"), "end"});
  EXPECT_EQ(queue.get(), (Message{1, 2, checksum(1, 2, "end"), "end"}));
}

// The consumer is killed at an arbitrary point after its k-th get: what remains is a whole,
// in-order run of the messages that follow the ones it took.
TEST(QueueProcesses, ConsumerKilledInLoopOfGetsLeavesWholeMessagesInOrder) {
  constexpr std::uint32_t kMessages = 100;
  Queue<Message> queue(0, QueueOptions{.capacity = 4 << 20});
  for (std::uint32_t round = 0; round < 30; ++round) {
    for (std::uint32_t seq = 0; seq < kMessages; ++seq) {
      queue.put(make_message(round, round, seq, 16 << 10));
    }
    const std::uint32_t k = round % 10;
    testing::Handshake reached_k;
    Process consumer([&] {
      for (std::uint32_t taken = 0;; ++taken) {
        static_cast<void>(queue.get());
        if (taken == k) reached_k.notify();
      }
    });
    consumer.start();
    reached_k.wait();
    consumer.kill();
    consumer.join();
    std::vector<std::uint32_t> left;
    for (;;) {
      try {
        const Message message = queue.get_nowait();
        ASSERT_TRUE(whole(message)) << "round " << round;
        ASSERT_EQ(std::get<0>(message), round);
        left.push_back(std::get<1>(message));
      } catch (const Empty&) {
        break;
      }
    }
    const std::uint32_t first = kMessages - static_cast<std::uint32_t>(left.size());
    EXPECT_GT(first, k) << "round " << round;
    for (std::size_t i = 0; i < left.size(); ++i) ASSERT_EQ(left[i], first + i);
  }
}

TEST(QueueProcesses, ProcessKilledWhileBlockedInGetLeavesQueueUsable) {
  Queue<int> queue;
  testing::Handshake started;
  Process doomed([&] {
    started.notify();
    return queue.get();
  });
  Process survivor([&] {
    started.notify();
    return queue.get() == 7 ? 0 : 1;
  });
  doomed.start();
  survivor.start();
  started.wait();
  started.wait();
  wait_until_asleep(*doomed.pid());
  wait_until_asleep(*survivor.pid());
  doomed.kill();
  doomed.join();
  EXPECT_EQ(doomed.exitcode(), -SIGKILL);
  queue.put(7);  // Must wake the survivor, though the dead waiter never unregistered.
  survivor.join();
  EXPECT_EQ(survivor.exitcode(), 0);
  queue.put(8);
  EXPECT_EQ(queue.get_nowait(), 8);
}

TEST(QueueProcesses, ProcessKilledWhileBlockedInPutLeavesQueueUsable) {
  Queue<int> queue(1);
  queue.put(1);
  testing::Handshake started;
  Process doomed([&] {
    started.notify();
    queue.put(2);
  });
  doomed.start();
  started.wait();
  wait_until_asleep(*doomed.pid());
  doomed.kill();
  doomed.join();
  EXPECT_EQ(queue.qsize(), 1u);
  EXPECT_EQ(queue.get_nowait(), 1);
  EXPECT_THROW(queue.get_nowait(), Empty);
  queue.put_nowait(3);
  EXPECT_EQ(queue.get_nowait(), 3);
}

TEST(JoinableQueue, JoinReturnsAfterAllTaskDone) {
  constexpr int kTasks = 200;
  JoinableQueue<int> queue;
  SharedObject<std::atomic<int>> finished(0);
  std::vector<Process> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        const int task = queue.get();
        if (task < 0) return;
        finished->fetch_add(1);
        queue.task_done();
      }
    });
    workers.back().start();
  }
  for (int i = 0; i < kTasks; ++i) queue.put(i);
  queue.join();
  EXPECT_EQ(finished->load(), kTasks);
  for (int w = 0; w < 2; ++w) queue.put(-1);
  for (Process& worker : workers) {
    worker.join();
    EXPECT_EQ(worker.exitcode(), 0);
  }
}

TEST(SimpleQueue, CarriesMessagesBetweenProcessesInOrder) {
  SimpleQueue<std::string> queue;
  Process producer([&] {
    for (int i = 0; i < 1000; ++i) queue.put(std::to_string(i));
  });
  producer.start();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(queue.get(), std::to_string(i));
  producer.join();
  EXPECT_TRUE(queue.empty());
}

TEST(QueueProcesses, CloseInOneProcessLeavesOthersWorking) {
  Queue<int> queue;
  Process child([&] {
    queue.put(1);
    queue.close();
    try {
      queue.put(2);
    } catch (const QueueClosed&) {
      return 0;
    }
    return 1;
  });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_EQ(queue.get(), 1);
  queue.put(3);
  EXPECT_EQ(queue.get(), 3);
}

}  // namespace
}  // namespace ipcprop
