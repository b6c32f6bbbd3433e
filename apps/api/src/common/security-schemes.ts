/** The OpenAPI security scheme of the host backend's keys (`Authorization: Bearer rfk_…`). */
export const API_KEY_SCHEME = 'apiKey';
