import Foundation

/// The app's identity, in one place. The contract test checks these against `.env.example`,
/// `supabase/config.toml` and the StoreKit configuration file.
public enum CertGamesApp {
  public static let bundleIdentifier = "com.certgames.app"
  public static let monthlyPremiumProductID = "com.certgames.app.monthly_premium"
  public static let urlScheme = "certgamesapp"
}

/// Everything the bridge needs to know about the deployment, from one place: Supabase's URL and
/// publishable key (per environment, from Info.plist), the product ids and the URL scheme.
public struct BridgeConfiguration: Equatable, Sendable {
  public var supabaseURL: URL
  /// The publishable (`sb_publishable_…`) or legacy anon key. Never a secret/service-role key.
  public var supabasePublishableKey: String
  public var bundleIdentifier: String
  /// Subscription products this backend grants access for (its `APPLE_PRODUCT_IDS`).
  public var subscriptionProductIDs: [String]
  public var urlScheme: String
  /// Where web subscribers manage billing, shown as text on iOS (e.g. `https://certgames.com/account`).
  public var webAccountURL: URL?

  public init(
    supabaseURL: URL,
    supabasePublishableKey: String,
    bundleIdentifier: String = CertGamesApp.bundleIdentifier,
    subscriptionProductIDs: [String] = [CertGamesApp.monthlyPremiumProductID],
    urlScheme: String = CertGamesApp.urlScheme,
    webAccountURL: URL? = nil
  ) {
    self.supabaseURL = supabaseURL
    self.supabasePublishableKey = supabasePublishableKey
    self.bundleIdentifier = bundleIdentifier
    self.subscriptionProductIDs = subscriptionProductIDs
    self.urlScheme = urlScheme
    self.webAccountURL = webAccountURL
  }

  /// Redirect for email confirmation, OAuth and identity linking; listed in `config.toml`.
  public var authCallbackURL: URL { URL(string: "\(urlScheme)://auth-callback")! }

  /// Redirect of the password-reset email; the app shows "choose a new password" when it opens.
  public var passwordResetURL: URL { URL(string: "\(urlScheme)://auth-callback/reset-password")! }

  public enum Problem: Error, Equatable, Sendable {
    case missing(String)
    case invalidURL(String)
    case secretKey
    case invalidURLScheme
  }

  /// Info.plist keys (set them from an .xcconfig per build configuration).
  public enum InfoKey {
    public static let supabaseURL = "SupabaseURL"
    public static let supabasePublishableKey = "SupabasePublishableKey"
    public static let webAccountURL = "WebAccountURL"
  }

  /// Reads the deployment from the app's Info.plist (`Bundle.main.infoDictionary`).
  public init(infoDictionary: [String: Any]) throws {
    func string(_ key: String) -> String? {
      guard let value = infoDictionary[key] as? String else { return nil }
      let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
      return trimmed.isEmpty ? nil : trimmed
    }
    guard let urlText = string(InfoKey.supabaseURL) else { throw Problem.missing(InfoKey.supabaseURL) }
    guard let key = string(InfoKey.supabasePublishableKey) else { throw Problem.missing(InfoKey.supabasePublishableKey) }
    guard let url = URL(string: urlText) else { throw Problem.invalidURL(urlText) }
    var web: URL?
    if let webText = string(InfoKey.webAccountURL) {
      guard let parsed = URL(string: webText), parsed.scheme == "https" else { throw Problem.invalidURL(webText) }
      web = parsed
    }
    self.init(supabaseURL: url, supabasePublishableKey: key, webAccountURL: web)
    try validate()
  }

  /// Refuses what would be a security or configuration mistake in a shipped app.
  public func validate() throws {
    let host = supabaseURL.host ?? ""
    let isLocal = host == "127.0.0.1" || host == "localhost"
    guard supabaseURL.scheme == "https" || (supabaseURL.scheme == "http" && isLocal), !host.isEmpty else {
      throw Problem.invalidURL(supabaseURL.absoluteString)
    }
    // A secret key in an app binary is readable by anyone who downloads it and bypasses RLS.
    if supabasePublishableKey.hasPrefix("sb_secret_") || Self.isServiceRoleJWT(supabasePublishableKey) {
      throw Problem.secretKey
    }
    let schemeCharacters = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "+-."))
    guard let first = urlScheme.unicodeScalars.first, CharacterSet.lowercaseLetters.contains(first),
      urlScheme.unicodeScalars.allSatisfy(schemeCharacters.contains)
    else { throw Problem.invalidURLScheme }
  }

  /// Legacy keys are JWTs; the service-role one says so in its payload.
  static func isServiceRoleJWT(_ key: String) -> Bool {
    let parts = key.split(separator: ".")
    guard parts.count == 3 else { return false }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64.append("=") }
    guard let data = Data(base64Encoded: base64),
      let payload = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return false }
    return payload["role"] as? String == "service_role"
  }
}
