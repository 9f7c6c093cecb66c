/** Test certificates (bench/harness/tls-certs.ts) in a temp dir removed when the test ends. */
import type { Test } from 'tap';
import { makeTestCertificates, type TestCertificates } from '../../bench/harness/tls-certs.js';
import { tempDir } from './temp-dir.js';

export {
  fingerprint256,
  opensslMissing,
  type CertFiles,
  type TestCertificates,
} from '../../bench/harness/tls-certs.js';

/** Makes the test certificates in a fresh temp dir, removed when `t` ends. Check `opensslMissing()` first. */
export function makeCertificates(t: Test): TestCertificates {
  return makeTestCertificates(tempDir(t, 'brook-tls-'));
}
