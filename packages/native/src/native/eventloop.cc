// robustjs_eventloop: one call that runs Node's event loop once from inside synchronous JavaScript.
//
// WebGPU has no synchronous read of a GPU buffer, and Dawn for Node (the `webgpu` package)
// completes `GPUBuffer.mapAsync` only from a `setImmediate` callback on the main thread. tfjs's
// `dataSync()` is synchronous, so @robustjs/core's webgpu read in Node calls `runOnce()` until the
// staging buffer reports `mapState === 'mapped'`. Plain N-API and libuv (no oneDNN), so it is its
// own small target.
#include <node_api.h>
#include <uv.h>

static napi_value RunOnce(napi_env env, napi_callback_info /*info*/) {
  uv_loop_t* loop = nullptr;
  napi_value result = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    napi_throw_error(env, nullptr, "robustjs eventloop: napi_get_uv_event_loop failed");
    return nullptr;
  }
  // UV_RUN_ONCE: run due timers, I/O and immediates once, blocking for I/O only when nothing is
  // due.
  const int alive = uv_run(loop, UV_RUN_ONCE);
  napi_get_boolean(env, alive != 0, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn = nullptr;
  napi_create_function(env, "runOnce", NAPI_AUTO_LENGTH, RunOnce, nullptr, &fn);
  napi_set_named_property(env, exports, "runOnce", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
