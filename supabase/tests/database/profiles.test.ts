// The sign-up trigger: every auth.users row gets a profile, named from OAuth metadata when present.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

describe('profiles', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  async function profile(id: string) {
    const [row] = await db.owner<{ display_name: string | null; avatar_url: string | null }[]>`
      select display_name, avatar_url from public.profiles where id = ${id}`;
    return row;
  }

  test('email sign-up without metadata gets an empty profile', async () => {
    const id = await db.createUser({ provider: 'email' });
    assert.deepEqual({ ...(await profile(id)) }, { display_name: null, avatar_url: null });
  });

  test('email sign-up with a name passed in options.data', async () => {
    const id = await db.createUser({ provider: 'email', userMetadata: { full_name: '  Ada Lovelace ' } });
    assert.equal((await profile(id)).display_name, 'Ada Lovelace');
  });

  test('Google sign-up takes the name and the https picture', async () => {
    const id = await db.createUser({
      provider: 'google',
      userMetadata: {
        iss: 'https://accounts.google.com',
        sub: '10769150350006150715113082367',
        name: 'Grace Hopper',
        full_name: 'Grace Hopper',
        email: 'grace@example.test',
        email_verified: true,
        picture: 'https://lh3.googleusercontent.com/a/photo.jpg',
        avatar_url: 'https://lh3.googleusercontent.com/a/photo.jpg',
        provider_id: '10769150350006150715113082367',
      },
    });
    assert.deepEqual({ ...(await profile(id)) }, {
      display_name: 'Grace Hopper',
      avatar_url: 'https://lh3.googleusercontent.com/a/photo.jpg',
    });
  });

  test('Apple sign-up with a private relay email and no name, then the name arrives via updateUser', async () => {
    const id = await db.createUser({
      provider: 'apple',
      userMetadata: {
        iss: 'https://appleid.apple.com',
        sub: '001234.abcdef0123456789.1234',
        email: 'x7k2p9@privaterelay.appleid.com',
        email_verified: true,
        provider_id: '001234.abcdef0123456789.1234',
      },
    });
    assert.equal((await profile(id)).display_name, null);

    await db.owner`
      update auth.users set raw_user_meta_data = raw_user_meta_data || ${db.owner.json({ full_name: 'Tim Apple' })}
      where id = ${id}`;
    assert.equal((await profile(id)).display_name, 'Tim Apple');
  });

  test('given and family name are combined when no full name is sent', async () => {
    const id = await db.createUser({ provider: 'apple', userMetadata: { given_name: 'Katherine', family_name: 'Johnson' } });
    assert.equal((await profile(id)).display_name, 'Katherine Johnson');
  });

  test('a later metadata change never overwrites a name the person chose', async () => {
    const id = await db.createUser({ provider: 'google', userMetadata: { full_name: 'Old Name' } });
    await db.asUser(id, (tx) => tx`update public.profiles set display_name = 'Chosen Name'`);
    await db.owner`update auth.users set raw_user_meta_data = ${db.owner.json({ full_name: 'Provider Name' })} where id = ${id}`;
    assert.equal((await profile(id)).display_name, 'Chosen Name');
  });

  test('unsafe or oversized metadata never blocks sign-up', async () => {
    const id = await db.createUser({
      provider: 'google',
      userMetadata: { full_name: 'x'.repeat(500), avatar_url: 'http://insecure.example/a.png' },
    });
    const row = await profile(id);
    assert.equal(row.display_name?.length, 100);
    assert.equal(row.avatar_url, null);
  });

  test('the owner can rename themselves; updated_at moves; constraints hold', async () => {
    const id = await db.createUser();
    const [before] = await db.owner`select updated_at from public.profiles where id = ${id}`;
    await db.asUser(id, (tx) => tx`update public.profiles set display_name = 'New' where id = ${id}`);
    const [afterRow] = await db.owner`select display_name, updated_at from public.profiles where id = ${id}`;
    assert.equal(afterRow.display_name, 'New');
    assert.ok(afterRow.updated_at > before.updated_at);
    await assert.rejects(
      db.asUser(id, (tx) => tx`update public.profiles set avatar_url = 'javascript:alert(1)' where id = ${id}`),
      (error: { code?: string }) => error.code === '23514',
    );
  });

  test('deleting the auth user deletes the profile', async () => {
    const id = await db.createUser();
    await db.owner`delete from auth.users where id = ${id}`;
    assert.equal(await profile(id), undefined);
  });
});
