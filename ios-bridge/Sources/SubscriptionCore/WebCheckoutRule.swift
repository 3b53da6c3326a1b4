import Foundation

/// Whether the paywall may show "Subscribe on the web" (docs/ios.md, "Buy on the web").
public enum WebCheckoutAvailability: Equatable, Sendable {
  /// Show the button; `storefront` is the App Store storefront to send with the link request.
  case available(storefront: String)
  /// Hide it.
  case hidden(WebCheckoutHiddenReason)

  public var isAvailable: Bool {
    if case .available = self { return true }
    return false
  }
}

public enum WebCheckoutHiddenReason: Equatable, Sendable {
  /// The paywall sells nothing right now: signed out, the row not read yet, already entitled in
  /// either store, a restore or a payment fix pending, or a web payment already processing.
  case notOfferingPurchase
  /// StoreKit reports no storefront (no App Store account on the device, or it could not tell).
  case storefrontUnknown
  /// This App Store country or region is not on the allow-list (Apple allows links to a web
  /// checkout without an entitlement on the United States storefront only).
  case storefrontNotEligible(String)
}

/// The one rule for the web checkout button. Pure, so it is tested without StoreKit or a network.
public enum WebCheckoutRule {
  /// Where the app offers it when it cannot read the backend's list: the United States storefront,
  /// where App Review Guideline 3.1.1(a) allows buttons and links to other purchase methods since
  /// 1 May 2025.
  public static let defaultStorefronts: Set<String> = ["USA"]

  /// Shown only when the paywall would sell an in-app purchase (so never to someone already
  /// entitled, in either store), and only on an allowed App Store storefront.
  public static func decide(paywall: PaywallDecision, storefront: String?, allowedStorefronts: Set<String>) -> WebCheckoutAvailability {
    guard paywall.allowsPurchase else { return .hidden(.notOfferingPurchase) }
    guard let code = storefront?.trimmingCharacters(in: .whitespaces).uppercased(), !code.isEmpty else {
      return .hidden(.storefrontUnknown)
    }
    guard allowedStorefronts.contains(code) else { return .hidden(.storefrontNotEligible(code)) }
    return .available(storefront: code)
  }

  /// The backend's list (GET web-checkout-link) when the app could read it, else the configured
  /// one. An empty list from the backend means it is switched off, and is honoured.
  public static func allowedStorefronts(server: [String]?, configured: Set<String>) -> Set<String> {
    guard let server else { return Set(configured.map { $0.uppercased() }) }
    return Set(server.map { $0.uppercased() })
  }

  /// The link goes where the backend says, but only over https (http only to this machine, for
  /// local development): anything else is refused rather than handed to the system.
  public static func isOpenable(_ url: URL) -> Bool {
    switch url.scheme?.lowercased() {
    case "https":
      return url.host?.isEmpty == false
    case "http":
      return ["127.0.0.1", "localhost"].contains(url.host?.lowercased() ?? "")
    default:
      return false
    }
  }
}

/// Why "Subscribe on the web" did not open the checkout.
public enum WebCheckoutError: Error, Equatable, Sendable {
  /// Not offered here (the availability changed since the button was shown).
  case unavailable(WebCheckoutHiddenReason)
  /// The backend refused or could not be reached (e.g. `already_subscribed`: refresh the row).
  case backend(BridgeError)
  /// The backend's link is not an https URL; nothing was opened.
  case unexpectedURL
  /// The system declined to open the browser.
  case browserDidNotOpen

  /// What to tell the person, or nil when nothing needs saying.
  public var userMessage: UserFacingMessage? {
    switch self {
    case .unavailable:
      return UserFacingMessage(
        title: "Not available here",
        message: "Subscribing on the web is not offered in your App Store country or region. You can subscribe in the app.",
        action: .none)
    case let .backend(.backend(_, code, _)) where code == .alreadySubscribed:
      return UserFacingMessage(title: "You're already subscribed", message: "Your subscription is active on this account.", action: .none)
    case let .backend(.backend(_, code, _)) where code == .tooManyLinks:
      return UserFacingMessage(
        title: "Please wait a moment", message: "You asked for several web links in a row. Try again in a few minutes.", action: .retry)
    case let .backend(error):
      return UserFacingError.message(for: error)
    case .unexpectedURL, .browserDidNotOpen:
      return UserFacingMessage(title: "Couldn't open the browser", message: "Please try again, or subscribe in the app.", action: .retry)
    }
  }
}
