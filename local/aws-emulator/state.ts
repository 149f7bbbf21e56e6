/**
 * The emulated account: cache security groups and their EC2-Classic authorizations (ElastiCache), VPC
 * security groups and their rules (EC2), clusters and replication groups. Statuses that change with time
 * are derived from timestamps on every read, never advanced by timers, so a ManualClock drives them.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { DelaySpec } from './delay.js';
import { delaySampler, EC2_VISIBILITY_SPREAD, validateDelay } from './delay.js';
import { FaultController } from './faults.js';
import type { AwsEmulatorSeed, RuleSpec, SeedCacheCluster } from './seed.js';

export interface EmulatorSettings {
  /**
   * ElastiCache: `authorizing` → `available`, and `revoking` → gone, after this long (AWS: "about a minute"):
   * a fixed time, or drawn per authorization from a spread (delay.ts).
   */
  propagationDelayMs: DelaySpec;
  /**
   * EC2's eventual consistency: a new rule shows in DescribeSecurityGroupRules/DescribeSecurityGroups, and a
   * revoked one leaves them, this long after the call (fixed, or drawn per change from a spread). Writes see
   * the truth at once; only the Describe calls lag, as in AWS.
   */
  ec2PropagationDelayMs: DelaySpec;
  /** EC2: inbound rules per security group (AWS default quota 60). */
  rulesPerGroupLimit: number;
  /** ElastiCache: cache security groups per account. */
  cacheSecurityGroupQuota: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  propagationDelayMs: 60_000,
  ec2PropagationDelayMs: EC2_VISIBILITY_SPREAD,
  rulesPerGroupLimit: 60,
  cacheSecurityGroupQuota: 50,
};

export type AuthorizationStatus = 'authorizing' | 'available' | 'revoking';

export interface Authorization {
  ec2SecurityGroupName: string;
  ec2SecurityGroupOwnerId: string;
  authorizedAt: number;
  /** How long this authorization takes to become `available` (drawn when it is made). */
  delayMs: number;
  revokedAt?: number;
  /** How long its revocation takes (drawn when it is revoked). */
  revokeDelayMs?: number;
  /** Made while the neverAvailable fault was on: stays `authorizing`. */
  stuck: boolean;
}

export interface CacheSecurityGroupRecord {
  /** Lowercase, as AWS stores it. */
  name: string;
  description: string;
  ownerId: string;
  tags: Array<{ key: string; value: string }>;
  authorizations: Authorization[];
}

export interface SecurityGroupRecord {
  groupId: string;
  groupName: string;
  vpcId?: string;
  ownerId: string;
  description: string;
}

export interface Tag {
  key: string;
  value: string;
}

/** A stored rule; its ipProtocol is normalized: tcp, udp, icmp or -1. */
export interface RuleRecord extends RuleSpec {
  ruleId: string;
  groupId: string;
  groupOwnerId: string;
  isEgress: boolean;
  tags: Tag[];
  /** When the Describe calls start showing it (the call's time plus its drawn visibility delay). */
  visibleAt: number;
  /** When it was revoked: from then on, writes no longer see it… */
  removedAt?: number;
  /** …and from this time on, the Describe calls no longer show it either. */
  goneAt?: number;
}

export interface CacheClusterRecord extends Required<Omit<SeedCacheCluster, 'replicationGroupId'>> {
  replicationGroupId?: string;
}

export interface ReplicationGroupRecord {
  replicationGroupId: string;
  description: string;
  memberClusters: string[];
  port: number;
}

/** What `GET /_emulator/state` and `emu.inspect()` return. */
export interface EmulatorSnapshot {
  now: string;
  ownerId: string;
  region: string;
  settings: EmulatorSettings;
  cacheSecurityGroups: Array<{
    name: string;
    description: string;
    ownerId: string;
    authorizations: Array<{ ec2SecurityGroupName: string; ec2SecurityGroupOwnerId: string; status: AuthorizationStatus }>;
  }>;
  securityGroups: SecurityGroupRecord[];
  securityGroupRules: Array<Omit<RuleRecord, 'visibleAt' | 'removedAt' | 'goneAt' | 'tags'> & { tags: Record<string, string>; visible: boolean; revoked: boolean }>;
  cacheClusters: CacheClusterRecord[];
  replicationGroups: ReplicationGroupRecord[];
  calls: Record<string, number>;
  faults: ReturnType<FaultController['get']>;
}

export interface StateOptions {
  clock?: Clock;
  faults?: FaultController;
  settings?: Partial<EmulatorSettings>;
}

const DEFAULT_OWNER = '123456789012';
const DEFAULT_REGION = 'us-east-1';

export class AwsEmulatorState {
  readonly ownerId: string;
  readonly region: string;
  readonly clock: Clock;
  readonly faults: FaultController;
  readonly settings: EmulatorSettings;
  readonly cacheSecurityGroups = new Map<string, CacheSecurityGroupRecord>();
  readonly securityGroups = new Map<string, SecurityGroupRecord>();
  readonly rules: RuleRecord[] = [];
  readonly cacheClusters = new Map<string, CacheClusterRecord>();
  readonly replicationGroups = new Map<string, ReplicationGroupRecord>();
  readonly calls = new Map<string, number>();
  #ruleCounter = 0;
  // One generator per setting, rebuilt when a test swaps the setting's value while the emulator runs.
  readonly #samplers = new Map<keyof EmulatorSettings, { spec: DelaySpec; draw: () => number }>();

