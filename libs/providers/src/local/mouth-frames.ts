import { Viseme } from './viseme-track';

/**
 * The local provider's picture: a face whose mouth takes the frame's viseme, as a
 * small SVG (base64), one per viseme, built once. Clients render it like any other
 * frame image (`data:image/svg+xml;base64,...`).
 */
export const FRAME_MIME_TYPE = 'image/svg+xml';

/** Mouth opening (rx, ry) for each viseme. */
const MOUTHS: Record<Viseme, [number, number]> = {
  sil: [14, 1], PP: [12, 1], FF: [13, 3], TH: [13, 4], DD: [13, 6], kk: [12, 7], CH: [10, 8], SS: [15, 4],
  nn: [13, 5], RR: [10, 7], aa: [14, 14], E: [16, 9], I: [16, 6], O: [10, 12], U: [7, 8],
};

const cache = new Map<Viseme, string>();

export function mouthFrame(viseme: Viseme): string {
  let frame = cache.get(viseme);
  if (!frame) {
    const [rx, ry] = MOUTHS[viseme];
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">' +
      '<circle cx="64" cy="64" r="60" fill="#f2c9a0"/><circle cx="44" cy="48" r="6" fill="#333"/><circle cx="84" cy="48" r="6" fill="#333"/>' +
      `<ellipse cx="64" cy="90" rx="${rx}" ry="${ry}" fill="#8a2c2c"/></svg>`;
    frame = Buffer.from(svg).toString('base64');
    cache.set(viseme, frame);
  }
  return frame;
}
