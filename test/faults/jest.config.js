/**
 * The fault suite (`npm run test:faults`): real service processes against a private
 * PostgreSQL cluster, faults injected, invariants checked in SQL. Serial on purpose: the
 * scenarios time leases and kill processes, and share two cores.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testRegex: '\\.fault-spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 120000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/faults/support/global-setup.ts',
  verbose: true,
};
