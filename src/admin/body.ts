import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Limits of the panel's form parsing (login and AdminJS's own forms): the whole body, and fields. */
export const FORM_LIMITS = { maxBytes: 1024 * 1024, maxFields: 500 };

/** What AdminJS's route handlers read: the form's fields by name (the last value of a repeated name). */
export type Fields = Record<string, unknown>;
type WithFields = Request & { fields?: Fields };

class FormError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const urlencoded = express.urlencoded({
  extended: false,
  limit: FORM_LIMITS.maxBytes,
  parameterLimit: FORM_LIMITS.maxFields,
});
const json = express.json({ limit: FORM_LIMITS.maxBytes });
const multipart = express.raw({ type: 'multipart/form-data', limit: FORM_LIMITS.maxBytes });

function lastValues(body: unknown): Fields {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v.at(-1) : v]),
  );
}

/** A multipart body (what AdminJS's forms send) through the platform's own parser (undici's FormData). */
async function multipartFields(req: Request): Promise<Fields> {
  const raw = req.body as unknown;
  if (!Buffer.isBuffer(raw)) return {};
  let form: FormData;
  try {
    form = await new Response(raw, {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
  } catch {
    throw new FormError(400, 'The form could not be read (malformed multipart body).');
  }
  const fields: Fields = {};
  let count = 0;
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') throw new FormError(400, 'The panel accepts no file uploads.');
    if (++count > FORM_LIMITS.maxFields) throw new FormError(413, 'The form has too many fields.');
    fields[name] = value;
  }
  return fields;
}

function refuse(req: Request, res: Response, status: number, message: string): void {
  if (req.path.startsWith('/api/')) res.status(status).json({ error: 'bad form', message });
  else res.status(status).type('text').send(message);
}

function run(parser: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void parser(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

/**
 * Parses a form post into `req.fields`, as AdminJS's express routes expect: URL-encoded (the login
 * page), JSON, or multipart without files (AdminJS's record forms), within FORM_LIMITS. A body that
 * is too large is answered 413 and one that can't be read 400, with a sentence; nothing is lost to
 * an error log. Other requests pass with empty fields.
 */
export function formFields(): RequestHandler {
  return (req: WithFields, res: Response, next: NextFunction) => {
    const parse = async () => {
      if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return {};
      if (req.is('application/x-www-form-urlencoded')) {
        await run(urlencoded, req, res);
        return lastValues(req.body);
      }
      if (req.is('application/json')) {
        await run(json, req, res);
        return lastValues(req.body);
      }
      if (req.is('multipart/form-data')) {
        await run(multipart, req, res);
        return multipartFields(req);
      }
      return {};
    };
    parse().then(
      (fields) => {
        req.fields = fields;
        next();
      },
      (err: unknown) => {
        if (err instanceof FormError) return refuse(req, res, err.status, err.message);
        const status = (err as { status?: unknown }).status;
        if (status === 413) return refuse(req, res, 413, 'The form is too large.');
        if (typeof status === 'number' && status >= 400 && status < 500)
          return refuse(req, res, 400, 'The form could not be read.');
        next(err);
      },
    );
  };
}
