// Just enough of PNG to look at a screenshot's pixels: 8-bit grey, RGB or
// RGBA (with or without alpha), not interlaced. Chunks are read in order,
// the IDAT data inflated, each scanline's filter undone.
import zlib from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** Bytes per pixel. */
  channels: number;
  pixels: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(file: Buffer): Image {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let off = 8; off < file.length; ) {
    const len = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    const data = file.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const colour = data[9]!;
      if (depth !== 8 || !(colour in CHANNELS) || data[12] !== 0) throw new Error(`PNG with bit depth ${depth}, colour type ${colour}, interlace ${data[12]}: not handled here`);
      channels = CHANNELS[colour]!;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels]! : 0;
      const b = up[x]!;
      const c = x >= channels ? up[x - channels]! : 0;
      const v = line[x]!;
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : NaN;
      if (Number.isNaN(pred)) throw new Error(`PNG scanline ${y}: unknown filter ${filter}`);
      out[x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How varied an image is: distinct colours, and the share of pixels unlike the top-left one (the background). */
export function pixelStats(img: Image): { colours: number; foreground: number } {
  const colours = new Set<number>();
  const bg = img.pixels.readUIntBE(0, Math.min(img.channels, 3));
  let differ = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const c = img.pixels.readUIntBE(i * img.channels, Math.min(img.channels, 3));
    if (colours.size < 100_000) colours.add(c);
    if (c !== bg) differ++;
  }
  return { colours: colours.size, foreground: differ / n };
}
