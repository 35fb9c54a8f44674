// ipcprop — harness/checkers/linearizability.hpp
//
// Template bodies for linearizability.h: the search (Lowe's loop over the event list, with a
// stack of lifted calls) and the report.
#pragma once

#include <algorithm>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "harness/checkers/detail/event_list.h"

namespace ipcprop::harness {
namespace detail {

/// One visited pair (linearized set, state).
template <class State>
struct Visited {
  OpSet linearized;
  State state;
  friend bool operator==(const Visited&, const Visited&) = default;
};

template <class M>
struct VisitedHash {
  std::size_t operator()(const Visited<typename M::State>& v) const {
    return v.linearized.hash() ^
           (static_cast<std::size_t>(M::hash(v.state)) * 0x9e3779b97f4a7c15ULL);
  }
};

template <class M>
concept ExplainingModel =
    requires(const typename M::State& s,
             const std::vector<Operation<typename M::Input, typename M::Output>>& prefix,
             const typename M::Input& in, const typename M::Output& out) {
  { M::explain(s, prefix, in, out) } -> std::convertible_to<std::string>;
};

/// The states an operation may lead to from `state`: none or one for a completed operation;
/// for a pending one, one per possible output that changes the state.
template <class M>
std::vector<typename M::State> successors(
    const typename M::State& state, const Operation<typename M::Input, typename M::Output>& op) {
  std::vector<typename M::State> out;
  if (op.output) {
    if (auto next = M::step(state, op.input, *op.output)) out.push_back(std::move(*next));
    return out;
  }
  for (const auto& output : M::possible_outputs(state, op.input)) {
    auto next = M::step(state, op.input, output);
    if (next && !(*next == state)) out.push_back(std::move(*next));
  }
  return out;
}

template <class M>
std::string describe(const Operation<typename M::Input, typename M::Output>& op) {
  return op.output ? std::string(M::describe(op.input, *op.output))
                   : fmt::format("{} (pending)", std::string(M::describe(op.input)));
}

/// Fills `blocked` and `explanation` for a search that did not find a linearization: the
/// candidates after `result.order` are the operations not in it that were called no later than
/// the earliest return among the completed operations not in it.
template <class M>
void explain_failure(const std::vector<Operation<typename M::Input, typename M::Output>>& history,
                     const typename M::State& state, const Naming& naming,
                     LinearizabilityResult& result) {
  std::vector<bool> placed(history.size(), false);
  for (std::size_t i : result.order) placed[i] = true;
  std::optional<std::size_t> first_return;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (placed[i] || history[i].pending()) continue;
    if (!first_return || *history[i].returned < *history[*first_return].returned) first_return = i;
  }
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (placed[i] || (first_return && history[i].called > *history[*first_return].returned)) {
      continue;
    }
    const auto& op = history[i];
    std::string reason;
    if (!successors<M>(state, op).empty()) {
      reason = result.verdict == Verdict::Undecided
                   ? "possible here; the search had not finished after it"
                   : "possible here, but no linearization continues after it";
    } else if (op.pending()) {
      reason = "pending; taking effect here changes nothing";
    } else if constexpr (ExplainingModel<M>) {
      std::vector<Operation<typename M::Input, typename M::Output>> prefix;
      for (std::size_t j : result.order) prefix.push_back(history[j]);
      reason = M::explain(state, prefix, op.input, *op.output);
    } else {
      reason = "this output is impossible here";
    }
    result.blocked.push_back({i, std::move(reason)});
  }
  std::string prefix;
  for (std::size_t i : result.order) {
    prefix +=
        fmt::format("{}{}", prefix.empty() ? "" : ", ", naming.name(i, describe<M>(history[i])));
  }
  result.explanation =
      result.verdict == Verdict::Undecided
          ? fmt::format("undecided (budget exhausted after {} states); longest prefix so far",
                        result.explored)
          : std::string("not linearizable");
  result.explanation += fmt::format(": after [{}] ({} of {} operations) nothing can be placed next",
                                    prefix, result.order.size(), history.size());
  if (first_return) {
    result.explanation += fmt::format(
        " before {} returns", naming.name(*first_return, describe<M>(history[*first_return])));
  }
  result.explanation += ":";
  for (const Blocked& b : result.blocked) {
    result.explanation +=
        fmt::format("\n  {}: {}", naming.name(b.op, describe<M>(history[b.op])), b.reason);
  }
}

}  // namespace detail

