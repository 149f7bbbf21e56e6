/**
 * Ask for access: the targets the person may ask for (GET /targets), with who will decide, and the form.
 * Field names are the API's own; each field error the API names shows next to its field.
 */
import { api, ApiError, type FieldProblem } from '../api.js';
import { alertBox, el, show } from '../dom.js';
import type { Target, TargetList } from '../types.js';

interface Field {
  name: string;
  label: string;
  hint?: string;
  required?: boolean;
  multiline?: boolean;
  type?: string;
}

function field(spec: Field): HTMLElement {
  const id = `f-${spec.name}`;
  const control = spec.multiline
    ? el('textarea', { id, name: spec.name, required: spec.required, 'aria-describedby': `${id}-hint ${id}-error`, maxlength: '999' })
    : el('input', { id, name: spec.name, type: spec.type ?? 'text', required: spec.required, 'aria-describedby': `${id}-hint ${id}-error`, autocomplete: 'off' });
  return el(
    'div',
    { class: 'field', 'data-field': spec.name },
    el('label', { for: id }, spec.label, spec.required ? '' : ' (optional)'),
    el('p', { class: 'hint', id: `${id}-hint` }, spec.hint ?? ''),
    control,
    el('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

function modeFields(target: Target): HTMLElement[] {
  if (target.mode === 'vpc') {
    return [
      el(
        'div',
        { class: 'field' },
        el('label', { for: 'f-clusterField' }, 'The target is a'),
        el('select', { id: 'f-clusterField', name: 'clusterField' }, el('option', { value: 'replicationGroupId' }, 'replication group (Redis, Valkey)'), el('option', { value: 'cacheClusterId' }, 'cache cluster (Memcached, single node)')),
      ),
      field({ name: 'sourceSecurityGroupId', label: 'Source security group id', hint: 'The EC2 security group of the servers that need access, e.g. sg-0a99000000000001.', required: true }),
      field({ name: 'sourceSecurityGroupOwnerId', label: 'Owner account of the source group', hint: '12 digits; only when the group is in another account.' }),
    ];
  }
  return [
    field({ name: 'ec2SecurityGroupName', label: 'EC2 security group name', hint: 'The EC2-Classic group of the servers that need access.', required: true }),
    field({ name: 'ec2SecurityGroupOwnerId', label: 'Owner account of the EC2 group', hint: '12 digits.', required: true }),
  ];
}

function showProblems(form: HTMLFormElement, summary: HTMLElement, problems: FieldProblem[], message: string): void {
  for (const error of form.querySelectorAll<HTMLElement>('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  const unplaced: FieldProblem[] = [];
  let first: HTMLElement | undefined;
  for (const problem of problems) {
    const error = form.querySelector<HTMLElement>(`#f-${CSS.escape(problem.field)}-error`);
    const control = form.querySelector<HTMLElement>(`#f-${CSS.escape(problem.field)}`);
    if (!error || !control) {
      unplaced.push(problem);
      continue;
    }
    error.hidden = false;
    error.textContent = `${problem.field} ${problem.message}`;
    control.setAttribute('aria-invalid', 'true');
    first ??= control;
  }
  summary.replaceChildren(
    alertBox(unplaced.length > 0 ? `${message}: ${unplaced.map((p) => `${p.field} ${p.message}`).join('; ')}` : `${message}. See the marked fields.`),
  );
  (first ?? summary).focus();
}

function requestBody(target: Target, data: FormData): Record<string, unknown> {
  const value = (name: string): string | undefined => {
    const text = String(data.get(name) ?? '').trim();
    return text === '' ? undefined : text;
  };
  const body: Record<string, unknown> = { reason: value('reason') ?? '' };
  // A number when it reads as one; otherwise as typed, so the API names the field.
  const duration = value('durationMinutes');
  if (duration !== undefined) body.durationMinutes = /^\d+$/.test(duration) ? Number(duration) : duration;
  if (target.mode === 'vpc') {
    body[value('clusterField') === 'cacheClusterId' ? 'cacheClusterId' : 'replicationGroupId'] = target.key;
    body.sourceSecurityGroupId = value('sourceSecurityGroupId') ?? '';
    if (value('sourceSecurityGroupOwnerId')) body.sourceSecurityGroupOwnerId = value('sourceSecurityGroupOwnerId');
  } else {
    body.cacheSecurityGroupName = target.key;
    body.ec2SecurityGroupName = value('ec2SecurityGroupName') ?? '';
    body.ec2SecurityGroupOwnerId = value('ec2SecurityGroupOwnerId') ?? '';
  }
  return body;
}

export async function askPage(navigate: (path: string) => void): Promise<void> {
  const { body } = await api<TargetList>('GET', '/targets');
  const targets = body?.items ?? [];
  if (targets.length === 0) {
    show('Ask for access', el('p', {}, 'There is nothing you can ask for: no approval policy covers a target for you. Ask an administrator.'));
    return;
  }
  const details = el('div', {});
  const summary = el('div', { tabindex: '-1' });
  const choices = targets.map((target, index) =>
    el(
      'label',
      { class: 'choice' },
      el('input', { type: 'radio', name: 'target', value: target.key, checked: index === 0 }),
      el(
        'span',
        {},
        el('strong', {}, target.key),
        ` (${target.mode === 'vpc' ? 'VPC' : 'EC2-Classic'}) · decided by ${target.approvers.join(', ')}`,
        target.approvalsRequired > 1 ? ` · ${target.approvalsRequired} approvals needed` : '',
      ),
    ),
  );
  const form = el(
    'form',
    { novalidate: true },
    el('fieldset', {}, el('legend', {}, 'Which cache'), ...choices),
    details,
    field({ name: 'reason', label: 'Why do you need access?', hint: 'Approvers read this. Up to 999 characters.', required: true, multiline: true }),
    summary,
    el('button', { class: 'primary', type: 'submit' }, 'Ask for access'),
  );
  const selected = (): Target => targets.find((t) => t.key === new FormData(form).get('target')) ?? (targets[0] as Target);
  const renderDetails = (): void => {
    const target = selected();
    const duration = field({ name: 'durationMinutes', label: 'For how long (minutes)?', hint: `Up to ${target.maxDurationMinutes} minutes for ${target.key}.`, required: true, type: 'number' });
    const input = duration.querySelector('input') as HTMLInputElement;
    Object.assign(input, { min: '1', max: String(target.maxDurationMinutes), value: String(target.defaultDurationMinutes) });
    details.replaceChildren(...modeFields(target), duration);
  };
  for (const choice of choices) choice.querySelector('input')?.addEventListener('change', renderDetails);
  renderDetails();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    void api<{ id: string; links: { page: string } }>('POST', '/requests', { json: requestBody(selected(), new FormData(form)) })
      .then(({ body: created }) => navigate(`/app/requests/${created?.id ?? ''}`))
      .catch((error: unknown) => {
        if (error instanceof ApiError) showProblems(form, summary, error.details, error.message);
        else summary.replaceChildren(alertBox(`Could not send the request: ${(error as Error).message}`));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  show('Ask for access', form);
}
