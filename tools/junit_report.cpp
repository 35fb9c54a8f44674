#include "tools/junit_report.h"

#include <array>
#include <map>
#include <numeric>

#include <fmt/format.h>

namespace ipcprop::tools {

std::string xml_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      default:
        const bool control = static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t';
        escaped += control ? '?' : c;
    }
  }
  return escaped;
}

void write_junit(std::ostream& out, const std::vector<const CatalogEntry*>& selected,
                 const std::vector<PropertyRun>& runs, double seconds) {
  struct Suite {
    std::array<int, PropertyRun::kVerdicts> counts{};
    double seconds = 0;
    std::string cases;
  };
  std::map<std::string_view, Suite> suites;  // By primitive.
  std::array<int, PropertyRun::kVerdicts> totals{};
  for (const PropertyRun& run : runs) {
    const CatalogEntry& entry = *selected[run.index];
    Suite& suite = suites[entry.primitive];
    ++suite.counts[run.verdict];
    ++totals[run.verdict];
    suite.seconds += run.seconds;
    std::string body;
    if (run.verdict == PropertyRun::Failed) {
      body = fmt::format(
          "\n      <failure message=\"{} failed; ipcprop replay {}\">{}</failure>\n    ",
          xml_escape(entry.property), run.token, xml_escape(run.report));
    } else if (run.verdict == PropertyRun::Error) {
      body = fmt::format("\n      <error message=\"the property could not run\">{}</error>\n    ",
                         xml_escape(run.report));
    } else if (run.verdict == PropertyRun::Cut) {
      body = fmt::format(
          "\n      <error message=\"the watchdog cut an execution; ipcprop replay {}\">{}</error>\n"
          "    ",
          run.token, xml_escape(run.report));
    } else if (run.verdict == PropertyRun::Skipped) {
      body = fmt::format("<skipped message=\"{}\"/>", xml_escape(run.report));
    }
    if (run.budget_spent) {
      body += fmt::format("<system-out>time budget spent after {} test cases</system-out>",
                          run.test_cases);
    }
    suite.cases +=
        fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">{}</testcase>\n",
                    xml_escape(entry.primitive), xml_escape(entry.property), run.seconds, body);
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format(
      "<testsuites name=\"ipcprop run\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"{:.3f}\">\n",
      runs.size(), totals[PropertyRun::Failed],
      totals[PropertyRun::Error] + totals[PropertyRun::Cut], totals[PropertyRun::Skipped], seconds);
  for (const auto& [primitive, suite] : suites) {
    const int tests = std::accumulate(suite.counts.begin(), suite.counts.end(), 0);
    out << fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{:.3f}\">\n{}  </testsuite>\n",
        xml_escape(primitive), tests, suite.counts[PropertyRun::Failed],
        suite.counts[PropertyRun::Error] + suite.counts[PropertyRun::Cut],
        suite.counts[PropertyRun::Skipped], suite.seconds, suite.cases);
  }
  out << "</testsuites>\n";
  out.flush();
}

}  // namespace ipcprop::tools
