// ipcprop — bench/kill_campaign/options.h
//
// Options: the campaign's command line, parsed in main.cpp and read by the jobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ipcprop::campaign {

/// The command line; doc/kill-campaign.md's table of options gives each default's meaning.
struct Options {
  std::uint64_t trials = 1000;
  std::optional<std::string> primitive;
  std::uint64_t seed = 20261125;
  std::size_t jobs = 1;
  std::int64_t patience_ns = 10'000'000'000;
  std::optional<std::uint64_t> only_trial;
};

}  // namespace ipcprop::campaign
