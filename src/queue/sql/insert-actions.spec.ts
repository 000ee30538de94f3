import { raw, render } from '../../database/sql';
import { POSTGRESQL_DIALECT, SQLITE_DIALECT } from '../../database/sql-dialect';
import { ActionType } from '../../actions/action-status';
import { insertActions, NewAction } from './insert-actions';

function actions(count: number): NewAction[] {
  return Array.from({ length: count }, (_, index) => ({
    idempotencyKey: `key-${index}`,
    type: ActionType.POST_SOCIAL,
    payload: { platform: 'mastodon', text: `post ${index}` },
    priority: index % 3,
    runAfter: index % 2 === 0 ? null : new Date(Date.UTC(2030, 0, 1)),
    enqueuedBy: 'operator',
  }));
}

describe('insertActions', () => {
  it.each([POSTGRESQL_DIALECT, SQLITE_DIALECT])(
    'sends a batch as the same statement with the same values on $driver, whatever its size',
    (d) => {
      const shape = (count: number) => {
        const { text, values } = render(insertActions(d, actions(count), raw("'PENDING'")), () => '?');
        return { text, values: values.length };
      };
      expect(shape(1000)).toEqual(shape(2));
      expect(shape(2).values).toBeLessThanOrEqual(2);
    },
  );
});
