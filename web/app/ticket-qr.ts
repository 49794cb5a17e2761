/**
 * A ticket's QR code as an inline `<svg>` element. qrcode draws it as SVG text, which is parsed as XML (never as
 * HTML, so nothing can run) and adopted into the page: the page's Content-Security-Policy (`default-src 'self'`)
 * blocks `data:` images, and an inline SVG needs no URL at all.
 */
import QRCode from 'qrcode';

/**
 * @example
 * figure.append(await ticketQr(ticket.secret, `QR code of ticket ${ticket.id}`));
 */
export async function ticketQr(secret: string, label: string): Promise<SVGSVGElement> {
  const text = await QRCode.toString(secret, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  if (!(parsed instanceof SVGSVGElement)) throw new Error('qrcode did not draw an SVG');
  const svg = document.importNode(parsed, true);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  return svg;
}
