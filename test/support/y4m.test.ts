/**
 * The Y4M writer the camera's browser test feeds to Chromium: its header, each frame's size, and a luma plane that a
 * QR reader (jsQR, the console's own fallback decoder) reads back as the text painted into it.
 */
import jsqrModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { qrLumaPlane, qrVideo, y4mFrameBytes, y4mHeader } from './y4m.ts';

// jsqr is CommonJS whose types declare an ES default export: under Node's rules the default import is its
// module.exports, and the function is that object's `default` (a bundler, as for the console, unwraps it itself).
const jsQR = jsqrModule.default;

const OPTIONS = { width: 640, height: 480, frames: 3, frameRate: 10, modulePx: 6 };

/** A luma plane as the RGBA pixels jsQR reads: grey, fully opaque. */
function rgba(luma: Uint8Array): Uint8ClampedArray {
  const pixels = new Uint8ClampedArray(luma.length * 4);
  luma.forEach((value, i) => pixels.set([value, value, value, 255], i * 4));
  return pixels;
}

describe('qrVideo', () => {
  it('writes the header and then each frame as FRAME, Y at full size, U and V at a quarter', () => {
    const file = qrVideo('tkt-1.abc', OPTIONS);
    const header = 'YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n';
    expect(y4mHeader(OPTIONS)).toBe(header);
    expect(file.subarray(0, header.length).toString('latin1')).toBe(header);
    expect(y4mFrameBytes(640, 480)).toBe(640 * 480 * 1.5);
    const frameWithMarker = 'FRAME\n'.length + y4mFrameBytes(640, 480);
    expect(file.length).toBe(header.length + 3 * frameWithMarker);
    for (let frame = 0; frame < 3; frame++) {
      const start = header.length + frame * frameWithMarker;
      expect(file.subarray(start, start + 6).toString('latin1')).toBe('FRAME\n');
      // The chroma planes are grey: the last byte of each frame.
      expect(file[start + frameWithMarker - 1]).toBe(128);
    }
  });

  it('paints a code that a QR reader reads back as the same text, black and white only', () => {
    const secret = 'tkt-7f3a.v1.MEUCIQDx-a-ticket-secret-of-a-realistic-length_0123456789';
    const luma = qrLumaPlane(secret, 640, 480, 6);
    expect(new Set(luma)).toEqual(new Set([16, 235]));
    expect(jsQR(rgba(luma), 640, 480)?.data).toBe(secret);
  });

  it('refuses sizes that 4:2:0 or the code cannot have, naming the option', () => {
    expect(() => qrVideo('x', { ...OPTIONS, width: 641 })).toThrow(/width and height must be even/);
    expect(() => qrVideo('x', { ...OPTIONS, frames: 0 })).toThrow(/^frames must be/);
    expect(() => qrVideo('x', { ...OPTIONS, modulePx: 64 })).toThrow(/needs \d+ px, more than 640x480/);
  });
});
