// POST /functions/v1/delete-account — the signed-in person deletes their account.
import { handleDeleteAccount } from './handler.ts';

Deno.serve(handleDeleteAccount);
