// Entry point of the robustjs oneDNN addon: module state, argument helpers, threading and cache control.
#include <omp.h>

#include <cstdlib>
#include <new>
#include <stdexcept>

#include "common.h"

namespace robustjs {

void* Buffer::Get(size_t bytes) {
  if (bytes <= capacity_ && data_ != nullptr) return data_;
  Release();
  size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;
  data_ = std::aligned_alloc(64, rounded);
  if (data_ == nullptr) throw std::bad_alloc();
  capacity_ = rounded;
  return data_;
}

void Buffer::Release() {
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
}

State& GetState(const Napi::Env& env) { return *env.GetInstanceData<State>(); }

int UseThreads(State& s, double flops) {
  const int n = flops < s.parallelMinFlops ? 1 : s.threads;
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
  return n;
}

static std::string Where(const char* name, const char* fn) {
  return std::string("argument '") + name + "' of '" + fn + "'";
}

float* FloatArg(const Napi::CallbackInfo& info, size_t index, size_t count, const char* name, const char* fn) {
  Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must be a Float32Array");
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (a.ElementLength() < count) {
    throw Napi::RangeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must hold at least " +
                                                std::to_string(count) + " floats, got " +
                                                std::to_string(a.ElementLength()));
  }
  return a.Data();
}

float* OptionalFloatArg(const Napi::CallbackInfo& info, size_t index, size_t count, const char* name, const char* fn) {
  Napi::Value v = info[index];
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return FloatArg(info, index, count, name, fn);
}

int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* fn) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

double NumberArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* fn) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::vector<int64_t> IntsArg(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* name, const char* fn) {
  Napi::Value v = info[index];
  if (!v.IsArray()) throw Napi::TypeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  if (expected != 0 && a.Length() != expected) {
    throw Napi::RangeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must have " + std::to_string(expected) +
                                                " entries, got " + std::to_string(a.Length()));
  }
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must hold only numbers");
    int64_t x = e.As<Napi::Number>().Int64Value();
    if (x < 0) throw Napi::RangeError::New(info.Env(), "robustjs native: " + Where(name, fn) + " must hold non-negative integers");
    out[i] = x;
  }
  return out;
}

void ApplyPrelu(float* out, size_t size, const float* alpha, size_t count) {
  const int64_t n = static_cast<int64_t>(size);
  if (count == 1) {
    const float a = alpha[0];
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) out[i] = out[i] < 0.f ? out[i] * a : out[i];
    return;
  }
  const int64_t rows = n / static_cast<int64_t>(count);
  const int64_t c = static_cast<int64_t>(count);
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    float* row = out + r * c;
    for (int64_t j = 0; j < c; ++j) row[j] = row[j] < 0.f ? row[j] * alpha[j] : row[j];
  }
}

bool AppendActivation(dnnl::post_ops& ops, int activation, float leakyAlpha) {
  using dnnl::algorithm;
  switch (activation) {
    case kLinear:
      return true;
    case kRelu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      return true;
    case kRelu6:
      ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
      return true;
    case kElu:
      ops.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f);
      return true;
    case kLeakyRelu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, leakyAlpha, 0.f);
      return true;
    case kSigmoid:
      ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f);
      return true;
    case kPrelu:
      return true;
    default:
      return false;
  }
}

static const char* IsaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

static Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State& s = GetState(env);
  const dnnl_version_t* v = dnnl_version();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("runtime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "tbb" : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "seq" : "other");
  o.Set("isa", IsaName(dnnl::get_effective_cpu_isa()));
  o.Set("threads", s.threads);
  o.Set("parallelMinFlops", s.parallelMinFlops);
  o.Set("cacheSize", static_cast<double>(s.cache.Size()));
  o.Set("cacheCapacity", static_cast<double>(s.cache.Capacity()));
  o.Set("cacheHits", static_cast<double>(s.cache.Hits()));
  o.Set("cacheMisses", static_cast<double>(s.cache.Misses()));
  o.Set("bufferBytes", static_cast<double>(s.scratchpad.Capacity() + s.staging[0].Capacity() + s.staging[1].Capacity() +
                                           s.staging[2].Capacity()));
  o.Set("layout", s.layout);
  return o;
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = IntArg(info, 0, "threads", "setNumThreads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'threads' of 'setNumThreads' must be >= 1");
  State& s = GetState(info.Env());
  s.threads = static_cast<int>(n);
  omp_set_num_threads(s.threads);
  return Napi::Number::New(info.Env(), s.threads);
}

