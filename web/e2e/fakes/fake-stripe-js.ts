// FAKE Stripe.js (endive), for tests only. js.stripe.com cannot be reached here, so the browser
// tests serve this in its place (and the component tests install it on the test window). It has
// the surface @stripe/react-stripe-js and our checkout use — elements(), create('payment' |
// 'expressCheckout'), mount, events, elements.submit(), confirmPayment/confirmSetup,
// retrievePaymentIntent — and talks to "api.stripe.com" with the publishable key and the client
// secret, in Stripe's form encoding, as Stripe.js does. Card fields render inline (the real ones
// are iframes) so tests can type Stripe's test card numbers.

type Handler = (event: Record<string, unknown>) => void;
type Json = Record<string, any>; // deno-lint-ignore no-explicit-any

export interface FakeStripeJsOptions {
  apiBase?: string;
  /** Wallets the fake "device" offers (Apple Pay on Safari, Google Pay on Chrome, Link anywhere). */
  wallets?: { applePay?: boolean; googlePay?: boolean; link?: boolean };
}

function formEncode(value: Json, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}[${k}]` : k;
    if (v === undefined || v === null) return [];
    if (typeof v === 'object') return formEncode(v as Json, key);
    return [`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`];
  });
}

class FakeElement {
  private handlers = new Map<string, Set<Handler>>();
  node?: HTMLElement;
  constructor(readonly type: string, readonly owner: FakeElements, public options: Json) {}
  on(event: string, handler: Handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(handler);
    return this;
  }
  off(event: string, handler?: Handler) {
    if (handler) this.handlers.get(event)?.delete(handler);
    else this.handlers.delete(event);
    return this;
  }
  emit(event: string, payload: Record<string, unknown> = {}) {
    for (const handler of this.handlers.get(event) ?? []) handler({ elementType: this.type, ...payload });
  }
  update(options: Json) {
    this.options = { ...this.options, ...options };
  }
  mount(target: HTMLElement | string) {
    const node = typeof target === 'string' ? document.querySelector<HTMLElement>(target)! : target;
    this.node = node;
    if (this.type === 'payment') this.renderPayment(node);
    if (this.type === 'expressCheckout') this.renderWallets(node);
  }
  unmount() {
    if (this.node) this.node.innerHTML = '';
  }
  destroy() {
    this.unmount();
    this.handlers.clear();
    this.owner.forget(this);
  }
  focus() {
    this.node?.querySelector('input')?.focus();
  }
  collapse() {}
  clear() {}

  private renderPayment(node: HTMLElement) {
    node.innerHTML = `
      <div class="fake-stripe-payment" data-testid="payment-element">
        <div class="field"><label for="fake-card-number">Card number</label><input id="fake-card-number" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234"></div>
        <div class="row">
          <div class="field"><label for="fake-card-expiry">Expiration date</label><input id="fake-card-expiry" autocomplete="cc-exp" placeholder="MM / YY"></div>
          <div class="field"><label for="fake-card-cvc">Security code</label><input id="fake-card-cvc" autocomplete="cc-csc" placeholder="CVC"></div>
        </div>
      </div>`;
    node.querySelectorAll('input').forEach((input) =>
      input.addEventListener('input', () => this.emit('change', { complete: this.card().number.length >= 12, empty: false })));
    setTimeout(() => this.emit('ready'), 0);
  }

  private renderWallets(node: HTMLElement) {
    const wallets = this.owner.stripe.options.wallets ?? {};
    const available = { applePay: Boolean(wallets.applePay), googlePay: Boolean(wallets.googlePay), link: Boolean(wallets.link) };
    const labels: [keyof typeof available, string, string][] = [['applePay', 'apple_pay', 'Apple Pay'], ['googlePay', 'google_pay', 'Google Pay'], ['link', 'link', 'Pay with Link']];
    // Like the real element: one button per row at `buttonHeight` (Stripe's default 44 px), full width.
    const height = Number(this.options.buttonHeight ?? 44);
    node.innerHTML = labels.filter(([k]) => available[k]).map(([, type, label]) =>
      `<button type="button" data-wallet="${type}" class="fake-wallet" style="display:block;width:100%;height:${height}px;margin:0 0 8px;border-radius:6px;border:0;background:#000;color:#fff;font:600 16px system-ui,sans-serif">${label}</button>`).join('');
    node.querySelectorAll<HTMLButtonElement>('button[data-wallet]').forEach((button) =>
      button.addEventListener('click', () => {
        this.owner.walletUsed = true;
        this.emit('click', { expressPaymentType: button.dataset.wallet, resolve: () => {} });
        this.emit('confirm', { expressPaymentType: button.dataset.wallet, billingDetails: { name: 'Test Wallet', email: 'wallet@example.test' }, paymentFailed: () => {} });
      }));
    setTimeout(() => this.emit('ready', { availablePaymentMethods: Object.values(available).some(Boolean) ? available : undefined }), 0);
  }

  card() {
    const value = (id: string) => (this.node?.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '').replace(/\s/g, '');
    return { number: value('fake-card-number'), expiry: value('fake-card-expiry'), cvc: value('fake-card-cvc') };
  }
}

class FakeElements {
  readonly elements = new Set<FakeElement>();
  walletUsed = false;
  constructor(readonly stripe: FakeStripeInstance, public options: Json) {}
  create(type: string, options: Json = {}) {
    const element = new FakeElement(type, this, options);
    this.elements.add(element);
    return element;
  }
  getElement(type: string) {
    return [...this.elements].find((e) => e.type === type) ?? null;
  }
  forget(element: FakeElement) {
    this.elements.delete(element);
  }
  update(options: Json) {
    this.options = { ...this.options, ...options };
  }
  async fetchUpdates() {
    return {};
  }
  async submit() {
    if (this.walletUsed) return {};
    const card = this.getElement('payment')?.card();
    if (!card || card.number.length < 12) return { error: { type: 'validation_error', code: 'incomplete_number', message: 'Your card number is incomplete.' } };
    if (card.expiry.length < 4) return { error: { type: 'validation_error', code: 'incomplete_expiry', message: "Your card's expiration date is incomplete." } };
    if (card.cvc.length < 3) return { error: { type: 'validation_error', code: 'incomplete_cvc', message: "Your card's security code is incomplete." } };
    return {};
  }
}

class FakeStripeInstance {
  readonly version = 'endive';
  constructor(readonly key: string, readonly options: FakeStripeJsOptions) {}
  _registerWrapper() {}
  registerAppInfo() {}
  elements(options: Json = {}) {
    return new FakeElements(this, options);
  }
  createToken() {
    return Promise.resolve({ error: { type: 'invalid_request_error', message: 'Not supported by the fake' } });
  }
  createPaymentMethod() {
    return this.createToken();
  }
  confirmCardPayment() {
    return this.createToken();
  }

  private async api(method: 'GET' | 'POST', path: string, params: Json): Promise<{ status: number; body: Json }> {
    const body = formEncode({ key: this.key, ...params }).join('&');
    const url = `${this.options.apiBase ?? 'https://api.stripe.com'}${path}`;
    const res = method === 'GET'
      ? await fetch(`${url}?${body}`)
      : await fetch(url, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: res.status, body: await res.json() };
  }

  private async confirm(kind: 'payment_intents' | 'setup_intents', args: { elements: FakeElements; clientSecret: string; confirmParams?: Json; redirect?: string }) {
    const intentId = args.clientSecret.split('_secret_')[0];
    const card = args.elements.walletUsed ? { number: '4242424242424242' } : args.elements.getElement('payment')?.card();
    const { status, body } = await this.api('POST', `/v1/${kind}/${intentId}/confirm`, {
      client_secret: args.clientSecret,
      return_url: args.confirmParams?.return_url,
      payment_method_data: { type: 'card', card: { number: card?.number } },
    });
    if (status >= 400) return { error: body.error };
    let intent = body;
    if (intent.status === 'requires_action') intent = await this.challenge(kind, intentId, args.clientSecret);
    if (intent.last_payment_error && intent.status === 'requires_payment_method') return { error: { ...intent.last_payment_error, type: 'card_error' } };
    if (args.redirect !== 'if_required' && args.confirmParams?.return_url) {
      window.location.assign(`${args.confirmParams.return_url}${args.confirmParams.return_url.includes('?') ? '&' : '?'}payment_intent=${intentId}&payment_intent_client_secret=${args.clientSecret}&redirect_status=${intent.status}`);
    }
    return kind === 'payment_intents' ? { paymentIntent: intent } : { setupIntent: intent };
  }

  /** The 3-D Secure challenge: a dialog the shopper completes or fails. */
  private challenge(kind: string, intentId: string, clientSecret: string): Promise<Json> {
    return new Promise((resolve) => {
      const dialog = document.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-label', '3D Secure authentication');
      dialog.className = 'fake-3ds';
      dialog.innerHTML = '<p>Your bank asks you to confirm this payment (3D Secure test page).</p><button type="button" data-outcome="succeeded">Complete authentication</button> <button type="button" data-outcome="failed">Fail authentication</button>';
      document.body.appendChild(dialog);
      dialog.querySelectorAll<HTMLButtonElement>('button').forEach((button) => button.addEventListener('click', async () => {
        dialog.remove();
        const { body } = await this.api('POST', `/v1/${kind}/${intentId}/authenticate`, { client_secret: clientSecret, outcome: button.dataset.outcome });
        resolve(body);
      }));
    });
  }

  confirmPayment(args: { elements: FakeElements; clientSecret: string; confirmParams?: Json; redirect?: string }) {
    return this.confirm('payment_intents', args);
  }
  confirmSetup(args: { elements: FakeElements; clientSecret: string; confirmParams?: Json; redirect?: string }) {
    return this.confirm('setup_intents', args);
  }
  async retrievePaymentIntent(clientSecret: string) {
    const { status, body } = await this.api('GET', `/v1/payment_intents/${clientSecret.split('_secret_')[0]}`, { client_secret: clientSecret });
    return status >= 400 ? { error: body.error } : { paymentIntent: body };
  }
  async retrieveSetupIntent(clientSecret: string) {
    const { status, body } = await this.api('GET', `/v1/setup_intents/${clientSecret.split('_secret_')[0]}`, { client_secret: clientSecret });
    return status >= 400 ? { error: body.error } : { setupIntent: body };
  }
}

/** Defines window.Stripe as Stripe.js does. */
export function installFakeStripe(target: Window, options: FakeStripeJsOptions = {}): void {
  const factory = (key: string) => new FakeStripeInstance(key, options);
  (factory as unknown as { version: string }).version = 'endive';
  (target as unknown as { Stripe: unknown }).Stripe = factory;
}
