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
  expiresAt?: string;
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
  maxDurationMinutes?: number;
  defaultDurationMinutes?: number;
}

export interface TargetList {
  items: Target[];
  caller: { email: string; approver: boolean; auditor: boolean };
}

/** Statuses after which nothing changes (the page stops polling); ACTIVE lasts until an operator revokes it. */
export const FINAL_STATUSES = ['ACTIVE', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED', 'ENDED'];
