#include "primitives/pool.h"

#include <sched.h>

namespace ipcprop {
namespace detail {

std::size_t default_processes() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(CPU_COUNT(&set)));
  }
  return 1;
}

}  // namespace detail

Pool::Pool(std::size_t processes, PoolOptions options)
    : core_(std::make_shared<detail::PoolCore>(
          processes == 0 ? detail::default_processes() : processes, std::move(options.initializer),
          options.maxtasksperchild)) {}

Pool::~Pool() {
  core_->terminate();
}

void Pool::close() {
  core_->close();
}

void Pool::terminate() {
  core_->require_owner("Pool::terminate");
  core_->terminate();
}

void Pool::join() {
  core_->join();
}

}  // namespace ipcprop
