// Row sums and means of a float32 matrix [rows, len] (tfjs's Sum and Mean over the innermost axes): accumulated in
// double over fixed blocks of kBlock elements, the block sums then added in order, so the result does not depend on
// the thread count; the blocks run on every core.
#include <algorithm>
#include <vector>

#include "common.h"

namespace robustjs {

namespace {

constexpr int64_t kBlock = 8192;

double BlockSum(const float* x, int64_t n) {
  // four independent accumulators (fixed order: deterministic), vectorisable
  double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += x[i];
    a1 += x[i + 1];
    a2 += x[i + 2];
    a3 += x[i + 3];
  }
  for (; i < n; ++i) a0 += x[i];
  return (a0 + a1) + (a2 + a3);
}

}  // namespace

// rowReduce(x [rows·len], out [rows], [rows, len], mean) -> undefined: out[r] = Σ_j x[r, j] (÷ len when mean)
Napi::Value RowReduce(const Napi::CallbackInfo& info) {
  const char* fn = "rowReduce";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    const std::vector<int64_t> dims = IntsArg(info, 2, 2, "dims", fn);
    const int64_t rows = dims[0], len = dims[1];
    if (rows < 1 || len < 1) throw Napi::RangeError::New(info.Env(), "robustjs native: 'rowReduce' needs rows, len >= 1");
    const bool mean = info[3].ToBoolean().Value();
    const float* x = FloatArg(info, 0, static_cast<size_t>(rows * len), "x", fn);
    float* out = FloatArg(info, 1, static_cast<size_t>(rows), "out", fn);
    const int64_t blocks = (len + kBlock - 1) / kBlock;
    std::vector<double> partial(static_cast<size_t>(rows * blocks));
    // a pass over memory: count it as a few FLOPs per element for the threading threshold
    UseThreads(s, 4.0 * static_cast<double>(rows * len));
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < rows * blocks; ++t) {
      const int64_t r = t / blocks, b = t % blocks;
      const int64_t j0 = b * kBlock;
      partial[static_cast<size_t>(t)] = BlockSum(x + r * len + j0, std::min(kBlock, len - j0));
    }
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0.0;
      for (int64_t b = 0; b < blocks; ++b) sum += partial[static_cast<size_t>(r * blocks + b)];
      out[r] = static_cast<float>(mean ? sum / static_cast<double>(len) : sum);
    }
    return info.Env().Undefined();
  });
}

}  // namespace robustjs
