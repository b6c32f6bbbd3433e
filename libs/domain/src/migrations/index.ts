import { InitialSchema1764100000000 } from './1764100000000-initial-schema.js';

/** Every migration, oldest first. A new migration is a new file added here. */
export const MIGRATIONS = [InitialSchema1764100000000];
