/**
 * The panel's form parsing (express and the platform's FormData, no formidable): AdminJS's record
 * forms post multipart bodies, the login page URL-encoded ones, the API JSON. Each is read into the
 * same fields; a file, a body over the limit and a body that can't be read get a clear 4xx answer
 * and change nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FORM_LIMITS } from '../../src/admin/body.js';
import { sql } from '../support/sql.js';
import { createStaff, HttpClient, loggedIn, PASSWORD, startHarness, type Harness } from './support.js';

let h: Harness;
let clerk: HttpClient;

beforeAll(async () => {
  h = await startHarness();
  await createStaff(h, { username: 'clerk' });
  clerk = await loggedIn(h, 'clerk');
}, 120_000);

afterAll(async () => h?.close());

const shopForm = (name: string): FormData => {
  const form = new FormData();
  form.set('name', name);
  form.set('clientId', 'c-1');
  form.set('vendorName', 'Vendor');
  form.set('apiKey', `multipart-key-${name.length}-0123456789`);
  return form;
};
const shopNamed = (name: string) => sql(h, 'SELECT id FROM shops WHERE name = $1', [name]);

describe('panel forms', () => {
  test('a multipart record form, as AdminJS sends it, creates the record', async () => {
    const reply = await clerk.api('/resources/Shop/actions/new', { multipart: shopForm('Multipart shop') });
    expect(reply.status).toBe(200);
    expect(reply.json<{ record: { params: { name: string } } }>().record.params.name).toBe('Multipart shop');
    expect(await shopNamed('Multipart shop')).toHaveLength(1);
  });

  test('the login page posts URL-encoded and multipart alike', async () => {
    const byForm = new HttpClient(h.base);
    expect((await byForm.login('clerk', PASSWORD)).status).toBe(302);
    const byMultipart = new HttpClient(h.base);
    const form = new FormData();
    form.set('email', 'clerk');
    form.set('password', PASSWORD);
    const reply = await byMultipart.request('/admin/login', { multipart: form });
    expect(reply.status).toBe(302);
    expect(reply.location).toBe('/admin');
  });

  test('a file in a form is refused with a sentence, and nothing is saved', async () => {
    const form = shopForm('Shop with a file');
    form.set('logo', new Blob(['GIF89a'], { type: 'image/gif' }), 'logo.gif');
    const reply = await clerk.api('/resources/Shop/actions/new', { multipart: form });
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ error: 'bad form', message: 'The panel accepts no file uploads.' });
    expect(await shopNamed('Shop with a file')).toHaveLength(0);
  });

  test('a body over the limit is 413 and one that cannot be read 400, with a sentence', async () => {
    const big = shopForm('Too big');
    big.set('notes', 'x'.repeat(FORM_LIMITS.maxBytes + 1));
    const tooBig = await clerk.api('/resources/Shop/actions/new', { multipart: big });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json()).toEqual({ error: 'bad form', message: 'The form is too large.' });
    expect(await shopNamed('Too big')).toHaveLength(0);

    const login = await new HttpClient(h.base).request('/admin/login', {
      form: { email: 'clerk', password: 'x'.repeat(FORM_LIMITS.maxBytes + 1) },
    });
    expect(login.status).toBe(413);
    expect(login.text).toBe('The form is too large.');

    const badJson = await clerk.api('/resources/Shop/actions/new', {
      raw: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json()).toEqual({ error: 'bad form', message: 'The form could not be read.' });

    const badMultipart = await clerk.api('/resources/Shop/actions/new', {
      raw: 'not a multipart body',
      headers: { 'content-type': 'multipart/form-data; boundary=----x' },
    });
    expect(badMultipart.status).toBe(400);
    expect(badMultipart.json<{ message: string }>().message).toMatch(/could not be read/);
  });

  test('more fields than the limit is 413', async () => {
    const form = shopForm('Many fields');
    for (let i = 0; i <= FORM_LIMITS.maxFields; i++) form.set(`extra${i}`, 'x');
    const reply = await clerk.api('/resources/Shop/actions/new', { multipart: form });
    expect(reply.status).toBe(413);
    expect(await shopNamed('Many fields')).toHaveLength(0);
  });
});
