import { AwsApiError } from '../server/aws-error.js';
import type { RequestContext } from './context.js';
import { globMatch } from './context.js';

/**
 * Identity-based permission check. A principal without a `permissions` entry in the world may do
 * everything; a principal with one may only do what an allow rule grants (implicit deny).
 * Throws `AccessDeniedException` (JSON), `AccessDenied` (Query) or `UnauthorizedOperation` (EC2).
 */
export function authorize(
  context: RequestContext,
  action: string,
  resource: string,
  resourceTags?: Record<string, string>,
): void {
  const { identity, state } = context;
  const entries = state.world.permissions.filter(
    (entry) => entry.principal === identity.arn || entry.principal === identity.principalArn,
  );
  if (entries.length === 0) return;
  const allowed = entries.some((entry) =>
    entry.allow.some(
      (rule) =>
        rule.actions.some((pattern) => globMatch(pattern, action, true)) &&
        rule.resources.some((pattern) => globMatch(pattern, resource)) &&
        (rule.resourceTags === undefined ||
          (resourceTags !== undefined &&
            Object.entries(rule.resourceTags).every(
              ([key, value]) => resourceTags[key] === value,
            ))),
    ),
  );
  if (allowed) return;
  const message = `User: ${identity.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  switch (context.family) {
    case 'json':
      throw new AwsApiError('AccessDeniedException', message, 400);
    case 'query':
      throw new AwsApiError('AccessDenied', message, 403);
    case 'ec2':
      throw new AwsApiError(
        'UnauthorizedOperation',
        'You are not authorized to perform this operation.',
        403,
      );
  }
}
