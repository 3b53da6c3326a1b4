-- Local development seed (`supabase db reset`, or `npm run dev` on first start). Never run in
-- production. Three people, password `password123`, one per interesting state:
--   alex@example.com  subscribed on the web (Stripe), renews
--   jamie@example.com subscribed on iPhone (App Store), payment failed, in grace period
--   sam@example.com   no subscription
-- Billing rows go through the same apply functions the edge functions use.

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  extensions.crypt('password123', extensions.gen_salt('bf')), now(),
  '{"provider": "email", "providers": ["email"]}', jsonb_build_object('full_name', u.name), now(), now(),
  '', '', '', ''
from (values
  ('11111111-1111-4111-8111-111111111111'::uuid, 'alex@example.com', 'Alex Web'),
  ('22222222-2222-4222-8222-222222222222'::uuid, 'jamie@example.com', 'Jamie iPhone'),
  ('33333333-3333-4333-8333-333333333333'::uuid, 'sam@example.com', 'Sam Free')
) as u (id, email, name)
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), 'email', now(), now(), now()
from auth.users u
where u.id in ('11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333')
on conflict (provider_id, provider) do nothing;

select billing.link_stripe_customer('11111111-1111-4111-8111-111111111111', 'cus_LocalAlex', false);

select * from billing.apply_subscription_update(
  p_store => 'stripe',
  p_event_id => 'evt_seed_alex_1',
  p_event_type => 'customer.subscription.created',
  p_event_at => now() - interval '10 days',
  p_store_subscription_id => 'sub_LocalAlex',
  p_user_id => '11111111-1111-4111-8111-111111111111',
  p_product_id => 'prod_LocalPremium',
  p_status => 'active',
  p_expires_at => now() + interval '20 days',
  p_will_renew => true,
  p_grace_period_expires_at => null,
  p_is_sandbox => true
);

select * from billing.apply_subscription_update(
  p_store => 'app_store',
  p_event_id => 'seed-jamie-1',
  p_event_type => 'DID_FAIL_TO_RENEW.GRACE_PERIOD',
  p_event_at => now() - interval '2 days',
  p_store_subscription_id => '2000000000000001',
  p_user_id => '22222222-2222-4222-8222-222222222222',
  p_product_id => 'com.certgames.app.monthly_premium',
  p_status => 'in_grace_period',
  p_expires_at => now() - interval '1 day',
  p_will_renew => true,
  p_grace_period_expires_at => now() + interval '15 days',
  p_is_sandbox => true
);

-- Practice questions (public.practice_questions): free ones for everyone, premium ones for
-- subscribers (RLS; see the premium_content migration). Sam reads 3, Alex and Jamie read all 8.
insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
values
  ('security-plus', 1, 'Which principle grants each account only the permissions it needs to do its job?',
    '["Least privilege", "Separation of duties", "Defense in depth", "Implicit deny"]', 0,
    'Least privilege limits every account to what its role requires, which limits the damage a compromised account can do.', false),
  ('security-plus', 2, 'Which protocol should replace Telnet for remote administration?',
    '["FTP", "SSH", "SNMPv1", "HTTP"]', 1,
    'SSH encrypts the whole session, credentials included; Telnet sends everything in clear text.', false),
  ('security-plus', 3, 'A user receives an email that appears to come from the CEO asking for gift cards. What is this?',
    '["Vishing", "Whaling", "Business email compromise", "Smishing"]', 2,
    'Impersonating an executive by email to get money or data is business email compromise; whaling targets the executive instead.', true),
  ('security-plus', 4, 'Which control type is a security awareness training program?',
    '["Technical", "Physical", "Managerial", "Compensating"]', 2,
    'Training is a managerial (administrative) control: it changes what people do, not what systems enforce.', true),
  ('security-plus', 5, 'What does a hash provide when a file is downloaded?',
    '["Confidentiality", "Integrity", "Availability", "Non-repudiation"]', 1,
    'Comparing the published hash with the downloaded file''s hash shows whether the file changed: integrity.', true),
  ('network-plus', 1, 'Which port does HTTPS use by default?',
    '["80", "443", "8080", "22"]', 1,
    'HTTPS is HTTP over TLS, on TCP port 443 by default.', false),
  ('network-plus', 2, 'Which OSI layer do routers primarily operate at?',
    '["Layer 2", "Layer 3", "Layer 4", "Layer 7"]', 1,
    'Routers forward packets by IP address, a Layer 3 (network) function.', true),
  ('network-plus', 3, 'Which record type maps a host name to an IPv6 address?',
    '["A", "AAAA", "CNAME", "PTR"]', 1,
    'AAAA records hold IPv6 addresses; A records hold IPv4 addresses.', true)
on conflict (exam_code, position) do nothing;
