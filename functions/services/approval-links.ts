/**
 * Personal approval links, issued when the message carrying them is delivered (so no link, a credential,
 * ever sits in a queue): one per approver, bound to them, expiring with the approval window. The store
 * keeps only each token's hash.
 */
import { linksConfig } from '../config.js';
import { issueLinkToken, linkTokenHash } from '../domain/approval-links.js';
import type { AccessRequestRecord, ExtensionRound } from '../domain/request-lifecycle.js';
import { requestStore } from '../adapters/request-store.js';

/**
 * Issues a link for each approver (never the requester); returns approver → URL of their review page. With
 * an extension round, the links decide that round and expire with its window.
 */
export async function issueApprovalLinks(key: string, request: AccessRequestRecord, approvers: readonly string[], round?: ExtensionRound): Promise<Record<string, string>> {
  const expiresAt = Math.floor(Date.parse(round?.deadline ?? request.approvalDeadline) / 1000);
  const urls: Record<string, string> = {};
  const links = approvers
    .filter((approver) => approver !== request.requester)
    .map((approver) => {
      const token = issueLinkToken(key, { requestId: request.id, approver, expiresAt, ...(round ? { round: round.id } : {}) });
      urls[approver] = `${linksConfig().publicBaseUrl}/approvals/${token}`;
      return { hash: linkTokenHash(token), requestId: request.id, approver, expiresAt, ...(round ? { round: round.id } : {}) };
    });
  if (links.length > 0) await requestStore.putLinks(links);
  return urls;
}
