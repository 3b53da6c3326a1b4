// GET|POST /functions/v1/subscribe — price for the page; create or reuse the web subscription.
import { handleSubscribe } from './handler.ts';

Deno.serve(handleSubscribe);
