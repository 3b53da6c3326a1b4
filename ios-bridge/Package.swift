// swift-tools-version: 5.10
// The iOS app adds this folder as a local package. SubscriptionCore is pure Swift (Foundation only)
// so its tests run with `swift test` on a Mac; SubscriptionKit wires it to supabase-swift, StoreKit 2
// and AuthenticationServices; SubscriptionKitGoogle is optional and the only target that needs
// Google's SDK, so an app without Google sign-in never fetches it.
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
    // v2 API: SupabaseClient(supabaseURL:supabaseKey:options:), signInWithIdToken, linkIdentityWithIdToken,
    // functions.invoke, Realtime V2 postgresChange + subscribeWithError, emitLocalSessionAsInitialSession.
    .package(url: "https://github.com/supabase/supabase-swift.git", .upToNextMajor(from: "2.36.0")),
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
  ]
)
