// A vectorizable float exp shared by the element-wise kernels (std::exp is a scalar libm call that stops GCC
// from vectorizing a loop). Include after common.h, in files compiled with "no-trapping-math" (see groupnorm.cc).
#pragma once

#include <cstdint>
#include <cstring>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace robustjs {

/**
 * exp(x) for float, written so that loops over it vectorize (std::exp is a scalar call): Cody–Waite range
 * reduction x = n·ln2 + r, |r| ≤ ln2/2, Cephes' degree-6 polynomial for exp(r) (relative error about 2e-7),
 * 2^n assembled in the exponent bits. Inputs are clamped to [−87, 88] (results 1.6e−38 … 1.7e38).
 */
__attribute__((always_inline)) inline float FastExp(float x) {
  x = x < -87.f ? -87.f : (x > 88.f ? 88.f : x);
  // round(x·log2 e) by the 1.5·2^23 trick (no libm call, vectorizes on SSE2); its low bits hold n
  const float shifted = x * 1.44269504088896341f + 12582912.f;
  const float n = shifted - 12582912.f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  int32_t nbits;
  std::memcpy(&nbits, &shifted, sizeof nbits);
  const int32_t bits = (nbits - 0x4B400000 + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/**
 * Flush-to-zero and denormals-are-zero for the calling thread while alive; restores its MXCSR on destruction.
 * Vectorized loops over FastExp compute every branch of a select in every lane (GCC turns the clamps into blends
 * of the results), and a discarded lane multiplies by a denormal constant, which costs a microcode assist per
 * instruction on x86 (measured: the SiLU forward of GroupNorm 5.7× slower). The selected results are normal
 * floats, so this changes no value a caller reads unless an input or a result is itself denormal (below 1.2e-38):
 * such a value is read or written as zero. Construct one per OpenMP thread.
 */
struct FlushDenormals {
#if defined(__x86_64__) || defined(__i386__)
  FlushDenormals() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040u); }
  ~FlushDenormals() { _mm_setcsr(saved); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
  unsigned saved;
#endif
};

}  // namespace robustjs
