import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import type { NativeKernel } from './conv2D';
import { allFloat32, convParams, type ConvAttrs } from './convParams';

/**
 * `Conv2DBackpropInput` (the input gradient of a convolution, NHWC, float32): oneDNN convolution
 * backward data. `dy` is `[N,OH,OW,Co]`, the filter `[KH,KW,Ci,Co]`, the result `inputShape`.
 */
export function nativeConv2DBackpropInput(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    if (!allFloat32(dy, filter) || a.inputShape.some((d) => !(d > 0))) return undefined;
    const params = convParams(a.inputShape, filter.shape, a);
    if (params === undefined) return undefined;
    const [n, , , , , , oc, oh, ow] = params;
    if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== oc) return undefined;
    return io.run(backend, [dy, filter], [...a.inputShape], (views, out) => {
      addon.conv2dBackwardData(views[0] as Float32Array, views[1] as Float32Array, out, params);
    });
  };
}
