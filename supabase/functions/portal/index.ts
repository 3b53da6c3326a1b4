// GET|POST /functions/v1/portal — billing summary; Stripe customer portal session for the signed-in user.
import { handlePortal } from './handler.ts';

Deno.serve(handlePortal);
