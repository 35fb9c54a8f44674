// Tests of check_fifo: each rule broken alone, named by value, producer and position.
#include <gtest/gtest.h>

#include "harness/checkers/fifo.h"

namespace ipcprop::harness {
namespace {

using Kind = FifoViolation::Kind;

TEST(FifoChecker, EverythingReceivedInOrderPasses) {
  FifoRecord r{{{1, 2, 3}, {10, 20}}, {{1, 10, 2}, {20, 3}}, {}};
  EXPECT_TRUE(check_fifo(r).empty());
}

TEST(FifoChecker, ValuesLeftInTheQueueAreNotLost) {
  FifoRecord r{{{1, 2, 3}}, {{1}}, {2, 3}};
  EXPECT_TRUE(check_fifo(r).empty());
}

TEST(FifoChecker, LostValueIsNamed) {
  FifoRecord r{{{1, 2}, {10, 20}}, {{1, 10, 2}}, {}};
  auto v = check_fifo(r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].kind, Kind::Lost);
  EXPECT_EQ(v[0].value, 20);
  EXPECT_EQ(v[0].producer, 1U);
  EXPECT_EQ(v[0].position, 1U);
  EXPECT_EQ(v[0].text, "value 20 (producer 1, put #1) was lost");
}

TEST(FifoChecker, DuplicatedValueIsNamedWithBothReceipts) {
  FifoRecord r{{{1, 2}}, {{1, 2}, {2}}, {}};
  auto v = check_fifo(r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].kind, Kind::Duplicated);
  EXPECT_EQ(v[0].value, 2);
  EXPECT_EQ(v[0].text,
            "value 2 (producer 0, put #1) was received twice: consumer 0, get #1 and consumer 1, "
            "get #0");
}

TEST(FifoChecker, ValueReceivedAndLeftInTheQueueIsDuplicated) {
  FifoRecord r{{{1}}, {{1}}, {1}};
  auto v = check_fifo(r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].kind, Kind::Duplicated);
}

TEST(FifoChecker, ProducerOrderBrokenWithinOneConsumer) {
  FifoRecord r{{{1, 2, 3}}, {{1, 3, 2}}, {}};
  auto v = check_fifo(r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].kind, Kind::Reordered);
  EXPECT_EQ(v[0].value, 2);
  EXPECT_EQ(v[0].position, 1U);
  EXPECT_EQ(v[0].text,
            "value 2 (producer 0, put #1) came after value 3 (put #2) in consumer 0's gets");
}

TEST(FifoChecker, OrderAcrossConsumersIsNotJudged) {
  // Two consumers: without timestamps either may have gone first.
  FifoRecord r{{{1, 2}}, {{2}, {1}}, {}};
  EXPECT_TRUE(check_fifo(r).empty());
}

TEST(FifoChecker, LeftoverOlderThanAReceivedValueIsReordered) {
  FifoRecord r{{{1, 2}}, {{2}}, {1}};
  auto v = check_fifo(r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].kind, Kind::Reordered);
  EXPECT_EQ(v[0].value, 1);
}

TEST(FifoChecker, ValueNeverPutIsUnknown) {
  FifoRecord r{{{1}}, {{1, 99}}, {}};
  auto v = check_fifo(r);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].kind, Kind::Unknown);
  EXPECT_FALSE(v[0].producer.has_value());
  EXPECT_EQ(v[0].text, "value 99 (consumer 0, get #1) was never put");
}

TEST(FifoChecker, ValuePutTwiceIsBadInput) {
  FifoRecord r{{{1}, {1}}, {}, {}};
  EXPECT_THROW(check_fifo(r), std::invalid_argument);
}

}  // namespace
}  // namespace ipcprop::harness