  constructor(seed: AwsEmulatorSeed = {}, options: StateOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.faults = options.faults ?? new FaultController();
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    validateDelay('propagationDelayMs', this.settings.propagationDelayMs);
    validateDelay('ec2PropagationDelayMs', this.settings.ec2PropagationDelayMs);
    this.ownerId = seed.ownerId ?? DEFAULT_OWNER;
    this.region = seed.region ?? DEFAULT_REGION;
    const now = this.clock.now();

    // Every account has a `default` cache security group; a seed may describe it, never remove it.
    for (const group of [{ name: 'default', description: 'default', authorizations: [] }, ...(seed.cacheSecurityGroups ?? [])]) {
      this.cacheSecurityGroups.set(group.name.toLowerCase(), {
        name: group.name.toLowerCase(),
        description: group.description,
        ownerId: this.ownerId,
        tags: [],
        authorizations: (group.authorizations ?? []).map((auth) => ({
          ec2SecurityGroupName: auth.ec2SecurityGroupName,
          ec2SecurityGroupOwnerId: auth.ec2SecurityGroupOwnerId,
          authorizedAt: auth.status === 'authorizing' ? now : Number.NEGATIVE_INFINITY,
          delayMs: auth.status === 'authorizing' ? this.drawDelay('propagationDelayMs') : 0,
          revokedAt: auth.status === 'revoking' ? now : undefined,
          revokeDelayMs: auth.status === 'revoking' ? this.drawDelay('propagationDelayMs') : undefined,
          stuck: false,
        })),
      });
    }
    for (const group of seed.securityGroups ?? []) {
      this.securityGroups.set(group.groupId, {
        groupId: group.groupId,
        groupName: group.groupName,
        vpcId: group.vpcId,
        ownerId: group.ownerId ?? this.ownerId,
        description: group.description ?? group.groupName,
      });
      // A VPC security group starts with the allow-all outbound rule, as in AWS.
      if (group.vpcId) {
        this.addRule({
          groupId: group.groupId,
          groupOwnerId: group.ownerId ?? this.ownerId,
          isEgress: true,
          ipProtocol: '-1',
          fromPort: -1,
          toPort: -1,
          cidrIpv4: '0.0.0.0/0',
          tags: [],
          visibleAt: Number.NEGATIVE_INFINITY,
        });
      }
    }
    for (const rule of seed.securityGroupRules ?? []) {
      this.addRule({
        groupId: rule.groupId,
        groupOwnerId: this.securityGroups.get(rule.groupId)?.ownerId ?? this.ownerId,
        isEgress: false,
        ipProtocol: rule.ipProtocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        referencedGroupId: rule.referencedGroupId,
        referencedUserId: rule.referencedGroupId ? (rule.referencedUserId ?? this.ownerId) : undefined,
        cidrIpv4: rule.cidrIpv4,
        description: rule.description,
        tags: Object.entries(rule.tags ?? {}).map(([key, value]) => ({ key, value })),
        visibleAt: Number.NEGATIVE_INFINITY,
      });
    }
    for (const cluster of seed.cacheClusters ?? []) {
      this.cacheClusters.set(cluster.cacheClusterId.toLowerCase(), {
        cacheClusterId: cluster.cacheClusterId.toLowerCase(),
        replicationGroupId: cluster.replicationGroupId?.toLowerCase(),
        engine: cluster.engine,
        port: cluster.port,
        securityGroupIds: cluster.securityGroupIds ?? [],
        cacheSecurityGroupNames: (cluster.cacheSecurityGroupNames ?? []).map((name) => name.toLowerCase()),
        numCacheNodes: cluster.numCacheNodes ?? 1,
        cacheNodeType: cluster.cacheNodeType ?? 'cache.t4g.micro',
      });
    }
    for (const group of seed.replicationGroups ?? []) {
      this.replicationGroups.set(group.replicationGroupId.toLowerCase(), {
        replicationGroupId: group.replicationGroupId.toLowerCase(),
        description: group.description ?? group.replicationGroupId,
        memberClusters: group.memberClusters.map((id) => id.toLowerCase()),
        port: group.port,
      });
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** The next delay for a timing setting: its fixed value, or the next draw from its spread. */
  drawDelay(setting: 'propagationDelayMs' | 'ec2PropagationDelayMs'): number {
    const spec = this.settings[setting];
    let sampler = this.#samplers.get(setting);
    if (!sampler || sampler.spec !== spec) {
      sampler = { spec: validateDelay(setting, spec), draw: delaySampler(spec) };
      this.#samplers.set(setting, sampler);
    }
    return sampler.draw();
  }

  recordCall(action: string): void {
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
  }

  callCount(action?: string): number {
    if (action !== undefined) return this.calls.get(action) ?? 0;
    return [...this.calls.values()].reduce((sum, n) => sum + n, 0);
  }

  // ElastiCache ---------------------------------------------------------------------------------------

  /** The status of an authorization now, or undefined once a revocation has completed. */
  statusOf(auth: Authorization): AuthorizationStatus | undefined {
    const now = this.now();
    if (auth.revokedAt !== undefined) return now - auth.revokedAt >= (auth.revokeDelayMs ?? 0) ? undefined : 'revoking';
    if (auth.stuck) return 'authorizing';
    return now - auth.authorizedAt >= auth.delayMs ? 'available' : 'authorizing';
  }

  /** The group's authorizations with their current status, dropping the ones whose revocation finished. */
  liveAuthorizations(group: CacheSecurityGroupRecord): Array<{ auth: Authorization; status: AuthorizationStatus }> {
    const live: Array<{ auth: Authorization; status: AuthorizationStatus }> = [];
    for (const auth of group.authorizations) {
      const status = this.statusOf(auth);
      if (status !== undefined) live.push({ auth, status });
    }
    group.authorizations = live.map(({ auth }) => auth);
    return live;
  }

  cacheSecurityGroupArn(name: string): string {
    return `arn:aws:elasticache:${this.region}:${this.ownerId}:securitygroup:${name}`;
  }

  // EC2 -----------------------------------------------------------------------------------------------

  addRule(rule: Omit<RuleRecord, 'ruleId'>): RuleRecord {
    // Deterministic ids (sgr- and 17 hex digits, like AWS's) keep snapshots and test output stable.
    const record = { ruleId: `sgr-${(++this.#ruleCounter).toString(16).padStart(17, '0')}`, ...rule };
    this.rules.push(record);
    return record;
  }

  /** A new rule, made now: the Describe calls show it once its drawn visibility delay has passed. */
  createRule(rule: Omit<RuleRecord, 'ruleId' | 'visibleAt'>): RuleRecord {
    return this.addRule({ ...rule, visibleAt: this.now() + this.drawDelay('ec2PropagationDelayMs') });
  }

  /** Revokes rules now; the Describe calls keep showing each until its own drawn delay has passed. */
  removeRules(ids: ReadonlySet<string>): void {
    const now = this.now();
    for (const rule of this.rules) {
      if (!ids.has(rule.ruleId) || rule.removedAt !== undefined) continue;
      rule.removedAt = now;
      rule.goneAt = now + this.drawDelay('ec2PropagationDelayMs');
    }
    this.#forgetGoneRules();
  }

  /** The rules as they are (what writes act on): revoked ones left out, whatever the Describe calls still show. */
  liveRules(): RuleRecord[] {
    this.#forgetGoneRules();
    return this.rules.filter((rule) => rule.removedAt === undefined);
  }

  /** The rules as the Describe calls show them now (EC2 is eventually consistent). */
  visibleRules(): RuleRecord[] {
    this.#forgetGoneRules();
    return this.rules.filter((rule) => this.isVisible(rule));
  }

  isVisible(rule: RuleRecord): boolean {
    const now = this.now();
    return now >= rule.visibleAt && (rule.goneAt === undefined || now < rule.goneAt);
  }

  #forgetGoneRules(): void {
    const now = this.now();
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const goneAt = this.rules[i]?.goneAt;
      if (goneAt !== undefined && now >= goneAt) this.rules.splice(i, 1);
    }
  }

