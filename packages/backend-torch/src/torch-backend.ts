import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '@tessera/spec';
import { DTYPE_CODES, type NativeAddon } from './native.js';
import { type TorchPrecision, torchPrecision } from './precision.js';

type DataId = object;
type DataType = tf.DataType;

/** A tensor held by the addon: its id, real ATen dtype and shape. */
export interface NativeTensor {
  id: number;
  dtype: (typeof DTYPE_CODES)[number];
  shape: number[];
}

/** at::MemoryFormat::Contiguous, for `_to_copy`'s memory_format argument. */
const CONTIGUOUS_FORMAT = 0;

interface TensorData {
  id: number;
  refCount: number;
  /**
   * Under bf16-mixed precision, the bfloat16 copy of this tensor's values that the products read
   * (src/kernels/mixed-precision.ts): made the first time a product needs it and disposed with
   * the tensor, so a weight or an activation is cast once per step though its forward and its
   * gradient products both read it.
   */
  bfloat16Id?: number;
}

/** The tfjs dtype a native tensor shows as: int64 reads as int32, float64 and bfloat16 as float32. */
export function tfjsDtypeOf(tensor: NativeTensor): DataType {
  switch (tensor.dtype) {
    case 'float32':
    case 'float64':
    case 'bfloat16':
      return 'float32';
    case 'int32':
    case 'int64':
      return 'int32';
    case 'bool':
      return 'bool';
    default:
      throw new TesseraError('E_TORCH_DTYPE', 'an ATen operator returned a dtype tfjs has no equivalent for', {
        category: 'internal',
      });
  }
}

/**
 * A tfjs backend whose tensors live in LibTorch. Each tfjs data id maps to one at::Tensor id in
 * the addon; kernels (src/kernels/*) call ATen operators through `op`. Host<->device copies
 * happen only in `write`/`read`.
 */
export class TorchBackend extends tf.KernelBackend {
  readonly native: NativeAddon;
  /** 'cpu' or 'cuda': where tensors live, and the device argument for factory operators. */
  readonly device: string;
  private readonly data: tf.DataStorage<TensorData>;
  private readonly metadata: Float64Array;
  private readonly handles = new Map<string, number>();
  /** Native tensors made during the running kernel; those not returned are disposed after it. */
  private readonly pending: NativeTensor[] = [];
  private readonly kept = new Set<NativeTensor>();

  /** `metadata` is the buffer the addon was initialised with (shared by every TorchBackend). */
  constructor(native: NativeAddon, metadata: Float64Array, device: 'cpu' | 'cuda') {
    super();
    this.native = native;
    this.metadata = metadata;
    this.device = device;
    this.data = new tf.DataStorage(this, tf.engine());
  }

