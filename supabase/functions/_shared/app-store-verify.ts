// Verification of everything Apple signs (notifications, transactions, renewal info) with the
// official library's SignedDataVerifier: x5c chain to our configured roots, Apple's OIDs, ES256,
// bundle id, app id, environment. App Review buys in the sandbox against the production backend, so
// both environments are accepted (configured one first) unless APPLE_ALLOW_SANDBOX=false.
import {
  Environment,
  SignedDataVerifier,
  VerificationException,
  VerificationStatus,
  type JWSRenewalInfoDecodedPayload,
  type JWSTransactionDecodedPayload,
  type ResponseBodyV2DecodedPayload,
} from '@apple/app-store-server-library';
import { appleConfig, ConfigError, type AppleConfig, type AppleEnvironment } from './config.ts';
import { listDirectory, readFileBytes } from './env.ts';
import { APPLE_ROOT_CERTIFICATES, sha256Hex, toDer } from './apple-root-pins.ts';
import { ApiError } from './http.ts';

const DEFAULT_ROOTS_DIR = new URL('./apple-root-certificates/', import.meta.url);

async function loadRoots(config: AppleConfig): Promise<Uint8Array[]> {
  let paths = config.rootCertificatePaths;
  if (!paths) {
    const files = await listDirectory(DEFAULT_ROOTS_DIR).catch(() => [] as string[]);
    paths = files.filter((f) => /\.(cer|der|pem)$/.test(f)).map((f) => new URL(f, DEFAULT_ROOTS_DIR).pathname);
  }
  if (paths.length === 0) {
    throw new ConfigError('No Apple root certificates: run scripts/apple-root-certificates.ts or set APPLE_ROOT_CERTIFICATES');
  }
  const pinned = new Set(APPLE_ROOT_CERTIFICATES.map((r) => r.sha256));
  return Promise.all(paths.map(async (path) => {
    let der: Uint8Array;
    try {
      der = toDer(await readFileBytes(path));
    } catch {
      throw new ConfigError(`Cannot read Apple root certificate ${path} (APPLE_ROOT_CERTIFICATES)`);
    }
    if (!pinned.has(await sha256Hex(der)) && !config.trustUnpinnedRoots) {
      throw new ConfigError(`${path} is not one of Apple's pinned root certificates (APPLE_ROOT_CERTIFICATES)`);
    }
    return der;
  }));
}

type Certificate = { raw: Uint8Array; validFrom: string; validTo: string; issuer: string; subject: string };
const MAX_CLOCK_SKEW_MS = 60_000; // the library's own tolerance
const CHAIN_CACHE_MS = 15 * 60_000; // what the library caches for with online checks
const CHAIN_CACHE_SIZE = 32;

/**
 * The official verifier, remembering certificate chains it has already verified. With online checks
 * the library caches them itself (after OCSP); offline it re-verified the same Apple chain for every
 * JWS — three per notification. A cached chain is reused only for payloads whose signing date lies
 * within the validity of its certificates, exactly the date check the library would make.
 */
class ChainCachingVerifier extends SignedDataVerifier {
  private readonly verifiedChains = new Map<string, { publicKey: unknown; notBefore: number; notAfter: number; until: number }>();

  protected override async verifyCertificateChain(roots: Certificate[], leaf: Certificate, intermediate: Certificate, effectiveDate: Date) {
    if (this.enableOnlineChecks) return super.verifyCertificateChain(roots as never, leaf as never, intermediate as never, effectiveDate);
    // The library hands us node:crypto X509Certificates, whose `raw` is a Buffer.
    const base64 = (raw: Uint8Array) => (raw as unknown as { toString(encoding: 'base64'): string }).toString('base64');
    const key = `${base64(leaf.raw)}.${base64(intermediate.raw)}`;
    const at = effectiveDate.getTime();
    const hit = this.verifiedChains.get(key);
    if (hit && hit.until > Date.now() && at >= hit.notBefore - MAX_CLOCK_SKEW_MS && at <= hit.notAfter + MAX_CLOCK_SKEW_MS) {
      return hit.publicKey as Awaited<ReturnType<SignedDataVerifier['verifyAndDecodeTransaction']>> as never; // the KeyObject cached below
    }
    const publicKey = await super.verifyCertificateChainWithoutCaching(roots as never, leaf as never, intermediate as never, effectiveDate);
    const root = roots.find((r) => r.subject === intermediate.issuer);
    const certs = [leaf, intermediate, ...(root ? [root] : [])];
    if (this.verifiedChains.size >= CHAIN_CACHE_SIZE) this.verifiedChains.delete(this.verifiedChains.keys().next().value!);
    this.verifiedChains.set(key, {
      publicKey,
      notBefore: Math.max(...certs.map((c) => Date.parse(c.validFrom))),
      notAfter: Math.min(...certs.map((c) => Date.parse(c.validTo))),
      until: Date.now() + CHAIN_CACHE_MS,
    });
    return publicKey;
  }
}

let verifiers: Promise<Map<AppleEnvironment, SignedDataVerifier>> | undefined;

