// ipcprop — the command-line tool: see tools/cli.h, or run `ipcprop help`.
#include <iostream>
#include <string_view>
#include <vector>

#include "tools/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
  return ipcprop::tools::run_command_line(arguments, std::cout, std::cerr);
}
