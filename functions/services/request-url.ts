/** Where a request lives in the API (its `self` link), from the public base URL. */
import { linksConfig } from '../config.js';

export function requestUrl(id: string): string {
  return `${linksConfig().publicBaseUrl}/requests/${id}`;
}
