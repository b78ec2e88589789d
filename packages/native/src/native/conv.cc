// 2-D convolution on NHWC float32 activations and HWIO ([KH,KW,Ci,Co], tfjs's layout) filters:
// forward with optional bias and fused activation, backward data (input gradient) and backward weights
// (filter gradient). Operands are read and written in place; when the primitive prefers another layout
// (see State::layout) they are reordered through staging buffers.
#include <sstream>

#include "common.h"

namespace robustjs {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

/** n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw (tfjs dilation: 1 = none), pt, pl, pb, pr. */
struct ConvParams {
  int64_t n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;

  static ConvParams From(const std::vector<int64_t>& p) {
    return {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16]};
  }
  size_t XSize() const { return static_cast<size_t>(n * ih * iw * ic); }
  size_t WSize() const { return static_cast<size_t>(kh * kw * ic * oc); }
  size_t YSize() const { return static_cast<size_t>(n * oh * ow * oc); }
  memory::dims XDims() const { return {n, ic, ih, iw}; }
  memory::dims WDims() const { return {oc, ic, kh, kw}; }
  memory::dims YDims() const { return {n, oc, oh, ow}; }
  memory::dims Strides() const { return {sh, sw}; }
  memory::dims Dilations() const { return {dh - 1, dw - 1}; }
  memory::dims PadL() const { return {pt, pl}; }
  memory::dims PadR() const { return {pb, pr}; }

  double Flops() const { return 2.0 * static_cast<double>(n * oh * ow * oc) * static_cast<double>(kh * kw * ic); }

  std::string Key(const char* op, int layout, int threads) const {
    std::ostringstream k;
    k << op << ':' << layout << ":t" << threads;
    for (int64_t v : {n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr}) k << ',' << v;
    return k.str();
  }
};

ConvParams ParseParams(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  ConvParams p = ConvParams::From(IntsArg(info, index, 17, "params", fn));
  if (p.n < 1 || p.ih < 1 || p.iw < 1 || p.ic < 1 || p.kh < 1 || p.kw < 1 || p.oc < 1 || p.oh < 1 || p.ow < 1 || p.sh < 1 ||
      p.sw < 1 || p.dh < 1 || p.dw < 1) {
    throw Napi::RangeError::New(info.Env(), std::string("robustjs native: argument 'params' of '") + fn +
                                                "' must hold positive sizes, strides and dilations");
  }
  // The output size oneDNN derives from these numbers must be the one tfjs computed.
  const int64_t ekh = (p.kh - 1) * p.dh + 1;
  const int64_t ekw = (p.kw - 1) * p.dw + 1;
  if ((p.ih - ekh + p.pt + p.pb) / p.sh + 1 != p.oh || (p.iw - ekw + p.pl + p.pr) / p.sw + 1 != p.ow) {
    throw Napi::RangeError::New(info.Env(), std::string("robustjs native: argument 'params' of '") + fn +
                                                "' gives an output size inconsistent with input, filter, strides and padding");
  }
  return p;
}

/** Memory format of an operand: the tfjs layout, or `any` when the layout mode lets oneDNN choose. */
memory::desc Md(const memory::dims& dims, tag plain, bool any) { return memory::desc(dims, dt::f32, any ? tag::any : plain); }

/** An operand's user memory and, when the primitive wants another layout, its reorder. */
struct Operand {
  memory::desc user;
  memory::desc prim;
  bool reorder = false;
  dnnl::reorder to_prim;    // inputs: user -> prim
  dnnl::reorder from_prim;  // outputs: prim -> user

  void Init(const dnnl::engine& eng, const memory::desc& user_md, const memory::desc& prim_md, bool input) {
    user = user_md;
    prim = prim_md;
    reorder = user_md != prim_md;
    if (!reorder) return;
    if (input) {
      to_prim = dnnl::reorder(dnnl::reorder::primitive_desc(eng, user_md, eng, prim_md));
    } else {
      from_prim = dnnl::reorder(dnnl::reorder::primitive_desc(eng, prim_md, eng, user_md));
    }
  }

  /** The memory to hand to the primitive for an input, reordering into `staging` if needed. */
  memory In(State& s, Buffer& staging, float* data) const {
    memory m(user, s.engine, data);
    if (!reorder) return m;
    memory p(prim, s.engine, staging.Get(prim.get_size()));
    to_prim.execute(s.stream, m, p);
    return p;
  }

  /** The memory the primitive writes an output into (a staging buffer if it must be reordered after). */
  memory Out(State& s, Buffer& staging, float* data) const {
    if (!reorder) return memory(user, s.engine, data);
    return memory(prim, s.engine, staging.Get(prim.get_size()));
  }

  void Finish(State& s, memory written, float* data) const {
    if (!reorder) return;
    memory m(user, s.engine, data);
    from_prim.execute(s.stream, written, m);
  }
};

dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

memory Scratchpad(State& s, const memory::desc& md) { return memory(md, s.engine, s.scratchpad.Get(md.get_size())); }

