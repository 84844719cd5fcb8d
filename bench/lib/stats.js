'use strict';
// Small helpers shared by the benches: percentiles, medians, a fixed-width table,
// command-line flags.

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(values) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ')).join('\n');
}

// The largest value (NaN for none); Math.max(...values) overflows the stack on large samples.
const maxOf = (values) => (values.length ? values.reduce((a, b) => Math.max(a, b), -Infinity) : NaN);

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');

// --name value / --flag; numbers where the default is a number.
function flags(defaults, argv = process.argv.slice(2)) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unexpected argument ${argv[i]}`);
    const key = match[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown flag --${match[1]} (known: ${Object.keys(defaults).join(', ')})`);
    let value = match[2];
    if (value === undefined) value = typeof defaults[key] === 'boolean' ? 'true' : argv[++i];
    out[key] = typeof defaults[key] === 'number' ? Number(value) : typeof defaults[key] === 'boolean' ? value !== 'false' : value;
    if (typeof defaults[key] === 'number' && !Number.isFinite(out[key])) throw new Error(`--${match[1]} needs a number`);
  }
  return out;
}

function listFlag(value) {
  return String(value)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
}

const sleep = (msValue) => new Promise((resolve) => setTimeout(resolve, msValue));

module.exports = { maxOf, percentile, median, table, ms, flags, listFlag, sleep };
