// ipcprop — tools/catalog.h
//
// The built-in (property, primitive) pairs that `ipcprop run` fuzzes and `ipcprop replay`
// knows: every property suite against every primitive of its kind that ipcprop ships, under the
// names the test suites register them with (so a token printed by ctest replays here too).
#pragma once

#include <functional>
#include <span>
#include <string_view>

#include "properties/runner.h"
#include "properties/token.h"

namespace ipcprop::tools {

struct CatalogEntry {
  std::string_view property;   ///< "LockProps.MutualExclusion"
  std::string_view primitive;  ///< "Lock"
  std::function<properties::PropertyResult(const properties::SuiteOptions&)> run;
  std::function<properties::PropertyResult(const properties::ReplayToken&,
                                           const properties::SuiteOptions&)>
      replay;
};

/// Every entry, grouped by primitive, in a fixed order.
std::span<const CatalogEntry> catalog();

/// The entry that runs and replays `Property` against `Primitive`, named `primitive` (a string
/// with static storage, e.g. a literal).
template <typename Property, typename Primitive>
CatalogEntry catalog_entry(std::string_view primitive) {
  return CatalogEntry{
      Property::name, primitive,
      [primitive](const properties::SuiteOptions& options) {
        return properties::run_property<Property, Primitive>(primitive, options);
      },
      [](const properties::ReplayToken& token, const properties::SuiteOptions& options) {
        return properties::replay_property<Property, Primitive>(token, options);
      }};
}

}  // namespace ipcprop::tools
