import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import type { NativeKernel } from './conv2D';
import { allFloat32, convParams, type ConvAttrs } from './convParams';

/**
 * `Conv2DBackpropFilter` (the filter gradient of a convolution, NHWC, float32): oneDNN convolution
 * backward weights. `x` is `[N,H,W,Ci]`, `dy` `[N,OH,OW,Co]`, the result `filterShape` = `[KH,KW,Ci,Co]`.
 */
export function nativeConv2DBackpropFilter(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: Info; dy: Info };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    if (!allFloat32(x, dy) || a.filterShape.some((d) => !(d > 0))) return undefined;
    const params = convParams(x.shape, a.filterShape, a);
    if (params === undefined) return undefined;
    const [n, , , , , , oc, oh, ow] = params;
    if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== oc) return undefined;
    return io.run(backend, [x, dy], [...a.filterShape], (views, out) => {
      addon.conv2dBackwardWeights(views[0] as Float32Array, views[1] as Float32Array, out, params);
    });
  };
}
