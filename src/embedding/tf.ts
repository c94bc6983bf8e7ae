/**
 * tfjs for training: the wasm backend (WASM files resolved from node_modules), falling back to the cpu
 * backend with a warning only when wasm cannot start. Serving never needs tfjs (see model.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<string> | null = null;

/** Selects the training backend once per process; resolves to its name ('wasm' or 'cpu'). */
export function initTf(warn: (msg: string) => void = (m) => process.emitWarning(m)): Promise<string> {
  ready ??= (async () => {
    try {
      // Already set up (e.g. by the tfjs image encoder)? Read the name without initialising anything.
      if ((tf.engine() as { backendName?: string }).backendName === 'wasm') return 'wasm';
      const require = createRequire(import.meta.url);
      const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
      setWasmPaths(path.dirname(wasmFile) + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return tf.getBackend();
      }
      warn('tfjs wasm backend did not initialise; training on the (much slower) cpu backend');
    } catch (err) {
      warn(`tfjs wasm backend failed (${(err as Error).message}); training on the (much slower) cpu backend`);
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return ready;
}

/**
 * a @ b whose gradients use explicit transposes: tfjs's transposed matMul kernels are 10-16x slower on
 * wasm, and the default matMul gradient relies on them.
 */
export const matmul = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
  const a = args[0] as tf.Tensor2D;
  const b = args[1] as tf.Tensor2D;
  const save = args[2] as (t: tf.Tensor[]) => void;
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * x @ w where x is data, not a variable: its backward pass computes only the weight gradient. The
 * input gradient a plain matmul also computes is as big as the forward product and goes unused here.
 */
export const matmulData = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
  const x = args[0] as tf.Tensor2D;
  const w = args[1] as tf.Tensor2D;
  const save = args[2] as (t: tf.Tensor[]) => void;
  save([x]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sx] = saved as [tf.Tensor2D];
      return [tf.zerosLike(sx), tf.matMul(tf.transpose(sx), dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * The data of the tensor `fn` builds, its intermediates and the tensor freed. Read outside tf.tidy:
 * tidy walks whatever its function returns, and a typed array is walked element by element (66 s
 * of a clothing-set `loupe train` went there, `node --cpu-prof`).
 */
export function tensorData(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * a [rows x k] times w [k x cols] on tfjs's kernels: EmbeddingModel.project's product where tfjs is
 * loaded anyway (training, evaluation). Its JavaScript products took 21 s of a clothing-set `loupe
 * train` (`node --cpu-prof`, three passes over 5,398 items).
 */
export function denseProduct(a: Float32Array, rows: number, w: Float32Array, k: number, cols: number): Float32Array {
  return tensorData(() => tf.matMul(tf.tensor2d(a, [rows, k]), tf.tensor2d(w, [k, cols])));
}
