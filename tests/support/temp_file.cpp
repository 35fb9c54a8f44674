#include "tests/support/temp_file.h"

#include <cstdlib>
#include <vector>

#include <unistd.h>

#include "primitives/errors.h"

namespace ipcprop::testing {

TempFile::TempFile(const std::string& label) : creator_pid_(::getpid()) {
  const char* directory = std::getenv("TMPDIR");
  std::string pattern =
      std::string(directory != nullptr ? directory : "/tmp") + "/ipcprop-" + label + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  check_call(::close(check_call(::mkstemp(buffer.data()), "mkstemp", pattern)), "close");
  path_ = buffer.data();
}

TempFile::~TempFile() {
  if (::getpid() == creator_pid_) ::unlink(path_.c_str());
}

}  // namespace ipcprop::testing
