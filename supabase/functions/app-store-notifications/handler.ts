// POST /functions/v1/app-store-notifications — App Store Server Notifications V2 from Apple
// ({ "signedPayload": "<JWS>" }). Register this URL for Production and Sandbox in App Store Connect.
//
// Answers: 200 handled/ignored/duplicate · 4xx bad signature, wrong bundle id or app, refused
// sandbox data, malformed body (nothing written) · 503 transient failure (Apple retries; nothing
// half-written) · 500 otherwise.
import { ApiError, json, readJsonObject, respond } from '../_shared/http.ts';
import { processAppStoreNotification } from '../_shared/app-store-notifications.ts';

const MAX_BODY_BYTES = 256 * 1024;

export function handleAppStoreNotification(req: Request): Promise<Response> {
  return respond(async () => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'App Store notifications are POST requests');
    const body = await readJsonObject(req, MAX_BODY_BYTES);
    return json(200, { received: true, ...(await processAppStoreNotification(body.signedPayload)) });
  });
}
