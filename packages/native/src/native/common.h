// Shared state of the robustjs oneDNN addon: one CPU engine and stream, an LRU cache of primitives
// keyed by shape and attributes, and grow-only aligned scratch buffers. JavaScript calls into the
// addon from one thread only (the main thread of the process or of one worker: every worker loads its
// own instance of the module state through napi instance data), so none of this needs locks.
#pragma once

#include <napi.h>
#include <pthread.h>
#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace robustjs {

/** tfjs activation names, as the TypeScript side encodes them. */
enum Activation : int {
  kLinear = 0,
  kRelu = 1,
  kRelu6 = 2,
  kElu = 3,
  kLeakyRelu = 4,
  kSigmoid = 5,
  kPrelu = 6,
};

/** A cached primitive with everything needed to run it (subclassed per operation). */
struct Entry {
  virtual ~Entry() = default;
};

/** Least-recently-used cache of primitives. */
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<Entry> Get(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses_;
      return nullptr;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  void Put(const std::string& key, std::shared_ptr<Entry> entry) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
    order_.emplace_front(key, std::move(entry));
    index_[key] = order_.begin();
    Trim();
  }

  void SetCapacity(size_t capacity) {
    capacity_ = capacity;
    Trim();
  }

  void Clear() {
    order_.clear();
    index_.clear();
  }

  size_t Size() const { return order_.size(); }
  size_t Capacity() const { return capacity_; }
  uint64_t Hits() const { return hits_; }
  uint64_t Misses() const { return misses_; }

 private:
  void Trim() {
    while (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  size_t capacity_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  std::list<std::pair<std::string, std::shared_ptr<Entry>>> order_;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::shared_ptr<Entry>>>::iterator> index_;
};

/** A grow-only, 64-byte aligned byte buffer (oneDNN scratchpads and reordered weights). */
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { Release(); }

  void* Get(size_t bytes);
  void Release();
  size_t Capacity() const { return capacity_; }

 private:
  void* data_ = nullptr;
  size_t capacity_ = 0;
};

/** Per-instance state of the addon. */
struct State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  LruCache cache{256};
  Buffer scratchpad;
  /** Staging buffers for operands reordered into or out of the primitive's preferred layout. */
  Buffer staging[3];
  /**
   * Memory formats handed to oneDNN: 0 = the tfjs layouts (nhwc, hwio) everywhere, 1 = weights in the
   * primitive's preferred layout (reordered per call), 2 = every operand in its preferred layout.
   */
  int layout = 1;
  /** Threads for large problems (setNumThreads; default: OMP_NUM_THREADS, else every core). */
  int threads = 1;
  /**
   * Problems below this many FLOPs run on one thread: waking and joining the OpenMP team costs more than
   * the split gains there, and much more when another process holds a core (a descheduled team member
   * stalls the whole call).
   */
  double parallelMinFlops = 8e6;
};

/** Threads for a problem of `flops` FLOPs; also sets the OpenMP team size for the calls that follow. */
int UseThreads(State& s, double flops);

State& GetState(const Napi::Env& env);

/** The data of a Float32Array argument, checked to hold at least `count` elements. */
float* FloatArg(const Napi::CallbackInfo& info, size_t index, size_t count, const char* name, const char* fn);

/** Like FloatArg, but `null` / `undefined` give nullptr. */
float* OptionalFloatArg(const Napi::CallbackInfo& info, size_t index, size_t count, const char* name, const char* fn);

/** A JavaScript array of integers. */
std::vector<int64_t> IntsArg(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* name, const char* fn);

int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* fn);
double NumberArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* fn);

/**
 * Appends the post-ops of a tfjs fused activation; returns false for an unknown code. prelu appends
 * nothing: oneDNN 2.6 runs a prelu post-op only in its reference (slow) implementations, so the slopes
 * are applied afterwards by ApplyPrelu.
 */
bool AppendActivation(dnnl::post_ops& ops, int activation, float leakyAlpha);

/** out[i] = out[i] < 0 ? out[i] * alpha[i % count] : out[i], for slopes along the last dimension. */
void ApplyPrelu(float* out, size_t size, const float* alpha, size_t count);

/**
 * Blocks the asynchronous signals on this thread for its lifetime (pending ones are delivered when it ends).
 * oneDNN 2.6's jit gemm keeps data below the stack pointer: a signal handled while it runs (node --cpu-prof sends
 * SIGPROF about once per millisecond; an empty handler is enough) overwrites that data and the process aborts with
 * a corrupted heap. Reproduced without node, with oneDNN and setitimer alone; blocking the signals around the
 * call removes it. The OpenMP threads a kernel starts inherit the mask, so they never take such signals either.
 * Synchronous faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT) stay unblocked.
 */
class AsyncSignalBlock {
 public:
  AsyncSignalBlock() {
    sigset_t block;
    sigfillset(&block);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&block, sig);
    active_ = pthread_sigmask(SIG_BLOCK, &block, &previous_) == 0;
  }
  ~AsyncSignalBlock() {
    if (active_) pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  AsyncSignalBlock(const AsyncSignalBlock&) = delete;
  AsyncSignalBlock& operator=(const AsyncSignalBlock&) = delete;

 private:
  sigset_t previous_;
  bool active_ = false;
};

/**
 * Runs `fn` with the asynchronous signals blocked (see AsyncSignalBlock), turning oneDNN and C++ exceptions into
 * JavaScript errors.
 */
template <typename Fn>
Napi::Value Guard(const Napi::CallbackInfo& info, const char* fn, Fn&& body) {
  const AsyncSignalBlock block;
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("robustjs native ") + fn + ": oneDNN error " +
                                           std::to_string(static_cast<int>(e.status)) + ": " + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("robustjs native ") + fn + ": " + e.what());
  }
}

Napi::Value Conv2dForward(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info);
Napi::Value MatMul(const Napi::CallbackInfo& info);
Napi::Value GroupNormForward(const Napi::CallbackInfo& info);
Napi::Value GroupNormBackward(const Napi::CallbackInfo& info);
Napi::Value GaussianGramForward(const Napi::CallbackInfo& info);
Napi::Value GaussianGramBackward(const Napi::CallbackInfo& info);
Napi::Value RowReduce(const Napi::CallbackInfo& info);
Napi::Value ConcatColumns(const Napi::CallbackInfo& info);
Napi::Value SplitColumns(const Napi::CallbackInfo& info);
Napi::Value BroadcastAdd(const Napi::CallbackInfo& info);
Napi::Value StridedSum(const Napi::CallbackInfo& info);

}  // namespace robustjs
