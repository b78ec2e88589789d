// Broadcasting addition and strided sums of float32 tensors (tfjs's Add with broadcasting, and Sum over axes
// that are not the innermost), walked as nested loops over merged dimensions with a contiguous innermost run.
// Each output of the addition is one IEEE float addition, so it is bit for bit every other implementation's;
// the strided sum adds from 0 in the index order of the reduced axes, as tfjs's Sum kernels do after their
// transpose, in float (wasm's) or in double (cpu's JavaScript numbers), so it is bit for bit theirs.
// One thread: memory-bound passes over tensors of at most a few MB.
#include <string>
#include <vector>

#include "common.h"

namespace robustjs {

namespace {

/** dims ≥ 1 each, strides ≥ 0, as many as dims; returns the number of floats the strided operand spans. */
int64_t Span(const Napi::Env& env, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides,
             const char* name, const char* fn) {
  if (strides.size() != dims.size()) {
    throw Napi::RangeError::New(env, std::string("robustjs native: '") + name + "' of '" + fn + "' needs " +
                                         std::to_string(dims.size()) + " strides, got " + std::to_string(strides.size()));
  }
  int64_t last = 0;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (strides[i] < 0) throw Napi::RangeError::New(env, std::string("robustjs native: '") + fn + "' needs strides >= 0");
    last += (dims[i] - 1) * strides[i];
  }
  return last + 1;
}

/** Product of dims, each checked ≥ 1. */
int64_t CheckedSize(const Napi::Env& env, const std::vector<int64_t>& dims, const char* fn) {
  if (dims.empty()) throw Napi::RangeError::New(env, std::string("robustjs native: '") + fn + "' needs one dim or more");
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 1) throw Napi::RangeError::New(env, std::string("robustjs native: '") + fn + "' needs every dim >= 1");
    n *= d;
  }
  return n;
}

/** Advances a multi-index over dims[0 .. k-1] (last fastest) and the offsets of the strided operands. */
struct Walker {
  const std::vector<int64_t>& dims;
  std::vector<int64_t> index;
  Walker(const std::vector<int64_t>& d, size_t k) : dims(d), index(k, 0) {}
  template <size_t M>
  void Next(const std::vector<int64_t>* (&strides)[M], int64_t (&offsets)[M]) {
    for (size_t d = index.size(); d-- > 0;) {
      ++index[d];
      for (size_t m = 0; m < M; ++m) offsets[m] += (*strides[m])[d];
      if (index[d] < dims[d]) return;
      for (size_t m = 0; m < M; ++m) offsets[m] -= (*strides[m])[d] * dims[d];
      index[d] = 0;
    }
  }
};

/** o[i] = a[i·ia] + b[i·ib] for i < n, strides 0 or 1 (the common cases as plain vectorisable loops). */
void AddRun(float* __restrict o, const float* __restrict a, const float* __restrict b, int64_t n, int64_t ia,
            int64_t ib) {
  if (ia == 1 && ib == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = a[i] + b[i];
  } else if (ia == 1 && ib == 0) {
    const float v = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = a[i] + v;
  } else if (ia == 0 && ib == 1) {
    const float v = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = v + b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = a[i * ia] + b[i * ib];
  }
}

/**
 * out[i] for i < size (the product of `kept`) = the sum, in Acc from 0, of base_i[rel[0]], base_i[rel[1]], …,
 * base_i walking `kept` by `strides`.
 */
template <typename Acc>
void SumRuns(const float* x, float* out, const std::vector<int64_t>& kept, const std::vector<int64_t>& strides,
             int64_t size, const std::vector<int64_t>& rel) {
  const std::vector<int64_t>* walked[1] = {&strides};
  int64_t offsets[1] = {0};
  Walker walk(kept, kept.size());
  for (int64_t i = 0; i < size; ++i) {
    const float* base = x + offsets[0];
    Acc sum = 0;
    for (int64_t r : rel) sum += base[r];
    out[i] = static_cast<float>(sum);
    walk.Next(walked, offsets);
  }
}

}  // namespace

