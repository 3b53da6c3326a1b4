// POST /functions/v1/app-store-notifications — App Store Server Notifications V2 (Apple signs; no JWT).
import { handleAppStoreNotification } from './handler.ts';

Deno.serve(handleAppStoreNotification);
