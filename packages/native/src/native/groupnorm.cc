// Group normalization over NHWC float32 tensors, optionally fused with SiLU, forward and backward, in
// plain C++ with OpenMP (oneDNN 2.6 has no group normalization primitive). Memory-bound: every pass
// walks the tensor contiguously, one image per OpenMP iteration, statistics accumulated in double.
// Results do not depend on the thread count: each image is reduced by one thread in a fixed order, and
// the parameter gradients are summed over images in index order.
//
// Shapes: x, y, dy, dx [n, hw, c] (any NHWC tensor seen as [n, h·w, c]); gamma, beta [c]; groups divide c.
// Forward: a = (x − mean_g) · rstd_g · gamma_c + beta_c; y = silu ? a · sigmoid(a) : a.
// Backward (da = dy · silu'(a) or dy; x̂ = (x − mean_g) · rstd_g; M = hw · c/groups):
//   dbeta_c = Σ da, dgamma_c = Σ da · x̂,
//   dx = rstd_g · (da · gamma_c − (1/M) Σ_g da · gamma − x̂ · (1/M) Σ_g da · gamma · x̂).
#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"

// element-wise loops over channels: let GCC vectorize them fully (the addon builds with -O2; without
// trapping math the clamps and selects if-convert, so the SiLU loops vectorize)
#pragma GCC optimize("O3", "no-trapping-math")

#include "fastexp.h"

