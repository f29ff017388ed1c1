// Where the proxy's CA lives and what its certificate's fingerprint is: read by status, doctor, the env
// script and the bundle without loading the CA generator (mockttp) or touching the key.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function caPaths(dir: string) {
  return { certPath: join(dir, 'ca.pem'), keyPath: join(dir, 'ca-key.pem'), metaPath: join(dir, 'ca.json') };
}

/** Fingerprint of the certificate at `certPath`, for status/doctor/bundle without touching the key. */
export function certFingerprint(certPath: string): string | undefined {
  try {
    return new X509Certificate(readFileSync(certPath)).fingerprint256;
  } catch {
    return undefined;
  }
}
