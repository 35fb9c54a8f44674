#include "harness/supervisor/root_actor.h"

#include <cstdio>
#include <exception>

#include <unistd.h>

#include "primitives/sync_hooks.h"

namespace ipcprop::harness::detail {

void run_root_actor(ActorId id, const ActorProgram& program, std::uint64_t data_seed) {
  int exit_code = 0;
  try {
    ActorContext context(id, data_seed);
    program(context);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "actor %u: uncaught exception: %s\n", id, error.what());
    exit_code = 1;
  } catch (...) {
    std::fprintf(stderr, "actor %u: uncaught exception of unknown type\n", id);
    exit_code = 1;
  }
  sync::before_exit(exit_code);
  std::fflush(nullptr);
  ::_exit(exit_code);
}

}  // namespace ipcprop::harness::detail
