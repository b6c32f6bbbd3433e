export function deleteKeys(url: string | null | undefined, pattern: string): Promise<void>;
