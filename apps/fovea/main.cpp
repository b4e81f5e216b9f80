#include <iostream>

int main() {
  std::cout << "fovea\n";
  return 0;
}