dnnl::convolution_forward::desc ForwardDesc(const ConvParams& p, bool withBias, int layout, dnnl::prop_kind kind) {
  const bool anyAct = layout == 2;
  const bool anyW = layout >= 1;
  if (withBias) {
    return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, Md(p.XDims(), tag::nhwc, anyAct),
                                           Md(p.WDims(), tag::hwio, anyW), memory::desc({p.oc}, dt::f32, tag::a),
                                           Md(p.YDims(), tag::nhwc, anyAct), p.Strides(), p.Dilations(), p.PadL(), p.PadR());
  }
  return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, Md(p.XDims(), tag::nhwc, anyAct),
                                         Md(p.WDims(), tag::hwio, anyW), Md(p.YDims(), tag::nhwc, anyAct), p.Strides(),
                                         p.Dilations(), p.PadL(), p.PadR());
}

struct ForwardEntry : Entry {
  dnnl::convolution_forward prim;
  Operand x, w, y;
  memory::desc scratch;
  std::string impl;
};

struct BackwardDataEntry : Entry {
  dnnl::convolution_backward_data prim;
  Operand dy, w, dx;
  memory::desc scratch;
  std::string impl;
};

struct BackwardWeightsEntry : Entry {
  dnnl::convolution_backward_weights prim;
  Operand x, dy, dw;
  memory::desc scratch;
  std::string impl;
};

memory::desc UserX(const ConvParams& p) { return memory::desc(p.XDims(), dt::f32, tag::nhwc); }
memory::desc UserW(const ConvParams& p) { return memory::desc(p.WDims(), dt::f32, tag::hwio); }
memory::desc UserY(const ConvParams& p) { return memory::desc(p.YDims(), dt::f32, tag::nhwc); }

}  // namespace

// conv2dForward(x, w, bias | null, preluAlpha | null, y, params[17], activation, leakyAlpha, preluSize) -> impl name
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dForward";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    ConvParams p = ParseParams(info, 5, fn);
    const int act = static_cast<int>(IntArg(info, 6, "activation", fn));
    const float leaky = static_cast<float>(NumberArg(info, 7, "leakyAlpha", fn));
    const int64_t preluSize = IntArg(info, 8, "preluSize", fn);
    if (act == kPrelu && preluSize != 1 && preluSize != p.oc) {
      throw Napi::RangeError::New(info.Env(), "robustjs native: argument 'preluSize' of 'conv2dForward' must be 1 or the channel count");
    }
    float* x = FloatArg(info, 0, p.XSize(), "x", fn);
    float* w = FloatArg(info, 1, p.WSize(), "filter", fn);
    float* bias = OptionalFloatArg(info, 2, static_cast<size_t>(p.oc), "bias", fn);
    float* alpha = act == kPrelu ? FloatArg(info, 3, static_cast<size_t>(preluSize), "preluAlpha", fn) : nullptr;
    float* y = FloatArg(info, 4, p.YSize(), "y", fn);
    std::ostringstream key;
    const int threads = UseThreads(s, p.Flops());
    key << p.Key("fwd", s.layout, threads) << "|b" << (bias != nullptr) << "|a" << (act == kPrelu ? kLinear : act) << ':' << leaky;
    auto entry = std::static_pointer_cast<ForwardEntry>(s.cache.Get(key.str()));
    if (!entry) {
      entry = std::make_shared<ForwardEntry>();
      dnnl::post_ops ops;
      if (!AppendActivation(ops, act, leaky)) {
        throw Napi::RangeError::New(info.Env(), "robustjs native: unknown activation code " + std::to_string(act));
      }
      dnnl::primitive_attr attr = UserScratchpad();
      attr.set_post_ops(ops);
      auto desc = ForwardDesc(p, bias != nullptr, s.layout, dnnl::prop_kind::forward_inference);
      dnnl::convolution_forward::primitive_desc pd(desc, attr, s.engine);
      entry->prim = dnnl::convolution_forward(pd);
      entry->x.Init(s.engine, UserX(p), pd.src_desc(), true);
      entry->w.Init(s.engine, UserW(p), pd.weights_desc(), true);
      entry->y.Init(s.engine, UserY(p), pd.dst_desc(), false);
      entry->scratch = pd.scratchpad_desc();
      entry->impl = pd.impl_info_str();
      s.cache.Put(key.str(), entry);
    }
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = entry->x.In(s, s.staging[0], x);
    args[DNNL_ARG_WEIGHTS] = entry->w.In(s, s.staging[1], w);
    if (bias != nullptr) args[DNNL_ARG_BIAS] = memory(memory::desc({p.oc}, dt::f32, tag::a), s.engine, bias);
    memory out = entry->y.Out(s, s.staging[2], y);
    args[DNNL_ARG_DST] = out;
    args[DNNL_ARG_SCRATCHPAD] = Scratchpad(s, entry->scratch);
    entry->prim.execute(s.stream, args);
    entry->y.Finish(s, out, y);
    s.stream.wait();
    if (act == kPrelu) ApplyPrelu(y, p.YSize(), alpha, static_cast<size_t>(preluSize));
    return Napi::String::New(info.Env(), entry->impl);
  });
}