  // ---- storage -------------------------------------------------------------------------------

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.data.set(dataId, { id: this.writeNative(values, shape, dtype), refCount: 1 });
    return dataId;
  }

  override move(
    dataId: DataId,
    values: tf.backend_util.BackendValues,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    this.data.set(dataId, { id: this.writeNative(values, shape, dtype), refCount });
  }

  private writeNative(values: tf.backend_util.BackendValues, shape: number[], dtype: DataType): number {
    if (dtype === 'string' || dtype === 'complex64') {
      throw new TesseraError(
        'E_TORCH_DTYPE',
        `the torch backend does not support ${dtype} tensors; use the cpu backend for them`,
      );
    }
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    // tfjs writes null values for tensors a kernel will fill; LibTorch needs real memory.
    let typed = values as Float32Array | Int32Array | Uint8Array | null;
    if (typed === null)
      typed =
        dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
    else if (dtype === 'float32' && !(typed instanceof Float32Array))
      typed = Float32Array.from(typed as ArrayLike<number>);
    else if (dtype === 'int32' && !(typed instanceof Int32Array)) typed = Int32Array.from(typed as ArrayLike<number>);
    else if (dtype === 'bool' && !(typed instanceof Uint8Array)) typed = Uint8Array.from(typed as ArrayLike<number>);
    return this.native.write(typed, shape, dtype, this.device);
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    return this.native.read(this.data.get(dataId)!.id);
  }

  override async read(dataId: DataId): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const data = this.data.get(dataId);
    if (data === undefined) return true;
    data.refCount -= 1;
    if (!force && data.refCount > 0) return false;
    this.native.dispose(data.id);
    if (data.bfloat16Id !== undefined) this.native.dispose(data.bfloat16Id);
    this.data.delete(dataId);
    return true;
  }

  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: DataId): void {
    this.data.get(dataId)!.refCount += 1;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override memory(): { unreliable: boolean; nativeTensors: number; nativeBytes: number; nativeCachedBytes: number } {
    const { tensors, bytes, cachedBytes } = this.native.memory();
    return { unreliable: false, nativeTensors: tensors, nativeBytes: bytes, nativeCachedBytes: cachedBytes };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const started = performance.now();
    f();
    return { kernelMs: performance.now() - started };
  }

  override dispose(): void {
    // Tensors still alive belong to tfjs's engine, which disposes them through disposeData.
  }

  // ---- precision -----------------------------------------------------------------------------

  /** What the products compute in (`setTorchPrecision`): 'fp32', or 'bf16-mixed'. */
  get precision(): TorchPrecision {
    return torchPrecision();
  }

  /**
   * The id of a bfloat16 copy of a tfjs tensor's values, made on first use and kept until the
   * tensor is disposed (see `TensorData.bfloat16Id`).
   */
  bfloat16IdOf(info: tf.TensorInfo): number {
    const data = this.data.get(info.dataId);
    if (data === undefined) return this.idOf(info); // throws E_TORCH_TENSOR
    if (data.bfloat16Id === undefined) {
      // Contiguous in tfjs's logical shape, whatever the strides of the view it copies (e.g. a
      // head-split query, [batch, heads, time, size] over a [batch, time, 3 * embedding] buffer):
      // oneDNN's bf16 products then run directly on it (a strided copy made the attention
      // products ~6x slower).
      const copy = this.op('_to_copy', '', [data.id, 'bfloat16', null, null, null, false, CONTIGUOUS_FORMAT]);
      this.kept.add(copy); // owned by the tensor's data from here on, not by the running kernel
      data.bfloat16Id = copy.id;
    }
    return data.bfloat16Id;
  }

  /**
   * Attaches a bfloat16 copy a kernel already made of its own output (e.g. attention's weights),
   * so the gradient's products read it instead of casting the output again.
   */
  keepBfloat16Copy(info: tf.TensorInfo, copy: NativeTensor): void {
    const data = this.data.get(info.dataId);
    if (data === undefined || data.bfloat16Id !== undefined) return;
    this.kept.add(copy);
    data.bfloat16Id = copy.id;
  }

  // ---- operators -----------------------------------------------------------------------------

  /** The native id behind a tfjs tensor. */
  idOf(info: tf.TensorInfo): number {
    const data = this.data.get(info.dataId);
    if (data === undefined)
      throw new TesseraError(
        'E_TORCH_TENSOR',
        'a tensor given to a torch kernel lives on another backend or was disposed',
        { category: 'internal' },
      );
    return data.id;
  }

  private handle(name: string, overload: string): number {
    const key = `${name}.${overload}`;
    let handle = this.handles.get(key);
    if (handle === undefined) {
      handle = this.native.resolve(`aten::${name}`, overload);
      this.handles.set(key, handle);
    }
    return handle;
  }

  /**
   * Calls `aten::<name>.<overload>` and returns all its outputs. Tensor arguments are native ids
   * (see `idOf`); the rest follow the operator's schema (numbers, arrays, strings, null).
   */
  opMany(name: string, overload: string, args: unknown[]): NativeTensor[] {
    const handle = this.handle(name, overload);
    let count: number;
    try {
      count = this.native.call(handle, args);
    } catch (error) {
      throw new TesseraError(
        'E_TORCH_OPERATOR',
        `aten::${name}.${overload} failed: ${(error as Error).message.split('\n')[0]}`,
        { category: 'internal', cause: error },
      );
    }
    const outputs: NativeTensor[] = [];
    let offset = 1;
    for (let output = 0; output < count; output++) {
      const rank = this.metadata[offset + 2]!;
      const tensor: NativeTensor = {
        id: this.metadata[offset]!,
        dtype: DTYPE_CODES[this.metadata[offset + 1]!]!,
        shape: Array.from(this.metadata.subarray(offset + 3, offset + 3 + rank)),
      };
      offset += 3 + rank;
      if (tensor.id >= 0) this.pending.push(tensor);
      outputs.push(tensor);
    }
    return outputs;
  }

  /** A native tensor of host values, made for a kernel's own use (e.g. an interpolation matrix). */
  constant(values: Float32Array | Int32Array, shape: number[]): NativeTensor {
    const dtype = values instanceof Float32Array ? 'float32' : 'int32';
    const tensor: NativeTensor = { id: this.writeNative(values, shape, dtype), dtype, shape };
    this.pending.push(tensor);
    return tensor;
  }

  /** Calls an operator with one tensor output. */
  op(name: string, overload: string, args: unknown[]): NativeTensor {
    return this.opMany(name, overload, args)[0]!;
  }

  /** Hands a native tensor to tfjs as a kernel output, cast to `dtype` if its ATen dtype differs. */
  output(tensor: NativeTensor, dtype?: DataType): tf.TensorInfo {
    const wanted = dtype ?? tfjsDtypeOf(tensor);
    if (tensor.dtype !== wanted) tensor = this.op('_to_copy', '', [tensor.id, wanted]);
    this.kept.add(tensor);
    const dataId = {};
    this.data.set(dataId, { id: tensor.id, refCount: 1 });
    return { dataId, shape: tensor.shape, dtype: wanted };
  }

  /** The same data under a new tfjs tensor (Identity, Reshape to the same shape, no-op casts). */
  alias(info: tf.TensorInfo, shape: number[] = info.shape): tf.TensorInfo {
    this.incRef(info.dataId);
    return { dataId: info.dataId, shape, dtype: info.dtype };
  }

  /** Runs a kernel body, then disposes every native tensor it made but did not output. */
  runKernel<T>(body: () => T): T {
    const start = this.pending.length;
    try {
      return body();
    } finally {
      for (let index = start; index < this.pending.length; index++) {
        const tensor = this.pending[index]!;
        if (this.kept.has(tensor)) this.kept.delete(tensor);
        else this.native.dispose(tensor.id);
      }
      this.pending.length = start;
    }
  }
}