function verifiersFor(config: AppleConfig): Promise<Map<AppleEnvironment, SignedDataVerifier>> {
  verifiers ??= loadRoots(config).then((roots) => {
    // Uint8Array is what the library's Buffer parameter needs at run time (an ArrayBuffer is not).
    const buffers = roots as unknown as Buffer[];
    const map = new Map<AppleEnvironment, SignedDataVerifier>();
    // Only these two environments: Xcode/LocalTesting verifiers skip signature checks entirely.
    if (config.appAppleId !== undefined) {
      map.set('Production', new ChainCachingVerifier(buffers, config.onlineChecks, Environment.PRODUCTION, config.bundleId, config.appAppleId));
    }
    map.set('Sandbox', new ChainCachingVerifier(buffers, config.onlineChecks, Environment.SANDBOX, config.bundleId, config.appAppleId));
    return map;
  }).catch((error) => {
    verifiers = undefined;
    throw error;
  });
  return verifiers;
}

function environmentsToTry(config: AppleConfig): AppleEnvironment[] {
  const other: AppleEnvironment = config.environment === 'Production' ? 'Sandbox' : 'Production';
  const order: AppleEnvironment[] = [config.environment, other];
  return order.filter((env) => env === 'Production' || config.allowSandbox);
}

/** The claimed `environment` of a JWS, read without verifying it: only to explain a refusal. */
function claimedEnvironment(jws: string): string | undefined {
  try {
    const payload = JSON.parse(atob(jws.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload?.data?.environment ?? payload?.environment;
  } catch {
    return undefined;
  }
}

export function verificationError(error: unknown): ApiError {
  if (!(error instanceof VerificationException)) {
    return new ApiError(400, 'invalid_signature', 'The signed data could not be verified');
  }
  switch (error.status) {
    case VerificationStatus.RETRYABLE_VERIFICATION_FAILURE:
      return new ApiError(503, 'verification_unavailable', 'Apple’s certificate status service is unreachable; retry later');
    case VerificationStatus.INVALID_APP_IDENTIFIER:
      return new ApiError(400, 'wrong_app', 'The signed data is for another app (bundle id or app Apple ID)');
    case VerificationStatus.INVALID_ENVIRONMENT:
      return new ApiError(400, 'wrong_environment', 'The signed data is for another App Store environment');
    default:
      return new ApiError(400, 'invalid_signature', 'The signature or certificate chain is not valid');
  }
}

async function verifyWithEither<T>(jws: string, verify: (v: SignedDataVerifier) => Promise<T>): Promise<{ value: T; environment: AppleEnvironment }> {
  const config = appleConfig();
  if (typeof jws !== 'string' || jws.split('.').length !== 3) throw new ApiError(400, 'invalid_request', 'Expected a compact JWS');
  const claimed = claimedEnvironment(jws);
  if (claimed === 'Sandbox' && !config.allowSandbox) {
    throw new ApiError(403, 'sandbox_not_allowed', 'Sandbox App Store data is refused by this backend (APPLE_ALLOW_SANDBOX=false)');
  }
  const available = await verifiersFor(config);
  let firstError: unknown;
  for (const environment of environmentsToTry(config)) {
    const verifier = available.get(environment);
    if (!verifier) continue;
    try {
      return { value: await verify(verifier), environment };
    } catch (error) {
      // The configured environment's verdict explains a refusal best.
      firstError ??= error;
      const status = error instanceof VerificationException ? error.status : undefined;
      // A Production verifier reports Sandbox data as a wrong app id (it compares that first).
      const mayBeOtherEnvironment = status === VerificationStatus.INVALID_ENVIRONMENT ||
        (status === VerificationStatus.INVALID_APP_IDENTIFIER && environment === 'Production');
      if (!mayBeOtherEnvironment) break;
    }
  }
  throw verificationError(firstError);
}

export interface VerifiedNotification {
  notification: ResponseBodyV2DecodedPayload;
  environment: AppleEnvironment;
  /** Verifies the transaction and renewal info inside (the library's notification check does not). */
  contents(): Promise<{ transaction?: JWSTransactionDecodedPayload; renewal?: JWSRenewalInfoDecodedPayload }>;
}

/** Verifies a notification; its nested signed data is verified on demand, after duplicate checks. */
export async function verifyNotification(signedPayload: string): Promise<VerifiedNotification> {
  const { value: notification, environment } = await verifyWithEither(signedPayload, (v) => v.verifyAndDecodeNotification(signedPayload));
  return {
    notification,
    environment,
    async contents() {
      const verifier = (await verifiersFor(appleConfig())).get(environment)!;
      try {
        const transaction = notification.data?.signedTransactionInfo
          ? await verifier.verifyAndDecodeTransaction(notification.data.signedTransactionInfo)
          : undefined;
        const renewal = notification.data?.signedRenewalInfo
          ? await verifier.verifyAndDecodeRenewalInfo(notification.data.signedRenewalInfo)
          : undefined;
        return { transaction, renewal };
      } catch (error) {
        throw verificationError(error);
      }
    },
  };
}

export async function verifyTransaction(signedTransaction: string): Promise<{ transaction: JWSTransactionDecodedPayload; environment: AppleEnvironment }> {
  const { value, environment } = await verifyWithEither(signedTransaction, (v) => v.verifyAndDecodeTransaction(signedTransaction));
  return { transaction: value, environment };
}

export async function verifyRenewalInfo(signedRenewalInfo: string, environment: AppleEnvironment): Promise<JWSRenewalInfoDecodedPayload> {
  const verifier = (await verifiersFor(appleConfig())).get(environment);
  if (!verifier) throw new ApiError(400, 'wrong_environment', `No ${environment} verifier is configured`);
  try {
    return await verifier.verifyAndDecodeRenewalInfo(signedRenewalInfo);
  } catch (error) {
    throw verificationError(error);
  }
}
