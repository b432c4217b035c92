import { z } from 'zod';
import { API_ROUTES, type RouteContract } from './routes';
import { wire } from './schemas';

type Json = Record<string, unknown>;
const COMPONENT = '#/components/schemas/';

/** A request schema as JSON Schema: what a client may send (defaults optional, coercions as their input). */
function inputSchema(schema: z.ZodType): Json {
  const { $schema: _s, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  if (json.$defs) throw new Error('request schemas are inlined: a recursive one needs a component');
  return json;
}

function parameters(path: string, query: z.ZodObject | undefined): Json[] {
  const inPath = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (!query) return inPath;
  const json = inputSchema(query) as { properties?: Record<string, Json>; required?: string[] };
  const inQuery = Object.entries(json.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema }));
  return [...inPath, ...inQuery];
}

function responseOf(c: RouteContract): Json {
  const status = String(c.status ?? 200);
  if (!c.response) return { [status]: { description: 'Success' }, default: { $ref: '#/components/responses/Error' } };
  const id = wire.get(c.response)?.id;
  if (!id) throw new Error('a response schema must be registered in contract/schemas.ts');
  return {
    [status]: { description: 'Success', content: { 'application/json': { schema: { $ref: COMPONENT + id } } } },
    default: { $ref: '#/components/responses/Error' },
  };
}

function operation(route: string, c: RouteContract): Json {
  const [method, path] = route.split(' ') as [string, string];
  return {
    operationId: `${method.toLowerCase()}${path.replace(/^\/api/, '').replace(/[{}]/g, '').replace(/[/.-](\w)/g, (_m, ch: string) => ch.toUpperCase())}`,
    ...(c.summary ? { summary: c.summary } : {}),
    parameters: parameters(path, c.query),
    ...(c.body ? { requestBody: { required: true, content: { 'application/json': { schema: inputSchema(c.body) } } } } : {}),
    responses: responseOf(c),
  };
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string', description: 'The input field at fault (400).' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

/** The API's OpenAPI 3.1 document, built from the route registry and the wire schemas. */
export function openApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const [route, c] of Object.entries(API_ROUTES)) {
    const [method, path] = route.split(' ') as [string, string];
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(route, c) };
  }
  const { schemas } = z.toJSONSchema(wire, { uri: (id) => COMPONENT + id, io: 'output' }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'M365 Archive API', version },
    servers: [{ url: '/' }],
    security: [{ entra: [] }],
    paths,
    components: {
      securitySchemes: { entra: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An Entra ID access token for the API app registration.' } },
      schemas: { ...schemas, Error: errorSchema },
      responses: { Error: { description: 'An error: `{ error: { code, message, field? } }`', content: { 'application/json': { schema: { $ref: COMPONENT + 'Error' } } } } },
    },
  };
}
