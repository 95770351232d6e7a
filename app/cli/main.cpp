#include "app/cli/command_support.h"
#include "app/cli/commands.h"

#include <iostream>

int main(int argc, char** argv) {
    lookalike::cli::installInterruptHandler();
    return lookalike::cli::runCommandLine(std::vector<std::string>(argv + 1, argv + argc),
                                          std::cout, std::cerr);
}
