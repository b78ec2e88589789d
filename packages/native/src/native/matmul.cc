// Batched float32 matrix product with either operand transposed (described by strides, never
// materialised), broadcast batch dimensions, and the optional bias + activation of tfjs's _FusedMatMul.
#include <algorithm>
#include <sstream>

#include "common.h"

namespace robustjs {

using dnnl::memory;
using dt = memory::data_type;

namespace {

/** Row-major strides of a tensor whose last two dims are stored swapped when `transposed`. */
memory::dims Strides(const memory::dims& dims, bool transposed) {
  const size_t r = dims.size();
  memory::dims physical = dims;
  if (transposed) std::swap(physical[r - 1], physical[r - 2]);
  memory::dims strides(r);
  int64_t acc = 1;
  for (size_t i = r; i-- > 0;) {
    strides[i] = acc;
    acc *= physical[i];
  }
  if (transposed) std::swap(strides[r - 1], strides[r - 2]);
  return strides;
}

/** Batch dimensions followed by the matrix dimensions rows × cols. */
memory::dims MatrixDims(const std::vector<int64_t>& batch, int64_t rows, int64_t cols) {
  memory::dims d(batch.begin(), batch.end());
  d.push_back(rows);
  d.push_back(cols);
  return d;
}

int64_t Product(const memory::dims& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= d;
  return p;
}

struct MatMulEntry : Entry {
  dnnl::matmul prim;
  memory::desc a, b, bias, out, scratch;
  std::string impl;
  /** Computes Cᵀ = op(B)ᵀ·op(A)ᵀ into staging, then transposes it into the output (see SwapOperands). */
  bool swapped = false;
};

/**
 * oneDNN 2.6's jit gemm packs a transposed source slowly: C[M,N] = Aᵀ·B with A stored [K,M] ran at about
 * half the speed of the untransposed product when M is large (9.8 vs 5.5 ms for 1024×1024 · 1024×128; the
 * `Bᵀ·A` direction of tfjs's matMul gradient). Computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead makes A the weights
 * operand, untransposed, and the transposed source is op(B)ᵀ, N×K: small when N < M. The Cᵀ result lands in
 * a staging buffer and is transposed into the output (M·N elements, cheap next to the 2·M·N·K product).
 * Used for the plain product (no bias, no activation) with a transposed A and M > N.
 */
bool SwapOperands(bool ta, int64_t m, int64_t n, int64_t biasSize, int act) {
  return ta && m > n && biasSize == 0 && act == kLinear;
}

/** out[b][i][j] = in[b][j][i] for `batches` matrices, `in` of shape [cols, rows]: blocked, parallel over tiles. */
void TransposeInto(const float* in, float* out, int64_t batches, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  const int64_t tr = (rows + kTile - 1) / kTile;
  const int64_t tc = (cols + kTile - 1) / kTile;
  const int64_t tiles = batches * tr * tc;
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t b = t / (tr * tc);
    const int64_t i0 = (t / tc) % tr * kTile;
    const int64_t j0 = t % tc * kTile;
    const float* src = in + b * rows * cols;
    float* dst = out + b * rows * cols;
    const int64_t i1 = std::min(rows, i0 + kTile);
    const int64_t j1 = std::min(cols, j0 + kTile);
    for (int64_t i = i0; i < i1; ++i) {
      for (int64_t j = j0; j < j1; ++j) dst[i * cols + j] = src[j * rows + i];
    }
  }
}

}  // namespace

