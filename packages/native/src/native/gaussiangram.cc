// The Gaussian kernel matrix from a Gram matrix and squared norms, forward and backward, in one pass each
// (the element-wise tail of every MMD kernel: tfjs would run add, sub, mul, relu, div, neg and exp as seven
// single-threaded passes over the [n, m] matrix, and twice that in the gradient).
//
// Forward: D_ij = xx_i + yy_j − 2·G_ij, K_ij = exp(−max(D_ij, 0)/σ).
// Backward, with g_ij = dK_ij · K_ij · [D_ij > 0] / σ (= −∂L/∂D_ij):
//   dG = 2g, dxx_i = −Σ_j g_ij, dyy_j = −Σ_i g_ij, dσ = Σ_ij g_ij · max(D_ij, 0) / σ.
// Rows are split over OpenMP threads; the column sums are accumulated per block of 64 rows in double and the
// blocks added in order, so the results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "common.h"

// see groupnorm.cc: vectorized element-wise loops need O3 and no trapping math; no FMA contraction, so that
// D = (xx + yy) − 2G rounds exactly as the tfjs ops do (for near-identical rows D is all cancellation, and its sign
// decides the clamp)
#pragma GCC optimize("O3", "no-trapping-math", "fp-contract=off")

#include "fastexp.h"

namespace robustjs {

namespace {

constexpr int64_t kRowBlock = 64;

struct GramDims {
  int64_t n, m;
};

GramDims GramDimsArg(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  std::vector<int64_t> d = IntsArg(info, index, 2, "dims", fn);
  if (d[0] < 1 || d[1] < 1) {
    throw Napi::RangeError::New(info.Env(), std::string("robustjs native: argument 'dims' of '") + fn + "' must be [n, m], both >= 1");
  }
  return {d[0], d[1]};
}

#define ROBUSTJS_INLINE_GRAM __attribute__((always_inline)) inline

/** Forward of rows [r0, r1). */
ROBUSTJS_INLINE_GRAM void ForwardRows(const float* G, const float* xx, const float* yy, float inv, float* K, int64_t m, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; ++i) {
    const float* g = G + i * m;
    float* k = K + i * m;
    const float xi = xx[i];
#pragma omp simd
    for (int64_t j = 0; j < m; ++j) {
      float d = xi + yy[j] - 2.f * g[j];
      d = d > 0.f ? d : 0.f;
      k[j] = FastExp(-d * inv);
    }
  }
}

/** Backward of one block of rows: dG rows, dxx entries, and this block's column sums (double) and dσ sum. */
ROBUSTJS_INLINE_GRAM void BackwardRows(const float* G, const float* xx, const float* yy, float inv, const float* K, const float* dK, float* dG, float* dxx,
                                       double* colSum, double* sigmaSum, float* row, int64_t m, int64_t r0, int64_t r1) {
  double ds = 0.0;
  for (int64_t j = 0; j < m; ++j) colSum[j] = 0.0;
  for (int64_t i = r0; i < r1; ++i) {
    const float* g = G + i * m;
    const float* k = K + i * m;
    const float* dk = dK + i * m;
    float* dg = dG + i * m;
    const float xi = xx[i];
    float rowSum = 0.f, rowD = 0.f;
#pragma omp simd reduction(+ : rowSum, rowD)
    for (int64_t j = 0; j < m; ++j) {
      const float d = xi + yy[j] - 2.f * g[j];
      const float gij = d > 0.f ? dk[j] * k[j] * inv : 0.f;
      dg[j] = 2.f * gij;
      row[j] = gij;
      rowSum += gij;
      rowD += gij * (d > 0.f ? d : 0.f);
    }
    dxx[i] = -rowSum;
    ds += static_cast<double>(rowD);
    for (int64_t j = 0; j < m; ++j) colSum[j] += row[j];
  }
  *sigmaSum = ds;
}

#define ROBUSTJS_FWD_ARGS const float *G, const float *xx, const float *yy, float inv, float *K, int64_t m, int64_t r0, int64_t r1
#define ROBUSTJS_BWD_ARGS                                                                                                    \
  const float *G, const float *xx, const float *yy, float inv, const float *K, const float *dK, float *dG, float *dxx, double *colSum, \
      double *sigmaSum, float *row, int64_t m, int64_t r0, int64_t r1
__attribute__((noinline, target("avx2,fma"))) void ForwardRowsAvx2(ROBUSTJS_FWD_ARGS) { ForwardRows(G, xx, yy, inv, K, m, r0, r1); }
__attribute__((noinline)) void ForwardRowsBase(ROBUSTJS_FWD_ARGS) { ForwardRows(G, xx, yy, inv, K, m, r0, r1); }
__attribute__((noinline, target("avx2,fma"))) void BackwardRowsAvx2(ROBUSTJS_BWD_ARGS) {
  BackwardRows(G, xx, yy, inv, K, dK, dG, dxx, colSum, sigmaSum, row, m, r0, r1);
}
__attribute__((noinline)) void BackwardRowsBase(ROBUSTJS_BWD_ARGS) { BackwardRows(G, xx, yy, inv, K, dK, dG, dxx, colSum, sigmaSum, row, m, r0, r1); }

const bool kGramAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

float InverseSigma(const Napi::CallbackInfo& info, const float* sigma, const char* fn) {
  if (!(sigma[0] > 0.f)) throw Napi::RangeError::New(info.Env(), std::string("robustjs native: 'sigma' of '") + fn + "' must be > 0");
  return 1.f / sigma[0];
}

}  // namespace

