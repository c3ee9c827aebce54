import assert from 'node:assert/strict';
import { ScenarioError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';

/** The problems a scenario text is rejected with; fails the test when it is accepted. */
export function scenarioProblems(text: string, file = 'bad.yaml', env: NodeJS.ProcessEnv = {}): ScenarioError {
  try {
    parseScenario(text, file, env);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  return assert.fail('expected the scenario to be rejected');
}