  // Inspection ----------------------------------------------------------------------------------------

  snapshot(): EmulatorSnapshot {
    this.#forgetGoneRules();
    return {
      now: new Date(this.now()).toISOString(),
      ownerId: this.ownerId,
      region: this.region,
      settings: { ...this.settings },
      cacheSecurityGroups: [...this.cacheSecurityGroups.values()].map((group) => ({
        name: group.name,
        description: group.description,
        ownerId: group.ownerId,
        authorizations: this.liveAuthorizations(group).map(({ auth, status }) => ({
          ec2SecurityGroupName: auth.ec2SecurityGroupName,
          ec2SecurityGroupOwnerId: auth.ec2SecurityGroupOwnerId,
          status,
        })),
      })),
      securityGroups: [...this.securityGroups.values()].map((group) => ({ ...group })),
      securityGroupRules: this.rules.map((rule) => {
        const { visibleAt: _visibleAt, removedAt, goneAt: _goneAt, tags, ...rest } = rule;
        return { ...rest, tags: Object.fromEntries(tags.map((tag) => [tag.key, tag.value])), visible: this.isVisible(rule), revoked: removedAt !== undefined };
      }),
      cacheClusters: [...this.cacheClusters.values()].map((cluster) => structuredClone(cluster)),
      replicationGroups: [...this.replicationGroups.values()].map((group) => structuredClone(group)),
      calls: Object.fromEntries(this.calls),
      faults: this.faults.get(),
    };
  }
}

/** The state without a server, for code that wants to drive the operations directly. */
export function createAwsEmulatorState(seed?: AwsEmulatorSeed, options?: StateOptions): AwsEmulatorState {
  return new AwsEmulatorState(seed, options);
}
