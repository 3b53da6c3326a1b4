// FAKE App Store signing, for tests and the local sandbox only. Apple's servers and keys are out of
// reach, so this makes a certificate chain shaped like Apple's (root → intermediate carrying
// OID 1.2.840.113635.100.6.2.1 → ES256 leaf carrying OID 1.2.840.113635.100.6.11.1) and signs
// notifications, transactions and renewal info as compact JWS with an x5c header — so the official
// SignedDataVerifier runs its real checks against the test root. A subscription object plays a
// lifecycle the way App Store Server Notifications V2 report it.
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs a Reflect polyfill first
import * as x509 from '@peculiar/x509';
import { randomUUID } from 'node:crypto';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const ASN1_NULL = new Uint8Array([0x05, 0x00]);
export const OID_APPLE_WWDR_INTERMEDIATE = '1.2.840.113635.100.6.2.1';
export const OID_APPLE_RECEIPT_SIGNING = '1.2.840.113635.100.6.11.1';
const DAY = 86_400_000;

export interface TestChain {
  rootDer: Uint8Array;
  /** [leaf, intermediate, root], standard base64 DER, as Apple sends them. */
  x5c: string[];
  leafKey: CryptoKey;
}

export async function generateTestChain(options: { withAppleOids?: boolean; notBefore?: Date; notAfter?: Date } = {}): Promise<TestChain> {
  x509.cryptoProvider.set(globalThis.crypto);
  const withOids = options.withAppleOids ?? true;
  const notBefore = options.notBefore ?? new Date(Date.now() - 30 * DAY);
  const notAfter = options.notAfter ?? new Date(Date.now() + 3650 * DAY);
  const keys = () => crypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
  const [rootKeys, intKeys, leafKeys] = await Promise.all([keys(), keys(), keys()]);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=Test Apple Root CA - G3, OU=Test Certification Authority, O=Test, C=US',
    notBefore, notAfter, signingAlgorithm: ALG, keys: rootKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: 'CN=Test Apple Worldwide Developer Relations CA - G6, O=Test, C=US', issuer: root.subject,
    notBefore, notAfter, signingAlgorithm: ALG, publicKey: intKeys.publicKey, signingKey: rootKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ...(withOids ? [new x509.Extension(OID_APPLE_WWDR_INTERMEDIATE, false, ASN1_NULL)] : []),
    ],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '03', subject: 'CN=Test Prod ECC Mac App Store and iTunes Store Receipt Signing, O=Test, C=US', issuer: intermediate.subject,
    notBefore, notAfter, signingAlgorithm: ALG, publicKey: leafKeys.publicKey, signingKey: intKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(withOids ? [new x509.Extension(OID_APPLE_RECEIPT_SIGNING, false, ASN1_NULL)] : []),
    ],
  });
  return {
    rootDer: new Uint8Array(root.rawData),
    x5c: [leaf, intermediate, root].map((c) => Buffer.from(c.rawData).toString('base64')),
    leafKey: leafKeys.privateKey,
  };
}

/** A chain as files: the local sandbox keeps its own, so the functions and `npm run simulate` agree. */
export async function exportTestChain(chain: TestChain): Promise<{ rootDer: string; x5c: string[]; leafPkcs8: string }> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', chain.leafKey));
  return { rootDer: Buffer.from(chain.rootDer).toString('base64'), x5c: chain.x5c, leafPkcs8: Buffer.from(pkcs8).toString('base64') };
}