// conv2dBackwardData(dy, w, dx, params[17]) -> impl name
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackwardData";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    ConvParams p = ParseParams(info, 3, fn);
    float* dy = FloatArg(info, 0, p.YSize(), "dy", fn);
    float* w = FloatArg(info, 1, p.WSize(), "filter", fn);
    float* dx = FloatArg(info, 2, p.XSize(), "dx", fn);
    const std::string key = p.Key("bwd_data", s.layout, UseThreads(s, p.Flops()));
    auto entry = std::static_pointer_cast<BackwardDataEntry>(s.cache.Get(key));
    if (!entry) {
      entry = std::make_shared<BackwardDataEntry>();
      const bool anyAct = s.layout == 2;
      const bool anyW = s.layout >= 1;
      dnnl::convolution_forward::primitive_desc hint(ForwardDesc(p, false, s.layout, dnnl::prop_kind::forward_training), s.engine);
      dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, Md(p.XDims(), tag::nhwc, anyAct),
                                                 Md(p.WDims(), tag::hwio, anyW), Md(p.YDims(), tag::nhwc, anyAct), p.Strides(),
                                                 p.Dilations(), p.PadL(), p.PadR());
      dnnl::convolution_backward_data::primitive_desc pd(desc, UserScratchpad(), s.engine, hint);
      entry->prim = dnnl::convolution_backward_data(pd);
      entry->dy.Init(s.engine, UserY(p), pd.diff_dst_desc(), true);
      entry->w.Init(s.engine, UserW(p), pd.weights_desc(), true);
      entry->dx.Init(s.engine, UserX(p), pd.diff_src_desc(), false);
      entry->scratch = pd.scratchpad_desc();
      entry->impl = pd.impl_info_str();
      s.cache.Put(key, entry);
    }
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_DIFF_DST] = entry->dy.In(s, s.staging[0], dy);
    args[DNNL_ARG_WEIGHTS] = entry->w.In(s, s.staging[1], w);
    memory out = entry->dx.Out(s, s.staging[2], dx);
    args[DNNL_ARG_DIFF_SRC] = out;
    args[DNNL_ARG_SCRATCHPAD] = Scratchpad(s, entry->scratch);
    entry->prim.execute(s.stream, args);
    entry->dx.Finish(s, out, dx);
    s.stream.wait();
    return Napi::String::New(info.Env(), entry->impl);
  });
}

// conv2dBackwardWeights(x, dy, dw, params[17]) -> impl name
Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackwardWeights";
  return Guard(info, fn, [&]() -> Napi::Value {
    State& s = GetState(info.Env());
    ConvParams p = ParseParams(info, 3, fn);
    float* x = FloatArg(info, 0, p.XSize(), "x", fn);
    float* dy = FloatArg(info, 1, p.YSize(), "dy", fn);
    float* dw = FloatArg(info, 2, p.WSize(), "dw", fn);
    const std::string key = p.Key("bwd_weights", s.layout, UseThreads(s, p.Flops()));
    auto entry = std::static_pointer_cast<BackwardWeightsEntry>(s.cache.Get(key));
    if (!entry) {
      entry = std::make_shared<BackwardWeightsEntry>();
      const bool anyAct = s.layout == 2;
      const bool anyW = s.layout >= 1;
      dnnl::convolution_forward::primitive_desc hint(ForwardDesc(p, false, s.layout, dnnl::prop_kind::forward_training), s.engine);
      dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, Md(p.XDims(), tag::nhwc, anyAct),
                                                    Md(p.WDims(), tag::hwio, anyW), Md(p.YDims(), tag::nhwc, anyAct),
                                                    p.Strides(), p.Dilations(), p.PadL(), p.PadR());
      dnnl::convolution_backward_weights::primitive_desc pd(desc, UserScratchpad(), s.engine, hint);
      entry->prim = dnnl::convolution_backward_weights(pd);
      entry->x.Init(s.engine, UserX(p), pd.src_desc(), true);
      entry->dy.Init(s.engine, UserY(p), pd.diff_dst_desc(), true);
      entry->dw.Init(s.engine, UserW(p), pd.diff_weights_desc(), false);
      entry->scratch = pd.scratchpad_desc();
      entry->impl = pd.impl_info_str();
      s.cache.Put(key, entry);
    }
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = entry->x.In(s, s.staging[0], x);
    args[DNNL_ARG_DIFF_DST] = entry->dy.In(s, s.staging[1], dy);
    memory out = entry->dw.Out(s, s.staging[2], dw);
    args[DNNL_ARG_DIFF_WEIGHTS] = out;
    args[DNNL_ARG_SCRATCHPAD] = Scratchpad(s, entry->scratch);
    entry->prim.execute(s.stream, args);
    entry->dw.Finish(s, out, dw);
    s.stream.wait();
    return Napi::String::New(info.Env(), entry->impl);
  });
}

}  // namespace robustjs
