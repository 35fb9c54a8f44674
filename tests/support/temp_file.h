// ipcprop — tests/support/temp_file.h
//
// TempFile: an empty file under $TMPDIR (or /tmp) that is removed when the object is destroyed
// in the process that created it, so no test leaves a file behind.
#pragma once

#include <string>

namespace ipcprop::testing {

class TempFile {
 public:
  /// Creates "<tmp>/ipcprop-<label>-XXXXXX". Throws SystemError if it cannot.
  explicit TempFile(const std::string& label);
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile();

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  int creator_pid_;
};

}  // namespace ipcprop::testing