// broadcastAdd(a, b, out, dims, aStrides, bStrides) -> undefined:
// out[i_0, …, i_k] = a[Σ i_j · aStrides[j]] + b[Σ i_j · bStrides[j]], out row-major over dims
Napi::Value BroadcastAdd(const Napi::CallbackInfo& info) {
  const char* fn = "broadcastAdd";
  return Guard(info, fn, [&]() -> Napi::Value {
    const Napi::Env env = info.Env();
    const std::vector<int64_t> dims = IntsArg(info, 3, 0, "dims", fn);
    const std::vector<int64_t> sa = IntsArg(info, 4, 0, "aStrides", fn);
    const std::vector<int64_t> sb = IntsArg(info, 5, 0, "bStrides", fn);
    const int64_t size = CheckedSize(env, dims, fn);
    const float* a = FloatArg(info, 0, static_cast<size_t>(Span(env, dims, sa, "aStrides", fn)), "a", fn);
    const float* b = FloatArg(info, 1, static_cast<size_t>(Span(env, dims, sb, "bStrides", fn)), "b", fn);
    float* out = FloatArg(info, 2, static_cast<size_t>(size), "out", fn);
    const size_t k = dims.size() - 1;
    const int64_t inner = dims[k], ia = sa[k], ib = sb[k];
    const std::vector<int64_t>* strides[2] = {&sa, &sb};
    int64_t offsets[2] = {0, 0};
    Walker walk(dims, k);
    for (int64_t r = 0; r < size; r += inner) {
      AddRun(out + r, a + offsets[0], b + offsets[1], inner, ia, ib);
      walk.Next(strides, offsets);
    }
    return env.Undefined();
  });
}

// stridedSum(x, out, keptDims, keptStrides, sumDims, sumStrides, inDouble) -> undefined: out row-major over
// keptDims, out[i] = ((0 + x[o_i + s_0]) + x[o_i + s_1]) + …, s_j the offsets of sumDims in row-major order,
// accumulated in float, or in double when inDouble
Napi::Value StridedSum(const Napi::CallbackInfo& info) {
  const char* fn = "stridedSum";
  return Guard(info, fn, [&]() -> Napi::Value {
    const Napi::Env env = info.Env();
    const std::vector<int64_t> kept = IntsArg(info, 2, 0, "keptDims", fn);
    const std::vector<int64_t> ks = IntsArg(info, 3, 0, "keptStrides", fn);
    const std::vector<int64_t> summed = IntsArg(info, 4, 0, "sumDims", fn);
    const std::vector<int64_t> ss = IntsArg(info, 5, 0, "sumStrides", fn);
    const int64_t size = CheckedSize(env, kept, fn);
    const int64_t len = CheckedSize(env, summed, fn);
    const int64_t span = Span(env, kept, ks, "keptStrides", fn) + Span(env, summed, ss, "sumStrides", fn) - 1;
    const float* x = FloatArg(info, 0, static_cast<size_t>(span), "x", fn);
    float* out = FloatArg(info, 1, static_cast<size_t>(size), "out", fn);
    // the offsets of the summed elements relative to an output's base, in the order they are added
    std::vector<int64_t> rel(static_cast<size_t>(len));
    {
      const std::vector<int64_t>* strides[1] = {&ss};
      int64_t offsets[1] = {0};
      Walker walk(summed, summed.size());
      for (int64_t j = 0; j < len; ++j) {
        rel[static_cast<size_t>(j)] = offsets[0];
        walk.Next(strides, offsets);
      }
    }
    const bool inDouble = info[6].ToBoolean().Value();
    if (inDouble) {
      SumRuns<double>(x, out, kept, ks, size, rel);
    } else {
      SumRuns<float>(x, out, kept, ks, size, rel);
    }
    return env.Undefined();
  });
}

}  // namespace robustjs