namespace robustjs {

namespace {

struct Dims {
  int64_t n, hw, c, groups, cg;
};

Dims DimsArg(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  std::vector<int64_t> d = IntsArg(info, index, 4, "dims", fn);
  const int64_t n = d[0], hw = d[1], c = d[2], g = d[3];
  if (n < 1 || hw < 1 || c < 1 || g < 1 || c % g != 0) {
    throw Napi::RangeError::New(info.Env(), std::string("robustjs native: argument 'dims' of '") + fn +
                                                "' must be [n, hw, c, groups], all >= 1 with groups dividing c");
  }
  return {n, hw, c, g, c / g};
}

__attribute__((always_inline)) inline float Sigmoid(float a) { return 1.f / (1.f + FastExp(-a)); }

/** Per-group mean and 1/sqrt(var + eps) of one image [hw, c], from per-channel sums in double. */
void ImageStats(const float* x, const Dims& d, double eps, double* chanSum, double* chanSq, float* mean, float* rstd) {
  for (int64_t ch = 0; ch < d.c; ++ch) chanSum[ch] = chanSq[ch] = 0.0;
  for (int64_t p = 0; p < d.hw; ++p) {
    const float* row = x + p * d.c;
    for (int64_t ch = 0; ch < d.c; ++ch) {
      const double v = row[ch];
      chanSum[ch] += v;
      chanSq[ch] += v * v;
    }
  }
  const double m = static_cast<double>(d.hw * d.cg);
  for (int64_t g = 0; g < d.groups; ++g) {
    double s = 0.0, q = 0.0;
    for (int64_t j = 0; j < d.cg; ++j) {
      s += chanSum[g * d.cg + j];
      q += chanSq[g * d.cg + j];
    }
    const double mu = s / m;
    const double var = std::max(q / m - mu * mu, 0.0);
    mean[g] = static_cast<float>(mu);
    rstd[g] = static_cast<float>(1.0 / std::sqrt(var + eps));
  }
}

/** Per-thread scratch of the per-image passes. */
struct Scratch {
  explicit Scratch(const Dims& d)
      : sum(d.c), sq(d.c), s1(d.c), s2(d.c), mean(d.groups), rstd(d.groups), scale(d.c), ca(d.c), cb(d.c), cc(d.c), mc(d.c), rc(d.c) {}
  std::vector<double> sum, sq, s1, s2;
  std::vector<float> mean, rstd, scale, ca, cb, cc, mc, rc;
};

// The per-image passes are inlined into two entry points, one compiled for AVX2 + FMA and one for the
// baseline ISA; the CPU picks once (about 3× faster SiLU on an AVX2 machine than the baseline's SSE2).
#define ROBUSTJS_INLINE __attribute__((always_inline)) inline

/** Forward of one image [hw, c]. */
ROBUSTJS_INLINE void ForwardImage(const float* xi, float* yi, const Dims& d, double eps, const float* gamma, const float* beta, bool silu,
                                  Scratch& w) {
  ImageStats(xi, d, eps, w.sum.data(), w.sq.data(), w.mean.data(), w.rstd.data());
  for (int64_t ch = 0; ch < d.c; ++ch) {
    const int64_t g = ch / d.cg;
    w.scale[ch] = w.rstd[g] * gamma[ch];
    w.mc[ch] = w.mean[g];
  }
  const float* sc = w.scale.data();
  const float* pm = w.mc.data();
  for (int64_t p = 0; p < d.hw; ++p) {
    const float* xr = xi + p * d.c;
    float* yr = yi + p * d.c;
    if (silu) {
#pragma omp simd
      for (int64_t ch = 0; ch < d.c; ++ch) {
        const float a = (xr[ch] - pm[ch]) * sc[ch] + beta[ch];
        yr[ch] = a * Sigmoid(a);
      }
    } else {
#pragma omp simd
      for (int64_t ch = 0; ch < d.c; ++ch) yr[ch] = (xr[ch] - pm[ch]) * sc[ch] + beta[ch];
    }
  }
}

/** Backward of one image: dx [hw, c], and the per-channel sums Σ da → partDb, Σ da·x̂ → partDg. */
ROBUSTJS_INLINE void BackwardImage(const float* xi, const float* dyi, float* dxi, double* partDb, double* partDg, const Dims& d, double eps,
                                   const float* gamma, const float* beta, bool silu, Scratch& w) {
  ImageStats(xi, d, eps, w.sum.data(), w.sq.data(), w.mean.data(), w.rstd.data());
  for (int64_t ch = 0; ch < d.c; ++ch) {
    const int64_t g = ch / d.cg;
    w.scale[ch] = w.rstd[g] * gamma[ch];
    w.mc[ch] = w.mean[g];
    w.rc[ch] = w.rstd[g];
    w.s1[ch] = w.s2[ch] = 0.0;
  }
  const float* sc = w.scale.data();
  const float* pm = w.mc.data();
  const float* pr = w.rc.data();
  double* s1 = w.s1.data();
  double* s2 = w.s2.data();
  // pass 1: da into dx; per-channel Σ da and Σ da·x̂ (x̂ = (x − mean)·rstd)
  for (int64_t p = 0; p < d.hw; ++p) {
    const float* xr = xi + p * d.c;
    const float* dyr = dyi + p * d.c;
    float* dar = dxi + p * d.c;
    if (silu) {
#pragma omp simd
      for (int64_t ch = 0; ch < d.c; ++ch) {
        const float a = (xr[ch] - pm[ch]) * sc[ch] + beta[ch];
        const float sg = Sigmoid(a);
        dar[ch] = dyr[ch] * (sg * (1.f + a * (1.f - sg)));
      }
    } else {
#pragma omp simd
      for (int64_t ch = 0; ch < d.c; ++ch) dar[ch] = dyr[ch];
    }
    for (int64_t ch = 0; ch < d.c; ++ch) {
      s1[ch] += dar[ch];
      s2[ch] += static_cast<double>(dar[ch] * ((xr[ch] - pm[ch]) * pr[ch]));
    }
  }
  for (int64_t ch = 0; ch < d.c; ++ch) {
    partDb[ch] = s1[ch];
    partDg[ch] = s2[ch];
  }
  // dx = rstd·γ·da − rstd·A_g/M − rstd²·(x − mean)·B_g/M with A_g = Σ_g γ·da, B_g = Σ_g γ·da·x̂,
  // as per-channel coefficients: dx = ca_c·da + cb_c·(x − mean_c) + cc_c
  const double m = static_cast<double>(d.hw * d.cg);
  for (int64_t g = 0; g < d.groups; ++g) {
    double a = 0.0, b = 0.0;
    for (int64_t j = 0; j < d.cg; ++j) {
      const int64_t ch = g * d.cg + j;
      a += gamma[ch] * s1[ch];
      b += gamma[ch] * s2[ch];
    }
    const double r = w.rstd[g];
    for (int64_t j = 0; j < d.cg; ++j) {
      const int64_t ch = g * d.cg + j;
      w.ca[ch] = static_cast<float>(r * gamma[ch]);
      w.cb[ch] = static_cast<float>(-r * r * b / m);
      w.cc[ch] = static_cast<float>(-r * a / m);
    }
  }
  const float* pa = w.ca.data();
  const float* pb = w.cb.data();
  const float* pc = w.cc.data();
  for (int64_t p = 0; p < d.hw; ++p) {
    const float* xr = xi + p * d.c;
    float* dr = dxi + p * d.c;
#pragma omp simd
    for (int64_t ch = 0; ch < d.c; ++ch) dr[ch] = pa[ch] * dr[ch] + pb[ch] * (xr[ch] - pm[ch]) + pc[ch];
  }
}

#define ROBUSTJS_FORWARD_ARGS const float* xi, float* yi, const Dims& d, double eps, const float* gamma, const float* beta, bool silu, Scratch& w
#define ROBUSTJS_BACKWARD_ARGS                                                                                                \
  const float *xi, const float *dyi, float *dxi, double *partDb, double *partDg, const Dims &d, double eps, const float *gamma, \
      const float *beta, bool silu, Scratch &w
__attribute__((noinline, target("avx2,fma"))) void ForwardImageAvx2(ROBUSTJS_FORWARD_ARGS) { ForwardImage(xi, yi, d, eps, gamma, beta, silu, w); }
__attribute__((noinline)) void ForwardImageBase(ROBUSTJS_FORWARD_ARGS) { ForwardImage(xi, yi, d, eps, gamma, beta, silu, w); }
__attribute__((noinline, target("avx2,fma"))) void BackwardImageAvx2(ROBUSTJS_BACKWARD_ARGS) {
  BackwardImage(xi, dyi, dxi, partDb, partDg, d, eps, gamma, beta, silu, w);
}
__attribute__((noinline)) void BackwardImageBase(ROBUSTJS_BACKWARD_ARGS) { BackwardImage(xi, dyi, dxi, partDb, partDg, d, eps, gamma, beta, silu, w); }

const bool kAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

}  // namespace

// groupNormForward(x, gamma, beta, y, [n, hw, c, groups], eps, silu)
Napi::Value GroupNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "groupNormForward";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    const Dims d = DimsArg(info, 4, fn);
    const size_t total = static_cast<size_t>(d.n * d.hw * d.c);
    const float* x = FloatArg(info, 0, total, "x", fn);
    const float* gamma = FloatArg(info, 1, static_cast<size_t>(d.c), "gamma", fn);
    const float* beta = FloatArg(info, 2, static_cast<size_t>(d.c), "beta", fn);
    float* y = FloatArg(info, 3, total, "y", fn);
    const double eps = NumberArg(info, 5, "eps", fn);
    const bool silu = info[6].ToBoolean().Value();
    UseThreads(s, 12.0 * static_cast<double>(total));
#pragma omp parallel
    {
      FlushDenormals ftz;
      Scratch w(d);
#pragma omp for schedule(static)
      for (int64_t i = 0; i < d.n; ++i) {
        const int64_t o = i * d.hw * d.c;
        (kAvx2 ? ForwardImageAvx2 : ForwardImageBase)(x + o, y + o, d, eps, gamma, beta, silu, w);
      }
    }
    return info.Env().Undefined();
  });
}

