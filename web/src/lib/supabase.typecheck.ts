// Compile-time checks of the typed client (run by `tsc --noEmit -p web`, part of `npm test`): the
// Data API calls know the schema generated from the migrations. Nothing imports this file.
import type { SupabaseClient } from './supabase.ts';

export async function typedReads(supabase: SupabaseClient): Promise<void> {
  const { data } = await supabase.from('subscriptions').select('is_active, store, current_period_ends_at').maybeSingle();
  const active: boolean | null | undefined = data?.is_active;
  const ends: string | null | undefined = data?.current_period_ends_at;
  void [active, ends];
  // @ts-expect-error — a column the view does not have
  await supabase.from('subscriptions').select('*').eq('price', 999);
  // @ts-expect-error — billing is private: the Data API does not expose it
  await supabase.from('store_subscriptions').select('*');
  // @ts-expect-error — display_name is text, not a number
  await supabase.from('profiles').update({ display_name: 42 }).eq('id', 'x');
}
