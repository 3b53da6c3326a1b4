// The ready mapping for the old app's MongoDB collection `mainusers` (`--format mainusers`), as
// `mongoexport --uri="$MONGO_URI" --collection=mainusers --out=mainusers.jsonl` exports it.
//
// One document per user:
//   _id                          ObjectId               → legacy id (its 24-character hex)
//   username                     string                 → player_stats.username
//   email                        string                 → sign-in email
//   password                     bcrypt hash, or the legacy plaintext password (hashed on import)
//   google_id, apple_id          the provider's account id (`sub`) → Google / Apple identities
//   oauth_provider               'google' | 'apple' | other → the account's sign-up provider
//   coins, xp                    Int32 / Int64 / Double → player_stats
//   stripeCustomerId             cus_…
//   appleOriginalTransactionId   one App Store original transaction id
//   createdAt                    Date
//
// The collection records no email verification, so its people are imported unconfirmed unless
// `--trust-emails` (see docs/import-users.md). A `--mapping` file is merged over this one, e.g.
// `{ "emailVerified": "emailVerified", "stripeLivemode": "stripeLivemode" }` if those fields exist.
import type { Mapping } from '../import-users.ts';

export const MAINUSERS_MAPPING: Mapping = {
  legacyId: '_id',
  email: 'email',
  password: 'password',
  googleId: 'google_id',
  appleId: 'apple_id',
  oauthProvider: 'oauth_provider',
  username: 'username',
  xp: 'xp',
  coins: 'coins',
  stripeCustomerId: 'stripeCustomerId',
  appleOriginalTransactionIds: 'appleOriginalTransactionId',
  createdAt: 'createdAt',
};
