'use strict';
// Coloured "[name]" prefixes for the launcher's interleaved output. Colour only on
// a terminal, and never when NO_COLOR is set (https://no-color.org).
const readline = require('node:readline');

const COLORS = { green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, red: 31 };
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

function label(name, color) {
  const text = `[${name}]`;
  return useColor ? `\x1b[${COLORS[color] ?? 0}m${text}\x1b[0m` : text;
}

// Copies a stream to stdout line by line, each line behind the label.
function prefixLines(stream, prefix) {
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => process.stdout.write(`${prefix} ${line}\n`));
}

module.exports = { label, prefixLines };
