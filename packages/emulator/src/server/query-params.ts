/**
 * awsQuery / ec2Query form parameters. Lists arrive as `Name.member.N` (awsQuery),
 * `Name.<MemberName>.N` (awsQuery with xmlName, e.g. RDS `Filters.Filter.1.Name`) or `Name.N`
 * (ec2Query, flattened: `Filter.1.Value.1`, `InstanceId.1`). These helpers accept all three.
 */
export type QueryParams = Map<string, string>;

export function parseQueryParams(body: string): QueryParams {
  return new Map(new URLSearchParams(body));
}

const LIST_ENTRY = /^(?:[A-Za-z]+\.)?(\d+)(?:\.(.+))?$/;

function entries(params: QueryParams, prefix: string): Map<number, QueryParams | string> {
  const byIndex = new Map<number, QueryParams | string>();
  for (const [key, value] of params) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const match = LIST_ENTRY.exec(key.slice(prefix.length + 1));
    if (match === null) continue;
    const index = Number(match[1]);
    const rest = match[2];
    if (rest === undefined) {
      byIndex.set(index, value);
    } else {
      let sub = byIndex.get(index);
      if (typeof sub !== 'object') {
        sub = new Map();
        byIndex.set(index, sub);
      }
      sub.set(rest, value);
    }
  }
  return new Map([...byIndex].sort(([a], [b]) => a - b));
}

/** A list of strings (`InstanceId.1`, `Values.member.1`, `Values.Value.1`). */
export function queryStringList(params: QueryParams, prefix: string): string[] {
  return [...entries(params, prefix).values()].filter(
    (value): value is string => typeof value === 'string',
  );
}

/** A list of structures, each as its own sub-parameter map. */
export function queryStructList(params: QueryParams, prefix: string): QueryParams[] {
  return [...entries(params, prefix).values()].filter(
    (value): value is QueryParams => typeof value === 'object',
  );
}

/** Query filters: `{ name, values }[]` from `Filter.N` (ec2) or `Filters.*.N` (rds). */
export function queryFilters(
  params: QueryParams,
  prefix: string,
  valuesPrefix: string,
): Array<{ name: string; values: string[] }> {
  return queryStructList(params, prefix).map((filter) => ({
    name: filter.get('Name') ?? '',
    values: queryStringList(filter, valuesPrefix),
  }));
}
