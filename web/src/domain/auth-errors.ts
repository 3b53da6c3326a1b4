// Messages people can act on, from Supabase Auth errors (error codes from GoTrue).
export interface AuthErrorLike {
  code?: string;
  message?: string;
  status?: number;
}

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'That email and password do not match. Check them, or reset your password.',
  email_not_confirmed: 'Please confirm your email first: open the link we sent you. You can ask for a new one below.',
  user_already_exists: 'An account with this email already exists. Sign in instead — with the method you used before.',
  email_exists: 'An account with this email already exists. Sign in instead — with the method you used before.',
  weak_password: 'Choose a stronger password: at least 8 characters with letters and digits.',
  identity_already_exists: 'That sign-in method is already linked to another account.',
  single_identity_not_deletable: 'This is your only way to sign in, so it cannot be removed. Add another method first.',
  manual_linking_disabled: 'Linking sign-in methods is not enabled for this project.',
  over_email_send_rate_limit: 'Too many emails were sent. Please wait a minute and try again.',
  over_request_rate_limit: 'Too many attempts. Please wait a minute and try again.',
  same_password: 'Your new password must be different from the old one.',
  otp_expired: 'This link has expired or was already used. Ask for a new one.',
  flow_state_not_found: 'This sign-in link has expired. Please try again.',
  bad_code_verifier: 'Please finish signing in in the same browser you started in.',
};

export function friendlyAuthError(error: AuthErrorLike | null | undefined): string {
  if (!error) return '';
  if (error.code && MESSAGES[error.code]) return MESSAGES[error.code];
  if (error.status === 0 || /fetch|network/i.test(error.message ?? '')) return 'We cannot reach the server. Check your connection and try again.';
  return error.message || 'Something went wrong. Please try again.';
}