// gaussianGramForward(G [n·m], xx [n], yy [m], sigma [1], K [n·m], [n, m])
Napi::Value GaussianGramForward(const Napi::CallbackInfo& info) {
  const char* fn = "gaussianGramForward";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    const GramDims d = GramDimsArg(info, 5, fn);
    const size_t total = static_cast<size_t>(d.n * d.m);
    const float* G = FloatArg(info, 0, total, "G", fn);
    const float* xx = FloatArg(info, 1, static_cast<size_t>(d.n), "xx", fn);
    const float* yy = FloatArg(info, 2, static_cast<size_t>(d.m), "yy", fn);
    const float inv = InverseSigma(info, FloatArg(info, 3, 1, "sigma", fn), fn);
    float* K = FloatArg(info, 4, total, "K", fn);
    UseThreads(s, 20.0 * static_cast<double>(total));
    const int64_t blocks = (d.n + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t r0 = b * kRowBlock, r1 = std::min(d.n, r0 + kRowBlock);
      (kGramAvx2 ? ForwardRowsAvx2 : ForwardRowsBase)(G, xx, yy, inv, K, d.m, r0, r1);
    }
    return info.Env().Undefined();
  });
}

// gaussianGramBackward(G, xx, yy, sigma, K, dK, dG [n·m], dxx [n], dyy [m], dSigma [1], [n, m])
Napi::Value GaussianGramBackward(const Napi::CallbackInfo& info) {
  const char* fn = "gaussianGramBackward";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    const GramDims d = GramDimsArg(info, 10, fn);
    const size_t total = static_cast<size_t>(d.n * d.m);
    const float* G = FloatArg(info, 0, total, "G", fn);
    const float* xx = FloatArg(info, 1, static_cast<size_t>(d.n), "xx", fn);
    const float* yy = FloatArg(info, 2, static_cast<size_t>(d.m), "yy", fn);
    const float inv = InverseSigma(info, FloatArg(info, 3, 1, "sigma", fn), fn);
    const float* K = FloatArg(info, 4, total, "K", fn);
    const float* dK = FloatArg(info, 5, total, "dK", fn);
    float* dG = FloatArg(info, 6, total, "dG", fn);
    float* dxx = FloatArg(info, 7, static_cast<size_t>(d.n), "dxx", fn);
    float* dyy = FloatArg(info, 8, static_cast<size_t>(d.m), "dyy", fn);
    float* dSigma = FloatArg(info, 9, 1, "dSigma", fn);
    const int64_t blocks = (d.n + kRowBlock - 1) / kRowBlock;
    std::vector<double> colSums(static_cast<size_t>(blocks * d.m)), sigmaSums(static_cast<size_t>(blocks));
    UseThreads(s, 20.0 * static_cast<double>(total));
#pragma omp parallel
    {
      std::vector<float> row(static_cast<size_t>(d.m));
#pragma omp for schedule(static)
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t r0 = b * kRowBlock, r1 = std::min(d.n, r0 + kRowBlock);
        (kGramAvx2 ? BackwardRowsAvx2 : BackwardRowsBase)(G, xx, yy, inv, K, dK, dG, dxx, colSums.data() + b * d.m, sigmaSums.data() + b, row.data(),
                                                          d.m, r0, r1);
      }
    }
    double ds = 0.0;
    for (int64_t b = 0; b < blocks; ++b) ds += sigmaSums[b];
    for (int64_t j = 0; j < d.m; ++j) {
      double c = 0.0;
      for (int64_t b = 0; b < blocks; ++b) c += colSums[b * d.m + j];
      dyy[j] = static_cast<float>(-c);
    }
    dSigma[0] = static_cast<float>(ds * inv);
    return info.Env().Undefined();
  });
}

}  // namespace robustjs
