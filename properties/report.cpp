#include "properties/report.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace ipcprop::properties {
namespace {

constexpr std::size_t kColumn = 34;

std::string cell_text(const harness::Event& event, const harness::History& history) {
  switch (event.kind) {
    case harness::EventKind::Invoke:
      return fmt::format("{} {}", event.operation, history.object_name(event.object));
    case harness::EventKind::Return:
      return fmt::format("  -> {}", event.value);
    case harness::EventKind::Wait:
      return "  waits";
    case harness::EventKind::Wake:
      return event.value == 0 ? "  woken" : "  timed out";
    case harness::EventKind::Notify:
      return {};  // Implied by the operation that made it.
    case harness::EventKind::Spawn:
      return fmt::format("starts actor {}", event.value);
    case harness::EventKind::Exit:
      return fmt::format("exits ({})", event.value);
    case harness::EventKind::Signal:
      return fmt::format("sends signal {}", event.value);
  }
  return {};
}

}  // namespace

std::string interleaving(const harness::History& history, std::size_t actors) {
  std::string table = "  step |";
  for (std::size_t actor = 0; actor < actors; ++actor) {
    table += fmt::format(" {:<{}}|", fmt::format("actor {}", actor), kColumn);
  }
  table += '\n';
  for (const harness::Event& event : history.events()) {
    std::string text = cell_text(event, history);
    if (text.empty() || event.actor >= actors) continue;
    if (text.size() > kColumn) text = text.substr(0, kColumn - 1) + "~";
    table += fmt::format("  {:>4} |", event.step);
    for (std::size_t actor = 0; actor < actors; ++actor) {
      table += fmt::format(" {:<{}}|", actor == event.actor ? text : "", kColumn);
    }
    table += '\n';
  }
  return table;
}

std::size_t count_preemptions(const std::vector<harness::Decision>& decisions) {
  return static_cast<std::size_t>(
      std::count_if(decisions.begin(), decisions.end(),
                    [](const harness::Decision& decision) { return decision.preemption(); }));
}

std::string format_report(const FailureReport& report) {
  const harness::Outcome& outcome = *report.outcome;
  const bool cut = report.cuts != 0;
  std::string text =
      cut ? fmt::format(
                "Property {} was not decided for {}: the watchdog cut {} execution{} (an "
                "actor spun or blocked outside the hooks); no invariant broke\n",
                report.property, report.primitive, report.cuts, report.cuts == 1 ? "" : "s")
          : fmt::format("Property {} failed for {}\n", report.property, report.primitive);
  const std::string_view shrunk = cut ? "the first cut, not shrunk" : "shrunk";
  fmt::format_to(std::back_inserter(text), "Workload ({}): {}\n", shrunk, report.workload);
  fmt::format_to(std::back_inserter(text), "Schedule ({}): {} decisions, {} preemption{}\n", shrunk,
                 outcome.decisions.size(), count_preemptions(outcome.decisions),
                 count_preemptions(outcome.decisions) == 1 ? "" : "s");
  text += interleaving(outcome.history, outcome.exit_codes.size());
  fmt::format_to(std::back_inserter(text), "{}: {}\n", cut ? "Cut" : "Broken", report.invariant);
  fmt::format_to(std::back_inserter(text), "Seed: RC_PARAMS=\"seed={}\"\n", report.rapidcheck_seed);
  fmt::format_to(std::back_inserter(text), "ipcprop replay {}\n", report.token);
  return text;
}

}  // namespace ipcprop::properties
