// Stats switches: every trigger and aggregation as a checkbox, on when sent.
import { z } from 'zod';
import { aggregationNames, statsTriggers, type StatsSwitches } from '../../../contracts/stats.ts';
import { getStatsSwitches, updateStatsSwitches } from '../../../services/stats/switches.ts';
import * as pages from '../pages.ts';
import { consoleAction, consolePage, type ConsoleContext, type ConsoleRoute } from '../route.ts';
import { DoneQuery, noticeOf } from '../schemas.ts';

const checkbox = z.literal('on').optional();
const SwitchesForm = z.strictObject(
  Object.fromEntries(
    [...statsTriggers.map((t) => `triggers.${t}`), ...aggregationNames.map((a) => `aggregations.${a}`)].map((name) => [
      name,
      checkbox,
    ]),
  ),
);

export function switchesSection({ prisma }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/switches',
      query: DoneQuery,
      render: async ({ query }, viewer) =>
        pages.switchesPage(viewer, { switches: await getStatsSwitches(prisma), notice: noticeOf(query) }),
    }),
    consoleAction({
      path: '/switches',
      form: SwitchesForm,
      audit: { action: 'stats-switches.update', target: () => null },
      act: ({ body }, scope) => {
        const patch: StatsSwitches = {
          triggers: Object.fromEntries(
            statsTriggers.map((t) => [t, body[`triggers.${t}`] === 'on']),
          ) as StatsSwitches['triggers'],
          aggregations: Object.fromEntries(
            aggregationNames.map((a) => [a, body[`aggregations.${a}`] === 'on']),
          ) as StatsSwitches['aggregations'],
        };
        return updateStatsSwitches(scope, patch);
      },
      then: () => ({ redirect: '/admin/switches?done=saved' }),
    }),
  ];
}
