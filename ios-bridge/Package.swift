// swift-tools-version: 6.0
// The iOS app adds this folder as a local package. SubscriptionCore is pure Swift (Foundation only)
// so its tests run with `swift test` on a Mac; SubscriptionKit wires it to supabase-swift, StoreKit 2
// and AuthenticationServices; SubscriptionKitGoogle is optional and the only target that needs
// Google's SDK, so an app without Google sign-in never fetches it.
//
// Swift 6 language mode for every target (data-race safety checked by the compiler): Xcode 16 or
// later. supabase-swift 2.50 and later declare swift-tools-version 6.1: with Xcode 16.0–16.2 (Swift
// 6.0) SwiftPM skips those releases and resolves 2.49.0 at most; Xcode 16.3+ resolves the newest 2.x.
// See docs/ios.md, "Swift 6 and Xcode".
import PackageDescription

let package = Package(
  name: "CertGamesBridge",
  platforms: [.iOS(.v16), .macOS(.v13)],
  products: [
    .library(name: "SubscriptionCore", targets: ["SubscriptionCore"]),
    .library(name: "SubscriptionKit", targets: ["SubscriptionKit"]),
    .library(name: "SubscriptionKitGoogle", targets: ["SubscriptionKitGoogle"]),
  ],
  dependencies: [
    // 2.37.0 is the first release with every API the sources call (emitLocalSessionAsInitialSession
    // is the newest of them); supabase/tests/ios-contract/swift-regressions.test.ts keeps the table
    // of each API's first release and fails when this bound is too low.
    .package(url: "https://github.com/supabase/supabase-swift.git", .upToNextMajor(from: "2.37.0")),
    // 9.0 added the custom nonce that lets Supabase verify Google ID tokens.
    .package(url: "https://github.com/google/GoogleSignIn-iOS.git", .upToNextMajor(from: "9.0.0")),
  ],
  targets: [
    .target(name: "SubscriptionCore"),
    .target(
      name: "SubscriptionKit",
      dependencies: [
        "SubscriptionCore",
        .product(name: "Supabase", package: "supabase-swift"),
      ]
    ),
    .target(
      name: "SubscriptionKitGoogle",
      dependencies: [
        "SubscriptionCore",
        "SubscriptionKit",
        .product(name: "GoogleSignIn", package: "GoogleSignIn-iOS"),
      ]
    ),
    .testTarget(
      name: "SubscriptionCoreTests",
      dependencies: ["SubscriptionCore"],
      // JSON written by the TypeScript contract test from the real schema and functions.
      resources: [.copy("Fixtures")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
