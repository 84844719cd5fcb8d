// Types of scripts/build.js for the TypeScript that calls it (test/setup).
export function build(): Promise<void>;
