// Messages people can act on, from Supabase Auth errors (error codes from GoTrue).
import { PASSWORD_POLICY } from './password-rules.ts';
export interface AuthErrorLike {
  code?: string;
  message?: string;
  status?: number;
}

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'That email and password do not match. Check them, or reset your password.',
  email_not_confirmed: 'Please confirm your email first, with the code or the link we sent you.',
  user_already_exists: 'An account with this email already exists. Sign in instead — with the method you used before.',
  email_exists: 'An account with this email already exists. Sign in instead — with the method you used before.',
  weak_password: `Choose a stronger password: at least ${PASSWORD_POLICY.minimumLength} characters, with a letter and a number.`,
  identity_already_exists: 'That sign-in method is already linked to another account.',
  single_identity_not_deletable: 'This is your only way to sign in, so it cannot be removed. Add another method first.',
  manual_linking_disabled: 'Linking sign-in methods is not enabled for this project.',
  over_email_send_rate_limit: 'Too many emails were sent. Please wait a minute and try again.',
  over_request_rate_limit: 'Too many attempts. Please wait a minute and try again.',
  same_password: 'Your new password must be different from the old one.',
  otp_expired: 'This link has expired or was already used. Ask for a new one.',
  validation_failed: 'Check the email address: it does not look complete.',
  flow_state_not_found: 'This sign-in link has expired. Please try again.',
  bad_code_verifier: 'Please finish signing in in the same browser you started in.',
};

/** For a code typed from the email (verifyOtp answers otp_expired for a wrong or an old code alike). */
export function friendlyCodeError(error: AuthErrorLike | null | undefined): string {
  if (error?.code === 'otp_expired') return 'That code is not right, or it has expired. Check the latest email, or send a new code.';
  return friendlyAuthError(error);
}

export function friendlyAuthError(error: AuthErrorLike | null | undefined): string {
  if (!error) return '';
  if (error.code && MESSAGES[error.code]) return MESSAGES[error.code];
  if (error.status === 0 || /fetch|network/i.test(error.message ?? '')) return 'We cannot reach the server. Check your connection and try again.';
  return error.message || 'Something went wrong. Please try again.';
}
