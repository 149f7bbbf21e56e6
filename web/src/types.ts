/** What the API returns (functions/services/view-request.ts publicRequest, list-targets.ts). */
export interface HistoryEvent {
  at: string;
  event: string;
  actor: string;
  status?: string;
  detail?: string;
}

export interface Decision {
  decision: 'approve' | 'deny';
  at: string;
  comment?: string;
  via: string;
}

export interface AccessRequest {
  id: string;
  status: string;
  requester: string;
  target: Record<string, string>;
  resolvedTarget: string;
  reason: string;
  createdAt: string;
  updatedAt: string;
  approvers: string[];
  approvalsRequired: number;
  approvals: Record<string, Decision>;
  decidedBy: string[];
  approvalDeadline: string;
  failureReason?: string;
  durationMinutes: number;
  expiresAt?: string;
  endedAt?: string;
  history: HistoryEvent[];
  links: Record<string, string>;
}

export interface RequestPage {
  items: AccessRequest[];
  nextCursor?: string;
}

export interface Target {
  key: string;
  mode: 'vpc' | 'classic';
  approvers: string[];
  approvalsRequired: number;
  defaultDurationMinutes: number;
  maxDurationMinutes: number;
}

export interface TargetList {
  items: Target[];
  caller: { email: string; approver: boolean; auditor: boolean };
}

/**
 * The API's statuses, and those nothing leaves (the page stops polling there). Kept here so that the app
 * bundles no server code; test/unit/web-app-rules.test.ts holds them equal to functions/domain's.
 */
export const STATUSES: readonly string[] = ['PENDING_APPROVAL', 'APPROVED', 'AUTHORIZING', 'ACTIVE', 'REVOKING', 'ENDED', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED'];
export const FINAL_STATUSES: readonly string[] = ['ENDED', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED'];

export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.includes(status);
}
