// The password rule Supabase Auth enforces, as supabase/config.toml sets it ([auth]
// minimum_password_length = 8, password_requirements = "letters_digits"; set the same on a hosted
// project). The sign-up and new-password forms show it and check it as people type, so the server
// never has to refuse a password the page accepted (password-rules.test.ts holds both to config.toml).
export const PASSWORD_POLICY = { minimumLength: 8, requirements: 'letters_digits' } as const;

export interface PasswordRule {
  id: 'length' | 'letter' | 'digit';
  label: string;
  met: boolean;
}

/** GoTrue's letters_digits: at least one of a–z/A–Z and one of 0–9; length counted in characters. */
export function passwordRules(password: string): PasswordRule[] {
  return [
    { id: 'length', label: `At least ${PASSWORD_POLICY.minimumLength} characters`, met: [...password].length >= PASSWORD_POLICY.minimumLength },
    { id: 'letter', label: 'A letter', met: /[a-z]/i.test(password) },
    { id: 'digit', label: 'A number', met: /[0-9]/.test(password) },
  ];
}

export function passwordAcceptable(password: string): boolean {
  return passwordRules(password).every((rule) => rule.met);
}

/** One sentence for the field's error, naming what is missing. */
export function passwordProblem(password: string): string {
  const missing = passwordRules(password).filter((rule) => !rule.met).map((rule) => rule.label.toLowerCase());
  return missing.length ? `Your password needs ${missing.join(', ').replace(/, ([^,]*)$/, ' and $1')}.` : '';
}
