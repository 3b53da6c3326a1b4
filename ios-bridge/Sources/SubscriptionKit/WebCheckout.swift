import Foundation
import Supabase
import SubscriptionCore

#if canImport(StoreKit)
  import StoreKit
#endif
#if canImport(UIKit)
  import UIKit
#elseif canImport(AppKit)
  import AppKit
#endif

/// "Buy on the web" (docs/ios.md): a button that opens the web checkout in the system browser,
/// already signed in as the app's account, on App Store storefronts where Apple allows it.
///
/// 1. `availability(for:)` — shown only when the paywall would sell an in-app purchase (so never to
///    someone already entitled) and StoreKit's storefront (`Storefront.current?.countryCode`, e.g.
///    `USA`) is on the backend's allow-list (`GET web-checkout-link`), or on `configuredStorefronts`
///    when the backend cannot be read.
/// 2. `open(paywall:)` — asks `web-checkout-link` for a single-use, five-minute link signed in as the
///    caller and opens it with the system browser (`UIApplication.open`), never an in-app web view.
/// 3. After paying there, the app sees the subscription like any other change: the Realtime feed on
///    `billing.store_subscriptions` re-reads the row when the Stripe webhook lands, and coming back
///    to the app (`sceneDidBecomeActive`) re-reads it anyway; the next session refresh puts it in the
///    access token's `entitlements` claim.
public struct WebCheckout: Sendable {
  public typealias StorefrontProvider = @Sendable () async -> String?
  public typealias URLOpener = @MainActor @Sendable (URL) async -> Bool

  private let client: SupabaseClient
  private let configuredStorefronts: Set<String>
  private let currentStorefront: StorefrontProvider

  public init(
    client: SupabaseClient,
    configuredStorefronts: Set<String> = WebCheckoutRule.defaultStorefronts,
    currentStorefront: @escaping StorefrontProvider = { await WebCheckout.appStoreStorefront() }
  ) {
    self.client = client
    self.configuredStorefronts = configuredStorefronts
    self.currentStorefront = currentStorefront
  }

  /// The App Store storefront of the account signed in to the App Store on this device (ISO 3166-1
  /// alpha-3), which is what App Review's storefront rules are about — not the device's region.
  public static func appStoreStorefront() async -> String? {
    #if canImport(StoreKit)
      return await Storefront.current?.countryCode
    #else
      return nil
    #endif
  }

  /// Whether to show the button for this paywall decision.
  public func availability(for paywall: PaywallDecision) async -> WebCheckoutAvailability {
    // Selling nothing: no need to ask StoreKit or the backend.
    guard paywall.allowsPurchase else { return .hidden(.notOfferingPurchase) }
    let storefront = await currentStorefront()
    let allowed = WebCheckoutRule.allowedStorefronts(server: await serverStorefronts(), configured: configuredStorefronts)
    return WebCheckoutRule.decide(paywall: paywall, storefront: storefront, allowedStorefronts: allowed)
  }

  /// `GET web-checkout-link`: the storefronts the backend offers it in; nil when it cannot be read.
  public func serverStorefronts() async -> [String]? {
    try? await client.functions.invoke("web-checkout-link", options: FunctionInvokeOptions(method: .get)) { data, _ in
      try JSONDecoder().decode(WebCheckoutStorefronts.self, from: data).storefronts
    }
  }

  /// `POST web-checkout-link`: a single-use link for the signed-in person. Throws `BridgeError`
  /// (e.g. `.backend(409, .alreadySubscribed, …)`, `.backend(403, .storefrontNotEligible, …)`).
  public func requestLink(storefront: String) async throws -> WebCheckoutLink {
    do {
      // A fresh access token: the function verifies it, and an expired one would cost a retry.
      _ = try await client.auth.session
      return try await client.functions.invoke(
        "web-checkout-link",
        options: FunctionInvokeOptions(body: WebCheckoutRequest(storefront: storefront))
      ) { data, _ in
        try JSONDecoder().decode(WebCheckoutLink.self, from: data)
      }
    } catch {
      throw BridgeErrorMapper.map(error)
    }
  }

  /// Checks the rule again, asks for a link and opens it in the system browser. The link is used
  /// at once and never shown, stored or logged: it signs its holder in for five minutes.
  @MainActor
  @discardableResult
  public func open(paywall: PaywallDecision, using openURL: URLOpener = WebCheckout.openInSystemBrowser) async throws -> WebCheckoutLink {
    let storefront: String
    switch await availability(for: paywall) {
    case let .available(allowed):
      storefront = allowed
    case let .hidden(reason):
      throw WebCheckoutError.unavailable(reason)
    }
    let link: WebCheckoutLink
    do {
      link = try await requestLink(storefront: storefront)
    } catch let error as BridgeError {
      throw WebCheckoutError.backend(error)
    }
    guard WebCheckoutRule.isOpenable(link.url) else { throw WebCheckoutError.unexpectedURL }
    guard await openURL(link.url) else { throw WebCheckoutError.browserDidNotOpen }
    return link
  }

  /// The system browser (Safari or the person's default browser), as Apple's rules for links to
  /// other purchase methods expect — not SFSafariViewController or a WKWebView inside the app.
  @MainActor
  public static func openInSystemBrowser(_ url: URL) async -> Bool {
    #if canImport(UIKit)
      return await UIApplication.shared.open(url, options: [:])
    #elseif canImport(AppKit)
      return NSWorkspace.shared.open(url)
    #else
      return false
    #endif
  }
}

extension SubscriptionBridge {
  /// Whether the paywall shows "Subscribe on the web" right now (see `WebCheckout`).
  public func webCheckoutAvailability(configuredStorefronts: Set<String> = WebCheckoutRule.defaultStorefronts) async
    -> WebCheckoutAvailability
  {
    await WebCheckout(client: client, configuredStorefronts: configuredStorefronts).availability(for: paywall)
  }

  /// "Subscribe on the web": opens the web checkout in the system browser, signed in as this
  /// account. When the backend says the person is already subscribed, the row is re-read so the
  /// paywall catches up.
  public func openWebCheckout(configuredStorefronts: Set<String> = WebCheckoutRule.defaultStorefronts) async throws {
    do {
      try await WebCheckout(client: client, configuredStorefronts: configuredStorefronts).open(paywall: paywall)
    } catch let error as WebCheckoutError {
      if case .backend(.backend(_, .alreadySubscribed, _)) = error { await entitlements.refresh() }
      throw error
    }
  }
}
