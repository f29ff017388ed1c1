// The proxy's own persistent CA: created once, name-constrained to the intercepted hosts, validated on start.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { generateCACertificate } from 'mockttp/dist/util/certificates';
import { caPaths } from '../../common/ca-files.js';
import { ensureDir } from '../../common/dirs.js';

export interface CaFiles {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the certificate, colon-separated hex (as openssl prints it). */
  fingerprint: string;
  notAfter: Date;
  /** True when this call created (or re-created) the CA. */
  created: boolean;
  /** Why an existing CA was replaced, when it was. */
  replacedBecause?: string;
}

interface CaMeta {
  hosts: string[];
  created_at: string;
}

/** Renew when less than this remains, so a running proxy never serves an expired chain. */
const MIN_REMAINING_MS = 30 * 24 * 3600 * 1000;

/** Why the CA in `dir` cannot be used, or undefined when it can. */
export function caProblem(dir: string, hosts: readonly string[], now = new Date()): string | undefined {
  const { certPath, keyPath, metaPath } = caPaths(dir);
  if (!existsSync(certPath) || !existsSync(keyPath)) return 'missing';
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    const key = createPrivateKey(readFileSync(keyPath));
    if (!cert.ca) return 'not a CA certificate';
    if (!cert.checkPrivateKey(key)) return 'key does not match certificate';
    if (new Date(cert.validTo).getTime() - now.getTime() < MIN_REMAINING_MS) return 'expired or about to expire';
    if (new Date(cert.validFrom).getTime() > now.getTime()) return 'not yet valid';
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as CaMeta;
    if ([...meta.hosts].sort().join(',') !== [...hosts].sort().join(','))
      return 'name constraints differ from the intercepted hosts';
  } catch (e) {
    return `unreadable (${(e as Error).message.split('\n')[0]})`;
  }
  return undefined;
}

function writePrivate(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Load the CA from `dir`, creating or replacing it when missing or invalid. Directory 0700, key 0600. */
export async function ensureCa(dir: string, hosts: readonly string[]): Promise<CaFiles> {
  ensureDir(dir, 0o700);
  chmodSync(dir, 0o700);
  const { certPath, keyPath, metaPath } = caPaths(dir);
  const problem = caProblem(dir, hosts);
  let created = false;
  if (problem) {
    const ca = await generateCACertificate({
      bits: 2048,
      subject: { commonName: `ccp-lanes local MITM CA (${hosts.join(', ')} only)`, organizationName: 'ccp-lanes' },
      nameConstraints: { permitted: [...hosts] },
    });
    writePrivate(keyPath, ca.key);
    writeFileSync(certPath, ca.cert, { mode: 0o644 });
    const meta: CaMeta = { hosts: [...hosts], created_at: new Date().toISOString() };
    writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o644 });
    created = true;
  } else {
    chmodSync(keyPath, 0o600);
  }
  const cert = readFileSync(certPath, 'utf8');
  const key = readFileSync(keyPath, 'utf8');
  const x509 = new X509Certificate(cert);
  return {
    certPath,
    keyPath,
    cert,
    key,
    fingerprint: x509.fingerprint256,
    notAfter: new Date(x509.validTo),
    created,
    ...(problem && problem !== 'missing' ? { replacedBecause: problem } : {}),
  };
}
