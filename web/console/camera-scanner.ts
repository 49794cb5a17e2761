/**
 * The gate scanner's camera (issue 13): the rear camera shown in a `<video>`, a few frames a second read for a QR
 * code (a ticket's QR code holds its secret), and each ticket read put in the secret field and checked in by the
 * scanner form itself, so the camera and the keyboard share one check-in path and one answer in large type.
 *
 * The decoder is the browser's own `BarcodeDetector` where it reads QR codes, else jsQR (bundled as a chunk of its
 * own, loaded when the camera first starts) on a frame drawn downscaled onto a canvas. The video element's
 * `data-decoder` says which one reads ("native" or "jsqr").
 */
/** The page's parts the camera works with: the scanner form and its secret field, and the camera's own controls. */
export interface CameraScannerElements {
  form: HTMLFormElement;
  secret: HTMLInputElement;
  video: HTMLVideoElement;
  startButton: HTMLButtonElement;
  stopButton: HTMLButtonElement;
  status: HTMLElement;
}

/** How often and how much the camera reads; each bound finite. */
export interface CameraScannerOptions {
  /** Time between two frame readings while nothing is read (200: five a second, light on a phone). */
  frameEveryMs: number;
  /** After a ticket is read, the pause before the next reading, while its answer shows. */
  pauseAfterReadMs: number;
  /** The same text again is ignored until it has been out of sight this long, so a ticket held still is checked in once. */
  sameTextQuietMs: number;
  /** Frames wider than this are scaled down to it before jsQR reads them (its cost grows with the pixels). */
  frameWidthMax: number;
}

/**
 * The bounds the console uses: five readings a second, two seconds' pause after a read, frames at most 640 px wide.
 *
 * @example
 * new CameraScanner(parts, { ...CAMERA_SCANNER_DEFAULTS, frameEveryMs: 500 }); // a slower phone
 */
export const CAMERA_SCANNER_DEFAULTS: Readonly<CameraScannerOptions> = {
  frameEveryMs: 200, pauseAfterReadMs: 2_000, sameTextQuietMs: 2_000, frameWidthMax: 640,
};

type CameraState = 'off' | 'starting' | 'on';
type DecoderKind = 'native' | 'jsqr';

interface Decoder {
  kind: DecoderKind;
  /** The text of a QR code in the video's current frame, if one is there. */
  read(video: HTMLVideoElement): Promise<string | undefined>;
}

// BarcodeDetector is in Chromium on Android and macOS but not yet in TypeScript's DOM types: the part used here.
interface BarcodeDetectorLike { detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>> }
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

const ON = "camera on, point it at a ticket's QR code";

/** The browser's detector where it exists and reads QR codes; anything else (missing, or failing to say) is jsQR. */
async function chooseDecoder(frameWidthMax: number): Promise<Decoder> {
  const Native = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  const formats = Native === undefined ? [] : await Native.getSupportedFormats().catch(() => []);
  if (Native !== undefined && formats.includes('qr_code')) {
    const detector = new Native({ formats: ['qr_code'] });
    return { kind: 'native', read: async (video) => (await detector.detect(video))[0]?.rawValue };
  }
  // Loaded when first needed: most of the console's script would otherwise be a decoder most visits never use.
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  // Read back every frame: the hint keeps the canvas in memory the CPU reads rather than on the GPU.
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('this browser has no 2d canvas to read frames with');
  return {
    kind: 'jsqr',
    read: async (video) => {
      const scale = Math.min(1, frameWidthMax / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      // A ticket's code is printed dark on light; not trying the inverted image halves the work per frame.
      return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data;
    },
  };
}

/** What to tell gate staff when the camera does not start, by the DOMException's name. */
function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'the camera was refused: allow it in the browser for this site, or type the secret';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'no camera found: type the secret';
  if (name === 'NotReadableError') return 'the camera is busy in another app: close it, or type the secret';
  return `the camera did not start (${error instanceof Error ? error.message : String(error)}): type the secret`;
}

/**
 * The camera half of the gate scanner. Construct it once the scanner form has its submit handler; where the browser
 * offers no camera (no `getUserMedia`, as on plain http away from localhost) its button stays hidden and the status
 * says why.
 *
 * @example
 * const camera = new CameraScanner({ form, secret, video, startButton, stopButton, status });
 * document.addEventListener('visibilitychange', () => { if (document.hidden) camera.stop('the page was hidden'); });
 */
