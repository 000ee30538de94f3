import { editDistance, knownVariables, unknownVariableWarnings } from './unknown-variables';

describe('unknown AOL_* variables', () => {
  it('measures edits', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('AOL_MAX_ACTION_PER_TICK', 'AOL_MAX_ACTIONS_PER_TICK')).toBe(1);
  });

  it('knows the variables of the configuration', () => {
    expect(knownVariables()).toEqual(
      expect.arrayContaining(['AOL_MAX_ACTIONS_PER_TICK', 'AOL_LOG_LEVEL', 'AOL_LOG_FORMAT', 'DATABASE_URL']),
    );
  });

  it('names the closest known variable for a misspelled one', () => {
    expect(unknownVariableWarnings({ AOL_MAX_ACTION_PER_TICK: '5', AOL_TICK_INTERVALL_MS: '100' })).toEqual([
      'AOL_MAX_ACTION_PER_TICK is not a variable AOL reads; did you mean AOL_MAX_ACTIONS_PER_TICK?',
      'AOL_TICK_INTERVALL_MS is not a variable AOL reads; did you mean AOL_TICK_INTERVAL_MS?',
    ]);
  });

  it('says nothing of known variables and others than AOL_*, and guesses nothing for a name far from all', () => {
    expect(unknownVariableWarnings({ AOL_LOG_LEVEL: 'info', PATH: '/bin', AOL_SOMETHING_ELSE_ENTIRELY: '1' })).toEqual([
      "AOL_SOMETHING_ELSE_ENTIRELY is not a variable AOL reads (see README's configuration table)",
    ]);
  });
});
