#include "properties/runner.h"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "properties/report.h"

namespace ipcprop::properties {

std::optional<ReplayToken> replay_token_from_environment() {
  const char* text = std::getenv("IPCPROP_REPLAY");
  if (text == nullptr || *text == '\0') return std::nullopt;
  return decode_token(text);
}

namespace {
bool token_replayed = false;
}  // namespace

bool environment_token_replayed() noexcept {
  return token_replayed;
}

namespace detail {

const std::optional<ReplayToken>& environment_token() {
  // Decoded once: IPCPROP_REPLAY does not change while a test binary runs.
  static const std::optional<ReplayToken> token = replay_token_from_environment();
  return token;
}

void note_environment_token_replayed() noexcept {
  token_replayed = true;
}

rc::Gen<std::vector<std::uint16_t>> choice_sequence(std::uint16_t max_choice) {
  return rc::gen::container<std::vector<std::uint16_t>>(rc::gen::weightedOneOf<std::uint16_t>(
      {{4, rc::gen::just<std::uint16_t>(0)},
       {1, rc::gen::inRange<std::uint16_t>(1, static_cast<std::uint16_t>(max_choice + 1))}}));
}

rc::detail::TestParams test_params(const SuiteOptions& options) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  const char* rc_params = std::getenv("RC_PARAMS");
  if (rc_params == nullptr || std::strstr(rc_params, "max_success") == nullptr) {
    params.maxSuccess = options.test_cases;
  }
  if (rc_params == nullptr || std::strstr(rc_params, "seed") == nullptr) {
    params.seed = options.seed;
  }
  return params;
}

PropertyResult error_result(std::string_view property, std::string_view primitive,
                            std::string_view why) {
  PropertyResult result;
  result.kind = PropertyResult::Kind::Error;
  result.report =
      fmt::format("Property {} could not be decided for {}: {}", property, primitive, why);
  return result;
}

namespace {

PropertyResult reported(PropertyResult::Kind kind, int cuts, std::string_view property,
                        std::string_view primitive, std::string workload_text,
                        std::vector<std::byte> workload, std::string message,
                        harness::Outcome outcome, std::uint64_t data_seed,
                        std::uint64_t rapidcheck_seed) {
  PropertyResult result;
  result.kind = kind;
  result.token = encode_token(ReplayToken{std::string(property), std::string(primitive), workload,
                                          data_seed, outcome.decisions});
  result.workload = std::move(workload);
  result.outcome = std::move(outcome);
  result.report = format_report(FailureReport{cuts, std::string(property), std::string(primitive),
                                              std::move(workload_text), std::move(message),
                                              rapidcheck_seed, result.token, &result.outcome});
  return result;
}

}  // namespace

PropertyResult cut_result(std::string_view property, std::string_view primitive,
                          std::string workload_text, std::vector<std::byte> workload,
                          std::string message, harness::Outcome outcome, int cuts,
                          std::uint64_t data_seed, std::uint64_t rapidcheck_seed) {
  return reported(PropertyResult::Kind::Cut, cuts, property, primitive, std::move(workload_text),
                  std::move(workload), std::move(message), std::move(outcome), data_seed,
                  rapidcheck_seed);
}

PropertyResult failure_result(std::string_view property, std::string_view primitive,
                              std::string workload_text, std::vector<std::byte> workload,
                              std::string invariant, harness::Outcome outcome,
                              std::uint64_t data_seed, std::uint64_t rapidcheck_seed) {
  return reported(PropertyResult::Kind::Failed, 0, property, primitive, std::move(workload_text),
                  std::move(workload), std::move(invariant), std::move(outcome), data_seed,
                  rapidcheck_seed);
}

}  // namespace detail
}  // namespace ipcprop::properties
