// Apple's root certificates that sign App Store data, pinned by SHA-256 fingerprint. The download
// script (scripts/apple-root-certificates.ts) and the runtime loader both check these values.
export interface PinnedRoot {
  file: string;
  url: string;
  /** SHA-256 of the DER certificate, upper-case hex without separators. */
  sha256: string;
}

export const APPLE_ROOT_CERTIFICATES: readonly PinnedRoot[] = [
  {
    file: 'AppleRootCA-G3.cer',
    url: 'https://www.apple.com/certificateauthority/AppleRootCA-G3.cer',
    sha256: '63343ABFB89A6A03EBB57E9B3F5FA7BE7C4F5C756F3017B3A8C488C3653E9179',
  },
  {
    file: 'AppleRootCA-G2.cer',
    url: 'https://www.apple.com/certificateauthority/AppleRootCA-G2.cer',
    sha256: 'C2B9B042DD57830E7D117DAC55AC8AE19407D38E41D88F3215BC3A890444A050',
  },
  {
    file: 'AppleIncRootCertificate.cer',
    url: 'https://www.apple.com/appleca/AppleIncRootCertificate.cer',
    sha256: 'B0B1730ECBC7FF4505142C49F1295E6EDA6BCAED7E2C68C5BE91B5A11001F024',
  },
];

/** A certificate file as DER (Apple serves DER; a PEM copy is accepted too). */
export function toDer(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(bytes.subarray(0, 64));
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return bytes;
  const base64 = new TextDecoder().decode(bytes).replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The fingerprint format of the pins: SHA-256 of the DER, upper-case hex. */
export async function sha256Hex(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der as BufferSource));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}