// groupNormBackward(x, gamma, beta, dy, dx, dParams [2c: dgamma then dbeta], [n, hw, c, groups], eps, silu)
Napi::Value GroupNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "groupNormBackward";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    const Dims d = DimsArg(info, 6, fn);
    const size_t total = static_cast<size_t>(d.n * d.hw * d.c);
    const float* x = FloatArg(info, 0, total, "x", fn);
    const float* gamma = FloatArg(info, 1, static_cast<size_t>(d.c), "gamma", fn);
    const float* beta = FloatArg(info, 2, static_cast<size_t>(d.c), "beta", fn);
    const float* dy = FloatArg(info, 3, total, "dy", fn);
    float* dx = FloatArg(info, 4, total, "dx", fn);
    float* dParams = FloatArg(info, 5, static_cast<size_t>(2 * d.c), "dParams", fn);
    const double eps = NumberArg(info, 7, "eps", fn);
    const bool silu = info[8].ToBoolean().Value();
    // per-image partial sums of da (→ dbeta) and da·x̂ (→ dgamma), reduced over images in order below
    std::vector<double> partDb(static_cast<size_t>(d.n * d.c)), partDg(static_cast<size_t>(d.n * d.c));
    UseThreads(s, 30.0 * static_cast<double>(total));
#pragma omp parallel
    {
      FlushDenormals ftz;
      Scratch w(d);
#pragma omp for schedule(static)
      for (int64_t i = 0; i < d.n; ++i) {
        const int64_t o = i * d.hw * d.c;
        (kAvx2 ? BackwardImageAvx2 : BackwardImageBase)(x + o, dy + o, dx + o, partDb.data() + i * d.c, partDg.data() + i * d.c, d, eps, gamma,
                                                      beta, silu, w);
      }
    }
    for (int64_t ch = 0; ch < d.c; ++ch) {
      double g = 0.0, b = 0.0;
      for (int64_t i = 0; i < d.n; ++i) {
        g += partDg[i * d.c + ch];
        b += partDb[i * d.c + ch];
      }
      dParams[ch] = static_cast<float>(g);
      dParams[d.c + ch] = static_cast<float>(b);
    }
    return info.Env().Undefined();
  });
}

}  // namespace robustjs