// matMul(a, b, bias | null, preluAlpha | null, out, batchA[], batchB[], m, k, n, transposeA, transposeB,
//        activation, leakyAlpha, biasSize, preluSize) -> impl name
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const char* fn = "matMul";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    std::vector<int64_t> batchA = IntsArg(info, 5, 0, "batchA", fn);
    std::vector<int64_t> batchB = IntsArg(info, 6, batchA.size(), "batchB", fn);
    const int64_t m = IntArg(info, 7, "m", fn);
    const int64_t k = IntArg(info, 8, "k", fn);
    const int64_t n = IntArg(info, 9, "n", fn);
    const bool ta = info[10].ToBoolean().Value();
    const bool tb = info[11].ToBoolean().Value();
    const int act = static_cast<int>(IntArg(info, 12, "activation", fn));
    const float leaky = static_cast<float>(NumberArg(info, 13, "leakyAlpha", fn));
    const int64_t biasSize = IntArg(info, 14, "biasSize", fn);
    const int64_t preluSize = IntArg(info, 15, "preluSize", fn);
    if (m < 1 || k < 1 || n < 1 || batchA.size() > 10) {
      throw Napi::RangeError::New(info.Env(), "robustjs native: 'matMul' needs m, k, n >= 1 and at most 10 batch dimensions");
    }
    memory::dims batchOut(batchA.size());
    for (size_t i = 0; i < batchA.size(); ++i) {
      const int64_t x = batchA[i];
      const int64_t y = batchB[i];
      if (x < 1 || y < 1 || (x != y && x != 1 && y != 1)) {
        throw Napi::RangeError::New(info.Env(), "robustjs native: batch dimensions of 'matMul' do not broadcast");
      }
      batchOut[i] = std::max(x, y);
    }
    if (biasSize != 0 && biasSize != 1 && biasSize != n) {
      throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'biasSize' of 'matMul' must be 0, 1 or n");
    }
    if (act == kPrelu && preluSize != 1 && preluSize != n) {
      throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'preluSize' of 'matMul' must be 1 or n");
    }
    const memory::dims aDims = MatrixDims(batchA, m, k);
    const memory::dims bDims = MatrixDims(batchB, k, n);
    const memory::dims oDims = MatrixDims(batchOut, m, n);
    const size_t rank = oDims.size();

    float* a = FloatArg(info, 0, static_cast<size_t>(Product(aDims)), "a", fn);
    float* b = FloatArg(info, 1, static_cast<size_t>(Product(bDims)), "b", fn);
    float* bias = biasSize != 0 ? FloatArg(info, 2, static_cast<size_t>(biasSize), "bias", fn) : nullptr;
    float* alpha = act == kPrelu ? FloatArg(info, 3, static_cast<size_t>(preluSize), "preluAlpha", fn) : nullptr;
    float* out = FloatArg(info, 4, static_cast<size_t>(Product(oDims)), "out", fn);

    const int threads = UseThreads(s, 2.0 * static_cast<double>(Product(oDims)) * static_cast<double>(k));
    std::ostringstream key;
    key << "mm:t" << threads << ':' << ta << tb << '|' << m << ',' << k << ',' << n << "|b" << biasSize << "|a" << (act == kPrelu ? kLinear : act)
        << ':' << leaky << '|';
    for (size_t i = 0; i < batchA.size(); ++i) key << batchA[i] << 'x' << batchB[i] << ',';
    auto entry = std::static_pointer_cast<MatMulEntry>(s.cache.Get(key.str()));
    if (!entry) {
      entry = std::make_shared<MatMulEntry>();
      entry->swapped = SwapOperands(ta, m, n, biasSize, act);
      if (entry->swapped) {
        // src = op(B)ᵀ [batch, n, k], weights = op(A)ᵀ [batch, k, m], dst = Cᵀ [batch, n, m], all over the
        // stored tensors (their strides say which are transposed views).
        const memory::dims sDims = MatrixDims(batchB, n, k);
        const memory::dims wDims = MatrixDims(batchA, k, m);
        const memory::dims dDims = MatrixDims(batchOut, n, m);
        entry->b = memory::desc(sDims, dt::f32, Strides(sDims, !tb));
        entry->a = memory::desc(wDims, dt::f32, Strides(wDims, !ta));
        entry->out = memory::desc(dDims, dt::f32, Strides(dDims, false));
      } else {
        entry->a = memory::desc(aDims, dt::f32, Strides(aDims, ta));
        entry->b = memory::desc(bDims, dt::f32, Strides(bDims, tb));
        entry->out = memory::desc(oDims, dt::f32, Strides(oDims, false));
      }
      dnnl::post_ops ops;
      if (!AppendActivation(ops, act, leaky)) {
        throw Napi::RangeError::New(info.Env(), "robustjs native: unknown activation code " + std::to_string(act));
      }
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      attr.set_post_ops(ops);
      if (biasSize != 0) {
        // A single bias value is spread over the n columns (oneDNN's matmul runs an all-broadcast bias
        // only in its reference implementation).
        memory::dims bd(rank, 1);
        bd[rank - 1] = n;
        entry->bias = memory::desc(bd, dt::f32, Strides(bd, false));
      }
      dnnl::matmul::desc desc = biasSize != 0       ? dnnl::matmul::desc(entry->a, entry->b, entry->bias, entry->out)
                                : entry->swapped ? dnnl::matmul::desc(entry->b, entry->a, entry->out)
                                                 : dnnl::matmul::desc(entry->a, entry->b, entry->out);
      dnnl::matmul::primitive_desc pd(desc, attr, s.engine);
      entry->prim = dnnl::matmul(pd);
      entry->scratch = pd.scratchpad_desc();
      entry->impl = pd.impl_info_str();
      s.cache.Put(key.str(), entry);
    }
    std::unordered_map<int, memory> args;
    float* target = out;
    if (entry->swapped) {
      target = static_cast<float*>(s.staging[0].Get(static_cast<size_t>(Product(oDims)) * sizeof(float)));
      args[DNNL_ARG_SRC] = memory(entry->b, s.engine, b);
      args[DNNL_ARG_WEIGHTS] = memory(entry->a, s.engine, a);
    } else {
      args[DNNL_ARG_SRC] = memory(entry->a, s.engine, a);
      args[DNNL_ARG_WEIGHTS] = memory(entry->b, s.engine, b);
    }
    args[DNNL_ARG_DST] = memory(entry->out, s.engine, target);
    if (bias != nullptr && biasSize == 1 && n > 1) {
      float* spread = static_cast<float*>(s.staging[0].Get(static_cast<size_t>(n) * sizeof(float)));
      std::fill(spread, spread + n, bias[0]);
      bias = spread;
    }
    if (bias != nullptr) args[DNNL_ARG_BIAS] = memory(entry->bias, s.engine, bias);
    args[DNNL_ARG_SCRATCHPAD] = memory(entry->scratch, s.engine, s.scratchpad.Get(entry->scratch.get_size()));
    entry->prim.execute(s.stream, args);
    s.stream.wait();
    if (entry->swapped) TransposeInto(target, out, Product(batchOut), m, n);
    if (alpha != nullptr) ApplyPrelu(out, static_cast<size_t>(Product(oDims)), alpha, static_cast<size_t>(preluSize));
    return Napi::String::New(info.Env(), entry->impl);
  });
}

}  // namespace robustjs