export async function importTestChain(saved: { rootDer: string; x5c: string[]; leafPkcs8: string }): Promise<TestChain> {
  const leafKey = await crypto.subtle.importKey('pkcs8', Buffer.from(saved.leafPkcs8, 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  return { rootDer: new Uint8Array(Buffer.from(saved.rootDer, 'base64')), x5c: saved.x5c, leafKey };
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

export async function signJws(payload: object, chain: TestChain, header: Record<string, unknown> = { alg: 'ES256', x5c: chain.x5c }): Promise<string> {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, chain.leafKey, new TextEncoder().encode(input));
  return `${input}.${b64url(new Uint8Array(signature))}`;
}

export type AppleEnv = 'Production' | 'Sandbox';

export interface FakeAppStoreOptions {
  chain: TestChain;
  bundleId?: string;
  appAppleId?: number;
  environment?: AppleEnv;
}

/** A signed notification request body, as Apple POSTs it. */
export interface SignedNotification {
  body: { signedPayload: string };
  uuid: string;
  type: string;
  subtype?: string;
}

export class FakeAppStore {
  readonly chain: TestChain;
  readonly bundleId: string;
  readonly appAppleId: number;
  readonly environment: AppleEnv;

  constructor(options: FakeAppStoreOptions) {
    this.chain = options.chain;
    this.bundleId = options.bundleId ?? 'com.certgames.app';
    this.appAppleId = options.appAppleId ?? 1_234_567_890;
    this.environment = options.environment ?? 'Sandbox';
  }

  subscription(options: SubscriptionOptions = {}): FakeSubscription {
    return new FakeSubscription(this, options);
  }

  async notification(
    type: string,
    subtype: string | undefined,
    data: Record<string, unknown> | undefined,
    signedDate: number,
    overrides: Record<string, unknown> = {},
  ): Promise<SignedNotification> {
    const uuid = randomUUID();
    const payload: Record<string, unknown> = {
      notificationType: type,
      ...(subtype ? { subtype } : {}),
      notificationUUID: uuid,
      version: '2.0',
      signedDate,
      ...(data ? { data: { appAppleId: this.appAppleId, bundleId: this.bundleId, bundleVersion: '42', environment: this.environment, ...data } } : {}),
      ...overrides,
    };
    return { body: { signedPayload: await signJws(payload, this.chain) }, uuid, type, subtype };
  }

  /** Apple's "Request a Test Notification". */
  test(): Promise<SignedNotification> {
    return this.notification('TEST', undefined, {}, Date.now());
  }

  /** A mass renewal-date extension summary: no transaction inside. */
  renewalExtensionSummary(productId = 'com.certgames.app.monthly_premium'): Promise<SignedNotification> {
    return this.notification('RENEWAL_EXTENSION', 'SUMMARY', undefined, Date.now(), {
      summary: { requestIdentifier: randomUUID(), environment: this.environment, appAppleId: this.appAppleId, bundleId: this.bundleId, productId, storefrontCountryCodes: ['USA'], succeededCount: 10, failedCount: 0 },
    });
  }
}

export interface SubscriptionOptions {
  /** The purchaser's Supabase user id, set by the app as appAccountToken; null for none. */
  appAccountToken?: string | null;
  productId?: string;
  familyShared?: boolean;
  /** Epoch ms of the first purchase (default: one hour ago). */
  start?: number;
}

export class FakeSubscription {
  readonly originalTransactionId = String(2_000_000_000_000_000 + Math.floor(Math.random() * 1e12));
  productId: string;
  autoRenew = true;
  billingRetry = false;
  graceEnd: number | undefined;
  expirationIntent: number | undefined;
  private transactionId = this.originalTransactionId;
  private purchaseDate: number;
  private expiresDate: number;
  private revocation: { date: number; reason: number; type: string } | undefined;
  private clock: number;

  constructor(readonly store: FakeAppStore, readonly options: SubscriptionOptions) {
    this.productId = options.productId ?? 'com.certgames.app.monthly_premium';
    this.purchaseDate = options.start ?? Date.now() - 3_600_000;
    this.expiresDate = this.purchaseDate + 30 * DAY;
    this.clock = this.purchaseDate;
  }

  get expires(): number {
    return this.expiresDate;
  }

  transactionPayload(signedDate = this.clock): Record<string, unknown> {
    const token = this.options.appAccountToken;
    return {
      transactionId: this.transactionId,
      originalTransactionId: this.originalTransactionId,
      webOrderLineItemId: String(Number(this.transactionId) % 1e12),
      bundleId: this.store.bundleId,
      productId: this.productId,
      subscriptionGroupIdentifier: '21482456',
      purchaseDate: this.purchaseDate,
      originalPurchaseDate: this.options.start ?? this.purchaseDate,
      expiresDate: this.expiresDate,
      quantity: 1,
      type: 'Auto-Renewable Subscription',
      ...(token ? { appAccountToken: token } : {}),
      inAppOwnershipType: this.options.familyShared ? 'FAMILY_SHARED' : 'PURCHASED',
      signedDate,
      environment: this.store.environment,
      transactionReason: this.transactionId === this.originalTransactionId ? 'PURCHASE' : 'RENEWAL',
      storefront: 'USA',
      storefrontId: '143441',
      price: 9990,
      currency: 'USD',
      appTransactionId: '704289572311122267',
      ...(this.revocation ? { revocationDate: this.revocation.date, revocationReason: this.revocation.reason, revocationType: this.revocation.type } : {}),
    };
  }

  renewalPayload(signedDate = this.clock): Record<string, unknown> {
    const token = this.options.appAccountToken;
    return {
      originalTransactionId: this.originalTransactionId,
      autoRenewProductId: this.productId,
      productId: this.productId,
      autoRenewStatus: this.autoRenew ? 1 : 0,
      isInBillingRetryPeriod: this.billingRetry,
      ...(this.graceEnd ? { gracePeriodExpiresDate: this.graceEnd } : {}),
      ...(this.expirationIntent ? { expirationIntent: this.expirationIntent } : {}),
      signedDate,
      environment: this.store.environment,
      recentSubscriptionStartDate: this.options.start ?? this.purchaseDate,
      renewalDate: this.expiresDate,
      ...(token ? { appAccountToken: token } : {}),
      currency: 'USD',
      renewalPrice: 9990,
    };
  }

  /** The StoreKit 2 transaction's jwsRepresentation, as the app sends it to the sync function. */
  signedTransaction(): Promise<string> {
    return signJws(this.transactionPayload(), this.store.chain);
  }

  /**
   * What the app sends for an earlier transaction, signed now: e.g. Transaction.updates delivering
   * the refund of a previous period (captured with transactionPayload()).
   */
  signedTransactionOf(transaction: Record<string, unknown>, revocation?: 'REFUND_FULL' | 'FAMILY_REVOKE'): Promise<string> {
    this.clock += 1000;
    const revoked = revocation ? { revocationDate: this.clock, revocationReason: 0, revocationType: revocation } : {};
    return signJws({ ...transaction, signedDate: this.clock, ...revoked }, this.store.chain);
  }

  private async notify(type: string, subtype?: string, at?: number, transaction?: Record<string, unknown>): Promise<SignedNotification> {
    this.clock = Math.max(this.clock + 1000, at ?? this.clock + 60_000);
    const status = this.revocation ? 5 : this.expiresDate > this.clock ? 1 : this.billingRetry ? (this.graceEnd && this.graceEnd > this.clock ? 4 : 3) : 2;
    return this.store.notification(type, subtype, {
      signedTransactionInfo: await signJws(transaction ? { ...transaction, signedDate: this.clock } : this.transactionPayload(), this.store.chain),
      signedRenewalInfo: await signJws(this.renewalPayload(), this.store.chain),
      status,
    }, this.clock);
  }

  subscribe(subtype: 'INITIAL_BUY' | 'RESUBSCRIBE' = 'INITIAL_BUY') {
    if (subtype === 'RESUBSCRIBE') this.startNewPeriod(this.clock + 60_000);
    this.autoRenew = true;
    return this.notify('SUBSCRIBED', subtype);
  }

  renew() {
    this.startNewPeriod(this.expiresDate);
    return this.notify('DID_RENEW', undefined, this.purchaseDate - DAY);
  }

  failToRenew(withGracePeriod: boolean) {
    this.billingRetry = true;
    this.graceEnd = withGracePeriod ? this.expiresDate + 16 * DAY : undefined;
    return this.notify('DID_FAIL_TO_RENEW', withGracePeriod ? 'GRACE_PERIOD' : undefined, this.expiresDate);
  }

  graceExpired() {
    return this.notify('GRACE_PERIOD_EXPIRED', undefined, this.graceEnd);
  }

  recover() {
    this.billingRetry = false;
    this.graceEnd = undefined;
    this.startNewPeriod(this.clock + DAY);
    return this.notify('DID_RENEW', 'BILLING_RECOVERY');
  }

  setAutoRenew(on: boolean) {
    this.autoRenew = on;
    return this.notify('DID_CHANGE_RENEWAL_STATUS', on ? 'AUTO_RENEW_ENABLED' : 'AUTO_RENEW_DISABLED');
  }

  changeRenewalPref(subtype: 'UPGRADE' | 'DOWNGRADE', productId: string) {
    if (subtype === 'UPGRADE') {
      this.productId = productId;
      this.startNewPeriod(this.clock + 60_000);
    }
    return this.notify('DID_CHANGE_RENEWAL_PREF', subtype);
  }

  offerRedeemed(subtype?: 'INITIAL_BUY' | 'RESUBSCRIBE' | 'UPGRADE' | 'DOWNGRADE') {
    return this.notify('OFFER_REDEEMED', subtype);
  }

  priceIncrease(subtype: 'PENDING' | 'ACCEPTED') {
    return this.notify('PRICE_INCREASE', subtype);
  }

  expire(subtype: 'VOLUNTARY' | 'BILLING_RETRY' | 'PRICE_INCREASE' | 'PRODUCT_NOT_FOR_SALE') {
    this.autoRenew = false;
    this.billingRetry = false;
    this.expirationIntent = { VOLUNTARY: 1, BILLING_RETRY: 2, PRICE_INCREASE: 3, PRODUCT_NOT_FOR_SALE: 4 }[subtype];
    return this.notify('EXPIRED', subtype, Math.max(this.expiresDate, this.clock + 1000));
  }

  refund() {
    this.revocation = { date: this.clock + 60_000, reason: 0, type: 'REFUND_FULL' };
    return this.notify('REFUND');
  }

  /** Apple refunds an earlier period's transaction (captured with transactionPayload()) now. */
  refundOf(earlierTransaction: Record<string, unknown>) {
    return this.notify('REFUND', undefined, undefined, { ...earlierTransaction, revocationDate: this.clock + 60_000, revocationReason: 0, revocationType: 'REFUND_FULL' });
  }

  refundDeclined() {
    return this.notify('REFUND_DECLINED');
  }

  refundReversed() {
    this.revocation = undefined;
    return this.notify('REFUND_REVERSED');
  }

  revokeFamilySharing() {
    this.revocation = { date: this.clock + 60_000, reason: 0, type: 'FAMILY_REVOKE' };
    return this.notify('REVOKE');
  }

  extendRenewal(days: number) {
    this.expiresDate += days * DAY;
    return this.notify('RENEWAL_EXTENDED');
  }

  unhandled(type: string, subtype?: string) {
    return this.notify(type, subtype);
  }

  private startNewPeriod(start: number) {
    this.transactionId = String(Number(this.transactionId) + 1);
    this.purchaseDate = start;
    this.expiresDate = start + 30 * DAY;
    this.revocation = undefined;
  }
}
