/**
 * A Y4M (YUV4MPEG2) video of a QR code, for Chromium's fake camera (`--use-file-for-fake-video-capture=<file.y4m>`,
 * which plays the file in a loop): the browser tests hold a ticket's QR code up to the console's scanner with it.
 * 4:2:0 planes, the code painted black (16) on white (235) in the luma plane, the chroma planes grey (128).
 */
import QRCode from 'qrcode';

export interface QrVideoOptions {
  /** Even, 16 to 4096 (4:2:0 halves both sides for the chroma planes). */
  width: number;
  height: number;
  /** Frames in the file, 1 to 300; Chromium loops them. */
  frames: number;
  /** Frames per second, 1 to 60. */
  frameRate: number;
  /** Pixels per QR module, 1 to 64; the code and its quiet zone must fit the frame. */
  modulePx: number;
}

/** The blank margin around a QR code, in modules, that the standard asks for and readers look for. */
export const QUIET_ZONE_MODULES = 4;
const BLACK = 16;
const WHITE = 235;
const GREY = 128;

function checkRange(name: keyof QrVideoOptions, value: number, low: number, high: number): void {
  if (!Number.isInteger(value) || value < low || value > high) throw new RangeError(`${name} must be an integer from ${low} to ${high}, got ${value}`);
}

/** The file's first line. */
export function y4mHeader(options: Pick<QrVideoOptions, 'width' | 'height' | 'frameRate'>): string {
  return `YUV4MPEG2 W${options.width} H${options.height} F${options.frameRate}:1 Ip A1:1 C420jpeg\n`;
}

/** Bytes in one frame's planes: Y at full size, U and V at half width and half height. */
export function y4mFrameBytes(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/**
 * The luma plane of a frame with `text` as a QR code (error correction M, as the customer's app draws it), centred,
 * with its quiet zone.
 *
 * @example
 * const luma = qrLumaPlane('tkt-1.secret', 640, 480, 8); // 640 * 480 bytes, 16 or 235
 */
export function qrLumaPlane(text: string, width: number, height: number, modulePx: number): Uint8Array {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const sidePx = (modules.size + 2 * QUIET_ZONE_MODULES) * modulePx;
  if (sidePx > width || sidePx > height) {
    throw new RangeError(`a ${modules.size}-module code at ${modulePx} px a module needs ${sidePx} px, more than ${width}x${height}`);
  }
  const plane = new Uint8Array(width * height).fill(WHITE);
  const left = Math.floor((width - modules.size * modulePx) / 2);
  const top = Math.floor((height - modules.size * modulePx) / 2);
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue;
      for (let y = 0; y < modulePx; y++) {
        const start = (top + row * modulePx + y) * width + left + column * modulePx;
        plane.fill(BLACK, start, start + modulePx);
      }
    }
  }
  return plane;
}

/**
 * A whole Y4M file of `frames` identical frames showing `text` as a QR code.
 *
 * @example
 * fs.writeFileSync(file, qrVideo(ticket.secret, { width: 640, height: 480, frames: 5, frameRate: 10, modulePx: 8 }));
 */
export function qrVideo(text: string, options: QrVideoOptions): Buffer {
  const { width, height, frames, frameRate, modulePx } = options;
  checkRange('width', width, 16, 4096);
  checkRange('height', height, 16, 4096);
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`width and height must be even for 4:2:0, got ${width}x${height}`);
  checkRange('frames', frames, 1, 300);
  checkRange('frameRate', frameRate, 1, 60);
  checkRange('modulePx', modulePx, 1, 64);
  const luma = qrLumaPlane(text, width, height, modulePx);
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(GREY);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  return Buffer.concat([Buffer.from(y4mHeader(options)), ...Array.from({ length: frames }, () => frame)]);
}
