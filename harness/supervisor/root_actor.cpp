#include "harness/supervisor/root_actor.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <new>

#include <unistd.h>

#include <fmt/format.h>

#include "primitives/errors.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::harness::detail {
namespace {

bool is_resource_limit(int error_number) {
  switch (error_number) {
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EAGAIN:
    case ENOSPC:
    case ENOBUFS:
      return true;
    default:
      return false;
  }
}

}  // namespace

void run_root_actor(ActorId id, const ActorProgram& program, std::uint64_t data_seed,
                    const OutOfResources& out_of_resources) {
  int exit_code = 0;
  try {
    ActorContext context(id, data_seed);
    program(context);
  } catch (const SystemError& error) {
    std::fprintf(stderr, "actor %u: uncaught exception: %s\n", id, error.what());
    exit_code = 1;
    if (is_resource_limit(error.error_number())) {
      out_of_resources(fmt::format("actor {} ran out of a system resource: {}", id, error.what()));
    }
  } catch (const std::bad_alloc& error) {
    std::fprintf(stderr, "actor %u: uncaught exception: %s\n", id, error.what());
    exit_code = 1;
    out_of_resources(fmt::format("actor {} ran out of memory ({})", id, error.what()));
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
