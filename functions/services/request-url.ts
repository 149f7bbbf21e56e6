/**
 * Where a request lives: its page in the web app (what people open from emails and Slack) and its API
 * resource (`links.self`, guarded by the API's JWT authorizer), both under the public base URL.
 */
import { linksConfig } from '../config.js';

/** The request's page in the web app; messages link here, and the page signs the reader in. */
export function requestUrl(id: string): string {
  return `${linksConfig().publicBaseUrl}/app/requests/${id}`;
}

/** The request in the JSON API. */
export function requestApiUrl(id: string): string {
  return `${linksConfig().publicBaseUrl}/requests/${id}`;
}
