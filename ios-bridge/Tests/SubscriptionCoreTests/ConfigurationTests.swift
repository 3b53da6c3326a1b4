import XCTest

@testable import SubscriptionCore

final class ConfigurationTests: XCTestCase {
  private let info: [String: Any] = [
    "SupabaseURL": "https://abcd.supabase.co",
    "SupabasePublishableKey": "sb_publishable_123",
    "WebAccountURL": "https://certgames.example/account",
  ]

  func testReadsInfoPlistAndDerivesRedirects() throws {
    let configuration = try BridgeConfiguration(infoDictionary: info)
    XCTAssertEqual(configuration.supabaseURL.absoluteString, "https://abcd.supabase.co")
    XCTAssertEqual(configuration.subscriptionProductIDs, ["com.certgames.app.monthly_premium"])
    XCTAssertEqual(configuration.bundleIdentifier, "com.certgames.app")
    XCTAssertEqual(configuration.authCallbackURL.absoluteString, "certgamesapp://auth-callback")
    XCTAssertEqual(configuration.passwordResetURL.absoluteString, "certgamesapp://auth-callback/reset-password")
    XCTAssertEqual(configuration.webAccountURL?.host, "certgames.example")
  }

  func testRefusesMissingValuesAndSecretKeys() {
    var missing = info
    missing["SupabasePublishableKey"] = "  "
    XCTAssertThrowsError(try BridgeConfiguration(infoDictionary: missing)) {
      XCTAssertEqual($0 as? BridgeConfiguration.Problem, .missing("SupabasePublishableKey"))
    }
    var secret = info
    secret["SupabasePublishableKey"] = "sb_secret_abc"
    XCTAssertThrowsError(try BridgeConfiguration(infoDictionary: secret)) {
      XCTAssertEqual($0 as? BridgeConfiguration.Problem, .secretKey)
    }
    // A legacy service_role JWT (payload {"role":"service_role"}).
    var legacy = info
    legacy["SupabasePublishableKey"] = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln"
    XCTAssertThrowsError(try BridgeConfiguration(infoDictionary: legacy)) {
      XCTAssertEqual($0 as? BridgeConfiguration.Problem, .secretKey)
    }
    var anon = info
    anon["SupabasePublishableKey"] = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln"  // {"role":"anon"}
    XCTAssertNoThrow(try BridgeConfiguration(infoDictionary: anon))
  }

  func testRefusesCleartextOutsideLocalDevelopment() {
    var remote = info
    remote["SupabaseURL"] = "http://abcd.supabase.co"
    XCTAssertThrowsError(try BridgeConfiguration(infoDictionary: remote))
    var local = info
    local["SupabaseURL"] = "http://127.0.0.1:54321"
    XCTAssertNoThrow(try BridgeConfiguration(infoDictionary: local))
    var web = info
    web["WebAccountURL"] = "http://certgames.example/account"
    XCTAssertThrowsError(try BridgeConfiguration(infoDictionary: web))
  }

  func testRefusesAnInvalidURLScheme() {
    var configuration = BridgeConfiguration(supabaseURL: URL(string: "https://a.supabase.co")!, supabasePublishableKey: "k")
    configuration.urlScheme = "Cert Games"
    XCTAssertThrowsError(try configuration.validate()) { XCTAssertEqual($0 as? BridgeConfiguration.Problem, .invalidURLScheme) }
  }
}