export class CameraScanner {
  #state: CameraState = 'off';
  #stream: MediaStream | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastText: string | undefined;
  #lastSeenAtMs = 0;
  readonly #options: CameraScannerOptions;

  constructor(private readonly parts: CameraScannerElements, options: Partial<CameraScannerOptions> = {}) {
    this.#options = { ...CAMERA_SCANNER_DEFAULTS, ...options };
    for (const [name, value] of Object.entries(this.#options)) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`CameraScanner option ${name} must be a finite number above 0, got ${value}`);
    }
    const { video, startButton, stopButton } = parts;
    video.muted = true;
    video.playsInline = true;
    video.hidden = true;
    stopButton.hidden = true;
    if (typeof navigator.mediaDevices?.getUserMedia !== 'function') {
      startButton.hidden = true;
      this.#say('no camera in this browser here (it needs https, or localhost): type the secret');
      return;
    }
    startButton.hidden = false;
    startButton.addEventListener('click', () => void this.start());
    stopButton.addEventListener('click', () => this.stop());
  }

  /** Opens the rear camera and starts reading; a refusal or a missing camera is said in the status line. */
  async start(): Promise<void> {
    if (this.#state !== 'off') return;
    const { video, startButton, stopButton } = this.parts;
    this.#state = 'starting';
    startButton.disabled = true;
    this.#say('starting the camera…');
    try {
      // `ideal`, not `exact`: a laptop's only camera faces the user and still reads a ticket held up to it.
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      const decoder = await chooseDecoder(this.#options.frameWidthMax);
      // Stopped (or the page hidden) while the browser asked: the camera just opened is closed again at once.
      if (this.#state !== 'starting') return stopTracks(stream);
      this.#stream = stream;
      video.srcObject = stream;
      video.dataset.decoder = decoder.kind;
      video.hidden = false;
      await video.play();
      if (this.#state !== 'starting') return;
      this.#state = 'on';
      startButton.hidden = true;
      stopButton.hidden = false;
      stopButton.focus();
      this.#say(ON);
      this.#schedule(decoder, 0);
    } catch (error) {
      this.stop(cameraProblem(error));
    } finally {
      startButton.disabled = false;
    }
  }

  /** Stops every track of the camera and the reading; `reason` is what the status line then says. */
  stop(reason = 'camera off'): void {
    if (this.#state === 'off') return;
    const { video, startButton, stopButton } = this.parts;
    const hadFocus = stopButton === document.activeElement;
    clearTimeout(this.#timer);
    if (this.#stream !== undefined) stopTracks(this.#stream);
    this.#stream = undefined;
    this.#state = 'off';
    video.srcObject = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    if (hadFocus) startButton.focus();
    this.#say(reason);
  }

  #schedule(decoder: Decoder, delayMs: number): void {
    this.#timer = setTimeout(() => void this.#readFrame(decoder), delayMs);
  }

  /** One reading at a time: the next is scheduled once this one has answered, never stacked. */
  async #readFrame(decoder: Decoder): Promise<void> {
    const stream = this.#stream;
    const { video } = this.parts;
    // HAVE_CURRENT_DATA: before the first frame there is nothing to draw.
    const text = video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0
      ? await decoder.read(video).catch(() => undefined)
      : undefined;
    // Stopped, or stopped and started again, while the frame was read: this chain of readings ends here.
    if (this.#state !== 'on' || this.#stream !== stream) return;
    if (text === undefined || text.trim() === '') return this.#schedule(decoder, this.#options.frameEveryMs);
    const nowMs = performance.now();
    if (text === this.#lastText && nowMs - this.#lastSeenAtMs < this.#options.sameTextQuietMs) {
      this.#lastSeenAtMs = nowMs;
      this.#say('that ticket was just read: show the next one');
      return this.#schedule(decoder, this.#options.frameEveryMs);
    }
    this.#lastText = text;
    // The pause counts as seeing it: a ticket still held up when reading resumes is not checked in a second time.
    this.#lastSeenAtMs = nowMs + this.#options.pauseAfterReadMs;
    this.parts.secret.value = text;
    // Through the form's own submit handler (and its validation): the same check-in and answer as a typed secret.
    this.parts.form.requestSubmit();
    this.#say('ticket read: its answer is below; the camera reads again in a moment');
    this.#timer = setTimeout(() => {
      if (this.#state !== 'on' || this.#stream !== stream) return;
      this.#say(ON);
      this.#schedule(decoder, 0);
    }, this.#options.pauseAfterReadMs);
  }

  #say(text: string): void {
    this.parts.status.textContent = text;
  }
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
