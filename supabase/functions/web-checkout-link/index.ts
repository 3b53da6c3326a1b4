// GET|POST /functions/v1/web-checkout-link — "Buy on the web" from the iOS app: where it is offered,
// and a single-use link that opens the web checkout signed in as the caller (see handler.ts).
import { handleWebCheckoutLink } from './handler.ts';

Deno.serve(handleWebCheckoutLink);
