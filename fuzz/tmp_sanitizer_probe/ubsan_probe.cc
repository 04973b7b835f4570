#include <climits>
#include <cstdio>
int main(int argc, char**) {
  volatile int big = INT_MAX;
  int sum = big + argc;  // signed overflow: UB
  std::printf("sum %d\n", sum);
  return 0;
}
