// POST /functions/v1/app-store-sync — StoreKit 2 transactions from the signed-in iOS app.
import { handleAppStoreSync } from './handler.ts';

Deno.serve(handleAppStoreSync);
