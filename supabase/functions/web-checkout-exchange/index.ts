// POST /functions/v1/web-checkout-exchange — the web page redeems a link from the iOS app, once, for
// a one-time Supabase Auth sign-in token (see handler.ts and ../web-checkout-link/handler.ts).
import { handleWebCheckoutExchange } from './handler.ts';

Deno.serve(handleWebCheckoutExchange);