template <LinearizabilityModel M>
LinearizabilityResult check_linearizability(
    const std::vector<Operation<typename M::Input, typename M::Output>>& history,
    const typename M::State& initial, const CheckOptions& options) {
  using State = typename M::State;
  std::vector<detail::Span> spans;
  std::vector<bool> has_output;
  std::vector<ActorId> actors;
  std::size_t completed = 0;
  for (const auto& op : history) {
    spans.push_back({op.called, op.returned});
    has_output.push_back(op.output.has_value());
    actors.push_back(op.actor);
    completed += op.pending() ? 0 : 1;
  }
  detail::validate(spans, has_output);
  detail::Naming naming(actors, spans);
  detail::EventList list(spans);

  struct Frame {
    detail::EventNode* entry;
    std::size_t alternative;  // which successor of the state before was taken
    State before;
  };
  std::vector<Frame> stack;
  std::unordered_set<detail::Visited<State>, detail::VisitedHash<M>> visited;
  detail::OpSet linearized(history.size());
  State state = initial;
  std::size_t done = 0;  // completed operations linearized
  LinearizabilityResult result;
  State best_state = state;

  detail::EventNode* entry = list.first();
  std::size_t first_alternative = 0;
  while (done < completed) {
    if (entry->is_call) {
      const std::size_t op = entry->op;
      auto next_states = detail::successors<M>(state, history[op]);
      bool lifted = false;
      linearized.insert(op);
      for (std::size_t k = first_alternative; k < next_states.size(); ++k) {
        if (!visited.insert({linearized, next_states[k]}).second) continue;
        if (visited.size() > options.max_states) {
          result.verdict = Verdict::Undecided;
          result.explored = visited.size();
          detail::explain_failure<M>(history, best_state, naming, result);
          return result;
        }
        stack.push_back({entry, k, std::move(state)});
        state = std::move(next_states[k]);
        detail::EventList::lift(entry);
        done += history[op].pending() ? 0 : 1;
        if (stack.size() > result.order.size()) {
          result.order.clear();
          for (const Frame& f : stack) result.order.push_back(f.entry->op);
          best_state = state;
        }
        lifted = true;
        break;
      }
      if (lifted) {
        entry = list.first();
      } else {
        linearized.erase(op);
        entry = entry->next;
      }
      first_alternative = 0;
    } else {
      if (stack.empty()) {
        result.verdict = Verdict::NotLinearizable;
        result.explored = visited.size();
        detail::explain_failure<M>(history, best_state, naming, result);
        return result;
      }
      Frame top = std::move(stack.back());
      stack.pop_back();
      state = std::move(top.before);
      linearized.erase(top.entry->op);
      detail::EventList::unlift(top.entry);
      done -= history[top.entry->op].pending() ? 0 : 1;
      entry = top.entry;
      first_alternative = top.alternative + 1;
    }
  }
  result.verdict = Verdict::Linearizable;
  result.explored = visited.size();
  result.order.clear();
  for (const Frame& f : stack) result.order.push_back(f.entry->op);
  result.explanation = fmt::format("linearizable ({} states explored)", result.explored);
  return result;
}

template <LinearizabilityModel M>
LinearizabilityResult check_linearizability(
    const std::vector<Operation<typename M::Input, typename M::Output>>& history,
    const CheckOptions& options) {
  return check_linearizability<M>(history, M::init(), options);
}

}  // namespace ipcprop::harness
