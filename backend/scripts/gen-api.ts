import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { API_TYPES_FILE, apiTypes } from './api-types';

/** `npm run gen:api`: rewrites the add-in's and the Teams tab's API types from the OpenAPI document. */
await writeFile(API_TYPES_FILE, await apiTypes());
console.log(`wrote ${fileURLToPath(API_TYPES_FILE)}`);
