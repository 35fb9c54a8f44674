// ipcprop — tests/support/expect_usage_error.h
//
// expect_usage_error(make, parts): `make` must throw UsageError (not some other exception, not
// nothing) whose what() is one line containing every string of `parts`, e.g. the name of the
// argument it refused and its value.
#pragma once

#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "primitives/errors.h"

namespace ipcprop::testing {

template <typename Make>
void expect_usage_error(Make&& make, std::initializer_list<std::string_view> parts) {
  try {
    make();
  } catch (const UsageError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    for (const std::string_view part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "no \"" << part << "\" in: " << message;
    }
    return;
  } catch (const std::exception& error) {
    ADD_FAILURE() << "expected UsageError, got another exception: " << error.what();
    return;
  }
  ADD_FAILURE() << "expected UsageError, got no exception";
}

}  // namespace ipcprop::testing