static Napi::Value SetCacheCapacity(const Napi::CallbackInfo& info) {
  int64_t n = IntArg(info, 0, "capacity", "setCacheCapacity");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'capacity' of 'setCacheCapacity' must be >= 1");
  GetState(info.Env()).cache.SetCapacity(static_cast<size_t>(n));
  return info.Env().Undefined();
}

static Napi::Value SetParallelMinFlops(const Napi::CallbackInfo& info) {
  double v = NumberArg(info, 0, "flops", "setParallelMinFlops");
  if (!(v >= 0)) throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'flops' of 'setParallelMinFlops' must be >= 0");
  GetState(info.Env()).parallelMinFlops = v;
  return info.Env().Undefined();
}

static Napi::Value SetLayout(const Napi::CallbackInfo& info) {
  int64_t n = IntArg(info, 0, "layout", "setLayout");
  if (n < 0 || n > 2) throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'layout' of 'setLayout' must be 0, 1 or 2");
  GetState(info.Env()).layout = static_cast<int>(n);
  return info.Env().Undefined();
}

static Napi::Value ClearCache(const Napi::CallbackInfo& info) {
  State& s = GetState(info.Env());
  s.cache.Clear();
  s.scratchpad.Release();
  for (Buffer& b : s.staging) b.Release();
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  State* state = new State();
  env.SetInstanceData<State>(state);
  // Debian's libdnnl uses the OpenMP runtime: one team, as many threads as cores unless told otherwise.
  const char* omp = std::getenv("OMP_NUM_THREADS");
  state->threads = (omp == nullptr || *omp == '\0') ? omp_get_num_procs() : omp_get_max_threads();
  omp_set_num_threads(state->threads);
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("setCacheCapacity", Napi::Function::New(env, SetCacheCapacity, "setCacheCapacity"));
  exports.Set("setParallelMinFlops", Napi::Function::New(env, SetParallelMinFlops, "setParallelMinFlops"));
  exports.Set("setLayout", Napi::Function::New(env, SetLayout, "setLayout"));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache, "clearCache"));
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2dBackwardData, "conv2dBackwardData"));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, Conv2dBackwardWeights, "conv2dBackwardWeights"));
  exports.Set("matMul", Napi::Function::New(env, MatMul, "matMul"));
  exports.Set("groupNormForward", Napi::Function::New(env, GroupNormForward, "groupNormForward"));
  exports.Set("groupNormBackward", Napi::Function::New(env, GroupNormBackward, "groupNormBackward"));
  exports.Set("gaussianGramForward", Napi::Function::New(env, GaussianGramForward, "gaussianGramForward"));
  exports.Set("gaussianGramBackward", Napi::Function::New(env, GaussianGramBackward, "gaussianGramBackward"));
  exports.Set("rowReduce", Napi::Function::New(env, RowReduce, "rowReduce"));
  exports.Set("concatColumns", Napi::Function::New(env, ConcatColumns, "concatColumns"));
  exports.Set("splitColumns", Napi::Function::New(env, SplitColumns, "splitColumns"));
  exports.Set("broadcastAdd", Napi::Function::New(env, BroadcastAdd, "broadcastAdd"));
  exports.Set("stridedSum", Napi::Function::New(env, StridedSum, "stridedSum"));
  return exports;
}

}  // namespace robustjs

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return robustjs::Init(env, exports); }

NODE_API_MODULE(robustjs_native, InitModule)
