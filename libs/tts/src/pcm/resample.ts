import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../tts-engine';

/**
 * Band-limited resampling of PCM s16le mono, any rate to any rate: a windowed-sinc
 * interpolator (Kaiser window, β = 8.6, 16 zero crossings each side). Each output
 * sample is the sum of the input samples around its instant weighted by the
 * low-pass kernel. When the rate goes down the kernel is widened so its cutoff sits
 * just under the *output's* Nyquist frequency: content the new rate cannot hold is
 * filtered out instead of folding back as aliases (plain interpolation would turn a
 * 6 kHz hiss into a 2 kHz whistle at 8 kHz). Upsampling keeps the input's band.
 *
 * The kernel is tabulated once (TABLE_STEPS points per zero crossing) and read with
 * linear interpolation, so any ratio (22050 → 48000, 44100 → 8000) costs the same.
 */

const ZERO_CROSSINGS = 16;
const TABLE_STEPS = 512;
const KAISER_BETA = 8.6;
/** The passband ends a little below Nyquist, leaving room for the filter's transition band. */
const ROLLOFF = 0.94;

const { ceil, floor, max, min, round } = Math;

/** sinc(u)·kaiser(u / ZERO_CROSSINGS) for u = 0 … ZERO_CROSSINGS in 1/TABLE_STEPS steps. */
const KERNEL = buildKernel();

export function resamplePcm(pcm: Buffer, fromRate: number, toRate: number): Buffer {
  if (!(fromRate > 0)) throw new RangeError(`bad source sample rate ${fromRate}`);
  if (!Number.isInteger(toRate) || toRate < MIN_SAMPLE_RATE || toRate > MAX_SAMPLE_RATE) {
    throw new RangeError(`sample rate ${toRate} is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`);
  }
  const inCount = Math.floor(pcm.length / 2);
  if (fromRate === toRate) return Buffer.from(pcm.subarray(0, inCount * 2));
  const input = new Float64Array(inCount);
  for (let i = 0; i < inCount; i++) input[i] = pcm.readInt16LE(i * 2);

  const ratio = toRate / fromRate;
  // Cutoff in cycles per input sample, times two: the kernel's zero crossings are 1/fc input samples apart.
  const fc = Math.min(1, ratio) * ROLLOFF;
  const halfWidth = ZERO_CROSSINGS / fc;
  const step = fc * TABLE_STEPS; // kernel table entries per input sample of distance
  const kernel = KERNEL;
  const lastEntry = kernel.length - 1;
  const outCount = Math.round(inCount * ratio);
  const out = Buffer.alloc(outCount * 2);
  // The loops read no global: Math's functions are module constants (global lookups are slow inside Jest's vm sandbox).
  for (let n = 0; n < outCount; n++) {
    const t = n / ratio; // the output sample's instant, in input samples
    const first = max(0, ceil(t - halfWidth));
    const last = min(inCount - 1, floor(t + halfWidth));
    let sum = 0;
    for (let k = first; k <= last; k++) {
      const d = t - k;
      const u = (d < 0 ? -d : d) * step;
      const i = u | 0;
      if (i >= lastEntry) continue;
      sum += input[k] * (kernel[i] + (kernel[i + 1] - kernel[i]) * (u - i));
    }
    out.writeInt16LE(clamp16(round(sum * fc)), n * 2);
  }
  return out;
}

function clamp16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

function buildKernel(): Float64Array {
  const size = ZERO_CROSSINGS * TABLE_STEPS + 1;
  const table = new Float64Array(size + 1); // one guard entry (0) for the interpolation
  const norm = besselI0(KAISER_BETA);
  for (let i = 0; i < size; i++) {
    const u = i / TABLE_STEPS;
    const x = u / ZERO_CROSSINGS;
    const window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - x * x))) / norm;
    table[i] = (u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u)) * window;
  }
  return table;
}

/** The modified Bessel function of the first kind, order 0 (power series; converges fast for β < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 50; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}
