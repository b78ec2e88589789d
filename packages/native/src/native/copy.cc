// Concatenation and splitting along one axis (tfjs's Concat and SplitV on float32): a tensor seen as
// [rows, width] with rows the product of the axes before the split axis; every part is a block of columns.
// Pure copies, so the results are bit for bit those of any other implementation; one thread (memory-bound,
// and the parts are small enough that waking a team costs more than it saves).
#include <cstring>
#include <string>
#include <vector>

#include "common.h"

namespace robustjs {

namespace {

/** A JavaScript array of Float32Arrays, the i-th holding at least rows · widths[i] floats. */
std::vector<float*> FloatArraysArg(const Napi::CallbackInfo& info, size_t index, const std::vector<int64_t>& widths,
                                   int64_t rows, const char* name, const char* fn) {
  Napi::Value v = info[index];
  const std::string where = std::string("argument '") + name + "' of '" + fn + "'";
  if (!v.IsArray()) throw Napi::TypeError::New(info.Env(), "robustjs native: " + where + " must be an array of Float32Arrays");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != widths.size()) {
    throw Napi::RangeError::New(info.Env(), "robustjs native: " + where + " must have " + std::to_string(widths.size()) +
                                                " entries (one per width), got " + std::to_string(a.Length()));
  }
  std::vector<float*> out;
  out.reserve(widths.size());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(info.Env(), "robustjs native: entry " + std::to_string(i) + " of " + where + " must be a Float32Array");
    }
    Napi::Float32Array f = e.As<Napi::Float32Array>();
    const size_t need = static_cast<size_t>(rows * widths[i]);
    if (f.ElementLength() < need) {
      throw Napi::RangeError::New(info.Env(), "robustjs native: entry " + std::to_string(i) + " of " + where + " must hold at least " +
                                                  std::to_string(need) + " floats, got " + std::to_string(f.ElementLength()));
    }
    out.push_back(f.Data());
  }
  return out;
}

/** rows ≥ 1 and every width ≥ 1; returns their sum. */
int64_t CheckedTotal(const Napi::Env& env, int64_t rows, const std::vector<int64_t>& widths, const char* fn) {
  if (rows < 1 || widths.empty()) throw Napi::RangeError::New(env, std::string("robustjs native: '") + fn + "' needs rows >= 1 and one width or more");
  int64_t total = 0;
  for (int64_t w : widths) {
    if (w < 1) throw Napi::RangeError::New(env, std::string("robustjs native: '") + fn + "' needs every width >= 1");
    total += w;
  }
  return total;
}

}  // namespace

// concatColumns(parts, out, rows, widths) -> undefined: out[r, :] = parts[0][r, :] ‖ parts[1][r, :] ‖ …
Napi::Value ConcatColumns(const Napi::CallbackInfo& info) {
  const char* fn = "concatColumns";
  return Guard(info, fn, [&]() -> Napi::Value {
    const int64_t rows = IntArg(info, 2, "rows", fn);
    const std::vector<int64_t> widths = IntsArg(info, 3, 0, "widths", fn);
    const int64_t total = CheckedTotal(info.Env(), rows, widths, fn);
    const std::vector<float*> parts = FloatArraysArg(info, 0, widths, rows, "parts", fn);
    float* out = FloatArg(info, 1, static_cast<size_t>(rows * total), "out", fn);
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = out + r * total;
      for (size_t i = 0; i < parts.size(); ++i) {
        const int64_t w = widths[i];
        std::memcpy(dst, parts[i] + r * w, static_cast<size_t>(w) * sizeof(float));
        dst += w;
      }
    }
    return info.Env().Undefined();
  });
}

// splitColumns(x, parts, rows, widths) -> undefined: parts[i][r, :] = the i-th block of widths[i] columns of x[r, :]
Napi::Value SplitColumns(const Napi::CallbackInfo& info) {
  const char* fn = "splitColumns";
  return Guard(info, fn, [&]() -> Napi::Value {
    const int64_t rows = IntArg(info, 2, "rows", fn);
    const std::vector<int64_t> widths = IntsArg(info, 3, 0, "widths", fn);
    const int64_t total = CheckedTotal(info.Env(), rows, widths, fn);
    const float* x = FloatArg(info, 0, static_cast<size_t>(rows * total), "x", fn);
    const std::vector<float*> parts = FloatArraysArg(info, 1, widths, rows, "parts", fn);
    for (int64_t r = 0; r < rows; ++r) {
      const float* src = x + r * total;
      for (size_t i = 0; i < parts.size(); ++i) {
        const int64_t w = widths[i];
        std::memcpy(parts[i] + r * w, src, static_cast<size_t>(w) * sizeof(float));
        src += w;
      }
    }
    return info.Env().Undefined();
  });
}

}  // namespace robustjs
